"""Secrets never reach logs, reprs, exception text or frames — proven with distinctive fakes."""

from __future__ import annotations

import logging
import pickle
import time
import traceback
from collections.abc import Iterator

import pytest
from scripted_server import Reply, ScriptedServer
from spec_examples import example

import xtoolkit as xt
from xtoolkit._credentials import Credentials, read_env_file

B_KEY = "BKEYzzzz" + "q" * 48 + "TAIL"
B_SECRET = "BSECRETxyzzy" + "w" * 52
U_KEY = "UKEYyyyy" + "e" * 32 + "TAIL"
U_SECRET = "USECRETplugh" + "r" * 40
NEEDLES = (B_SECRET, U_SECRET, B_KEY[:-4], U_KEY[:-4])


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    srv.default("GET", "/api/v3/time", Reply(body={"serverTime": int(time.time() * 1000)}))
    yield srv
    srv.stop()


def _assert_clean(text: str) -> None:
    for needle in NEEDLES:
        assert needle not in text
    assert "signature=" not in text
    assert "Bearer ey" not in text


def test_credentials_repr_masks_key_and_hides_secret() -> None:
    c = Credentials(B_KEY, B_SECRET)
    for text in (repr(c), str(c), f"{c}", repr([c]), repr({"k": c})):
        _assert_clean(text)
        assert "****TAIL" in text
    with pytest.raises(TypeError):
        pickle.dumps(c)


def test_client_repr_shows_no_keys(server: ScriptedServer) -> None:
    with xt.Client(
        base_urls={"binance": server.url},
        exchanges=["binance"],
        credentials={"binance": (B_KEY, B_SECRET)},
        use_env=False,
    ) as c:
        _assert_clean(repr(c) + repr(c.venue("binance")))


async def test_logs_and_errors_at_debug_are_clean(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XTOOLKIT_ALLOW_LIVE", "1")  # the order below must leave: live mode
    server.script("GET", "/api/v3/account", Reply(401, example("binance", "error_-2015")))
    server.script("GET", "/v1/accounts", Reply(401, example("upbit", "error_jwt_verification")))
    server.script("POST", "/v1/orders", Reply(drop=True))
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with xt.AsyncClient(
        base_urls={"binance": server.url, "upbit": server.url},
        credentials={"binance": (B_KEY, B_SECRET), "upbit": (U_KEY, U_SECRET)},
        use_env=False,
        mode="live",
    ) as ac:
        for coro in (ac.balances("binance"), ac.balances("upbit")):
            with pytest.raises(xt.AuthError) as info:
                await coro
            texts += [
                str(info.value),
                repr(info.value),
                "".join(traceback.format_exception(info.value)),
                repr(info.value.payload),
            ]
        from xtoolkit.exchanges._spec import Call

        with pytest.raises(xt.OrderStatusUnknown) as unknown:
            await ac.send(
                "upbit",
                Call(
                    "order_new",
                    {
                        "market": "KRW-BTC",
                        "side": "bid",
                        "ord_type": "price",
                        "price": "5000",
                        "identifier": "s-1",
                    },
                ),
            )
        texts += [str(unknown.value), "".join(traceback.format_exception(unknown.value))]
    texts.append(caplog.text)
    assert "/api/v3/account" in caplog.text  # we did log the request line...
    for text in texts:
        _assert_clean(text)  # ...but never a key, secret, signature or token


def test_env_and_dotenv_loading(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    env = tmp_path / ".env"
    env.write_text(f"# keys\nexport UPBIT_ACCESS_KEY={U_KEY}\nUPBIT_SECRET_KEY='{U_SECRET}'\n")
    assert read_env_file(env)["UPBIT_SECRET_KEY"] == U_SECRET
    monkeypatch.delenv("UPBIT_ACCESS_KEY", raising=False)
    monkeypatch.delenv("UPBIT_SECRET_KEY", raising=False)
    creds = Credentials.from_env("upbit", env_file=env)
    assert creds is not None and creds.key == U_KEY
    monkeypatch.setenv("BINANCE_API_KEY", B_KEY)
    monkeypatch.delenv("BINANCE_API_SECRET", raising=False)
    with pytest.raises(ValueError, match="BINANCE_API_SECRET"):
        Credentials.from_env("binance")


def test_key_pair_credentials_show_no_key_material() -> None:
    keys = example("binance", "auth_key_pair_vectors")["key_pair_keys"]
    for kind in ("ed25519", "rsa"):
        pem = keys[kind]["private_key_pem_pkcs8"]
        body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
        c = Credentials(B_KEY, private_key=pem)
        for text in (repr(c), str(c), f"{c}", repr([c]), repr(c.__slots__)):
            _assert_clean(text)
            assert not any(line[:24] in text for line in body)
        assert kind in repr(c) and "****TAIL" in repr(c)
        assert c.secret == "" and not hasattr(c, "__dict__")  # nothing else to dump
        with pytest.raises(TypeError):
            pickle.dumps(c)


async def test_key_pair_requests_log_no_signature(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    pem = example("binance", "auth_key_pair_vectors")["key_pair_keys"]["ed25519"]["private_key_pem_pkcs8"]
    server.script("GET", "/api/v3/account", Reply(400, example("binance", "error_-1022")))
    caplog.set_level(logging.DEBUG)
    async with xt.AsyncClient(
        base_urls={"binance": server.url},
        exchanges=["binance"],
        credentials={"binance": {"key": B_KEY, "private_key": pem}},
        use_env=False,
    ) as ac:
        with pytest.raises(xt.InvalidSignature) as info:
            await ac.balances("binance")
    sent = [s.query for s in server.seen if s.path == "/api/v3/account"]
    assert sent and "signature=" in sent[0]
    signature = sent[0].rpartition("signature=")[2]
    assert "%2B" in signature or "%2F" in signature or "%3D" in signature  # base64, percent-encoded
    for text in (caplog.text, str(info.value), "".join(traceback.format_exception(info.value))):
        _assert_clean(text)
        assert signature not in text
