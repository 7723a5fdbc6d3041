"""Upbit wallet networks and trading fees: the calls and their parsers (pure).

* ``GET /v1/status/wallet`` (JWT, any key, group ``default``): per currency and ``net_type``,
  ``wallet_state`` and the chain's ``block_state`` / ``block_updated_at``. Upbit documents that
  this status can lag the real service state by several minutes (spec §11.1).
* ``GET /v1/withdraws/chance?currency=&net_type=`` (JWT with query_hash, the key needs "View
  Withdrawals", group ``default``): the flat ``withdraw_fee``, the ``minimum`` and what is
  currently supported (``wallet_support``). One call per asset and network, so it is made only
  for the assets a caller names (spec §11.2).
* ``GET /v1/orders/chance?market=`` (group ``default``): ``bid_fee`` / ``ask_fee`` (taker, buy /
  sell) and ``maker_bid_fee`` / ``maker_ask_fee`` (spec §12.1).

A switch is open only if every source that gives it says so; an unknown ``wallet_state`` opens
nothing (spec §11.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from xtoolkit._errors import MalformedResponse
from xtoolkit._models import MarketRef
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._wallet import ACCOUNT, TradingFee, WalletNetwork, opt_decimal, stamp

__all__ = [
    "STATUS_WALLET",
    "WALLET_STATES",
    "WITHDRAWS_CHANCE",
    "fee_call",
    "networks_calls",
    "networks_more",
    "parse_fee",
    "parse_networks",
]

NAME = "upbit"
STATUS_WALLET = "/v1/status/wallet"
WITHDRAWS_CHANCE = "/v1/withdraws/chance"

#: ``wallet_state`` -> (deposits open, withdrawals open); any other value opens neither.
WALLET_STATES: dict[str, tuple[bool, bool]] = {
    "working": (True, True),
    "withdraw_only": (False, True),
    "deposit_only": (True, False),
    "paused": (False, False),
    "unsupported": (False, False),
}


def networks_calls(assets: Sequence[str] | None) -> list[Call]:
    """The wallet status of every currency (one call; fees follow per named asset)."""
    del assets
    return [Call("status_wallet")]


def networks_more(payloads: Sequence[Any], assets: Sequence[str] | None) -> list[Call]:
    """One ``withdraws/chance`` per (asset, net_type) of the named assets; none for all assets
    (hundreds of calls would be needed)."""
    if not assets:
        return []
    wanted = {a.upper() for a in assets}
    status = payloads[0]
    if not isinstance(status, list):
        raise MalformedResponse("upbit status/wallet is not an array", exchange=NAME)
    calls: list[Call] = []
    seen: set[tuple[str, str]] = set()
    for item in status:
        if not isinstance(item, Mapping):
            continue
        currency, net = str(item.get("currency") or "").upper(), item.get("net_type")
        if currency in wanted and net and (currency, str(net)) not in seen:
            seen.add((currency, str(net)))
            calls.append(Call("withdraws_chance", {"currency": currency, "net_type": str(net)}))
    return calls


def _both(a: bool | None, b: bool | None) -> bool | None:
    said = [x for x in (a, b) if x is not None]
    return all(said) if said else None


def _chance(payload: Any) -> dict[str, Any]:
    """What one ``withdraws/chance`` answer says about its network."""
    if not isinstance(payload, Mapping):
        raise MalformedResponse("upbit withdraws/chance is not an object", exchange=NAME)
    currency = payload.get("currency") or {}
    limit = payload.get("withdraw_limit") or {}
    member = payload.get("member_level") or {}
    support = currency.get("wallet_support")
    deposit = withdraw = None
    notes = []
    if isinstance(support, list):
        deposit = "deposit" in support
        withdraw = "withdraw" in support and limit.get("can_withdraw") is not False
    if member.get("wallet_locked") is True:
        withdraw = False
        notes.append("withdrawal protection lock on the account")
    return {
        "deposit": deposit,
        "withdraw": withdraw,
        "fee": opt_decimal(currency.get("withdraw_fee"), "currency.withdraw_fee", NAME),
        "minimum": opt_decimal(limit.get("minimum"), "withdraw_limit.minimum", NAME),
        "notes": notes,
    }


def parse_networks(
    payloads: Sequence[Any], more: Sequence[tuple[Call, Any]], received_ms: int
) -> list[WalletNetwork]:
    """Rows of ``status/wallet``, completed by the ``withdraws/chance`` answers in ``more``."""
    status = payloads[0]
    if not isinstance(status, list):
        raise MalformedResponse("upbit status/wallet is not an array", exchange=NAME)
    read_at = stamp(received_ms)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in status:
        if not isinstance(item, Mapping) or not item.get("currency") or not item.get("net_type"):
            continue
        state = item.get("wallet_state")
        deposit, withdraw = WALLET_STATES.get(str(state), (False, False)) if state is not None else (None, None)
        notes = [] if state is None or state in WALLET_STATES else [f"unknown wallet_state {state!r}"]
        rows[(str(item["currency"]).upper(), str(item["net_type"]))] = {
            "deposit": deposit,
            "withdraw": withdraw,
            "wallet_state": None if state is None else str(state),
            "block_state": None if item.get("block_state") is None else str(item["block_state"]),
            "block_updated_at": stamp(item.get("block_updated_at")),
            "network_name": str(item["network_name"]) if item.get("network_name") else None,
            "notes": notes,
            "sources": [STATUS_WALLET],
        }
    for call, payload in more:
        key = (str(call.params["currency"]).upper(), str(call.params["net_type"]))
        facts = _chance(payload)
        row = rows.setdefault(key, {"deposit": None, "withdraw": None, "notes": [], "sources": []})
        row["deposit"] = _both(row["deposit"], facts["deposit"])
        row["withdraw"] = _both(row["withdraw"], facts["withdraw"])
        row["fee"], row["minimum"] = facts["fee"], facts["minimum"]
        row["notes"] += facts["notes"]
        row["sources"].append(WITHDRAWS_CHANCE)
    return [
        WalletNetwork(
            exchange=NAME,
            asset=asset,
            network=net,
            network_name=row.get("network_name"),
            deposit_enabled=row["deposit"],
            withdraw_enabled=row["withdraw"],
            withdraw_fee=row.get("fee"),
            withdraw_min=row.get("minimum"),
            wallet_state=row.get("wallet_state"),
            block_state=row.get("block_state"),
            block_updated_at=row.get("block_updated_at", stamp(None)),
            note="; ".join(row["notes"]) or None,
            read_at=read_at,
            source="+".join(row["sources"]),
        )
        for (asset, net), row in rows.items()
    ]


def _or(value: Decimal | None, fallback: Decimal) -> Decimal:
    return fallback if value is None else value


def fee_call(native: str) -> Call:
    """The market's ``orders/chance`` (its fee fields)."""
    return Call("chance", {"market": native})


def parse_fee(payload: Any, ref: MarketRef, received_ms: int) -> TradingFee:
    """Rates of one market from ``orders/chance``; a missing maker rate is the taker rate's."""
    if not isinstance(payload, Mapping):
        raise MalformedResponse("upbit orders/chance is not an object", exchange=NAME)
    taker_buy = opt_decimal(payload.get("bid_fee"), "bid_fee", NAME)
    taker_sell = opt_decimal(payload.get("ask_fee"), "ask_fee", NAME)
    if taker_buy is None or taker_sell is None:
        raise MalformedResponse("upbit orders/chance has no bid_fee/ask_fee", exchange=NAME)
    maker_buy = _or(opt_decimal(payload.get("maker_bid_fee"), "maker_bid_fee", NAME), taker_buy)
    maker_sell = _or(opt_decimal(payload.get("maker_ask_fee"), "maker_ask_fee", NAME), taker_sell)
    return TradingFee(
        exchange=NAME,
        symbol=str(ref.symbol),
        maker_buy=maker_buy,
        maker_sell=maker_sell,
        taker_buy=taker_buy,
        taker_sell=taker_sell,
        source=ACCOUNT,
        read_at=stamp(received_ms),
    )
