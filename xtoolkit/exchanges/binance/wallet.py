"""Binance wallet networks and trading fees: the calls and their parsers (pure).

* ``GET /sapi/v1/capital/config/getall`` (signed, weight(IP) 10 in its own /sapi budget): every
  coin with its ``networkList`` — there is no coin filter, so one call serves every asset and
  the client filters locally (spec §10.2). Any field may be missing; missing means "not given".
* ``GET /api/v3/account/commission?symbol=`` (signed, weight 20): the account's rates for one
  symbol, split in standard, tax and special parts (``specialCommission`` may be absent: zero).
  A fill pays, per part, ``maker``/``taker`` plus ``buyer``/``seller``; the parts add up (spec
  §10.4). The BNB discount is not applied (it needs BNB paid instead of the received asset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from xtoolkit._errors import MalformedResponse
from xtoolkit._models import MarketRef
from xtoolkit.exchanges._spec import Call
from xtoolkit.exchanges._wallet import ACCOUNT, TradingFee, WalletNetwork, opt_bool, opt_decimal, stamp

__all__ = ["CAPITAL_CONFIG", "COMMISSION", "fee_call", "networks_calls", "parse_fee", "parse_networks"]

NAME = "binance"
#: Endpoint paths (the ``source`` of the records).
CAPITAL_CONFIG = "/sapi/v1/capital/config/getall"
COMMISSION = "/api/v3/account/commission"
_PARTS = ("standardCommission", "taxCommission", "specialCommission")


def networks_calls(assets: Sequence[str] | None) -> list[Call]:
    """One call for every coin (the endpoint takes no coin filter)."""
    del assets
    return [Call("capital_config")]


def _note(net: Mapping[str, Any]) -> str | None:
    # Documented as present only when a switch is off; newer answers carry "" while on.
    notes = [str(net[k]) for k in ("withdrawDesc", "depositDesc") if net.get(k)]
    return "; ".join(dict.fromkeys(notes)) or None


def parse_networks(payloads: Sequence[Any], received_ms: int) -> list[WalletNetwork]:
    """Every coin's networks from ``capital/config/getall`` (one row per coin and network)."""
    payload = payloads[0]
    if not isinstance(payload, list):
        raise MalformedResponse("binance capital/config/getall is not an array", exchange=NAME)
    read_at = stamp(received_ms)
    out: list[WalletNetwork] = []
    for coin in payload:
        if not isinstance(coin, Mapping) or not coin.get("coin"):
            raise MalformedResponse("binance capital/config/getall has a row without coin", exchange=NAME)
        for net in coin.get("networkList") or []:
            if not isinstance(net, Mapping) or not net.get("network"):
                continue
            out.append(
                WalletNetwork(
                    exchange=NAME,
                    asset=str(coin["coin"]).upper(),
                    network=str(net["network"]),
                    network_name=str(net["name"]) if net.get("name") else None,
                    deposit_enabled=opt_bool(net.get("depositEnable")),
                    withdraw_enabled=opt_bool(net.get("withdrawEnable")),
                    withdraw_fee=opt_decimal(net.get("withdrawFee"), "withdrawFee", NAME),
                    withdraw_min=opt_decimal(net.get("withdrawMin"), "withdrawMin", NAME),
                    withdraw_max=opt_decimal(net.get("withdrawMax"), "withdrawMax", NAME),
                    busy=opt_bool(net.get("busy")),
                    note=_note(net),
                    read_at=read_at,
                    source=CAPITAL_CONFIG,
                )
            )
    return out


def fee_call(native: str) -> Call:
    """The account's commission rates of one symbol."""
    return Call("account_commission", {"symbol": native})


def _rate(part: Any, key: str) -> Decimal:
    if not isinstance(part, Mapping):
        raise MalformedResponse("binance account/commission part is not an object", exchange=NAME)
    return opt_decimal(part.get(key), key, NAME) or Decimal(0)


def parse_fee(payload: Any, ref: MarketRef, received_ms: int) -> TradingFee:
    """Rates of one symbol from ``account/commission``: per role and side, the three parts summed."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("standardCommission"), Mapping):
        raise MalformedResponse("binance account/commission has no standardCommission", exchange=NAME)
    rates: dict[str, Decimal] = {}
    for role in ("maker", "taker"):
        for side, side_key in (("buy", "buyer"), ("sell", "seller")):
            total = Decimal(0)
            for part_name in _PARTS:
                part = payload.get(part_name)
                if part is None:  # older servers and recordings lack specialCommission
                    continue
                total += _rate(part, role) + _rate(part, side_key)
            rates[f"{role}_{side}"] = total
    return TradingFee(exchange=NAME, symbol=str(ref.symbol), source=ACCOUNT, read_at=stamp(received_ms), **rates)
