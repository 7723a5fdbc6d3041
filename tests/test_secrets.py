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
