"""Transfer routes between Binance and Upbit: per asset and chain, open, closed or unknown.

Inputs are the venues' wallet answers as the client reads them
(:meth:`xtoolkit.AsyncClient.network_records`, parsed by ``xtoolkit.exchanges.<venue>.wallet``)
and turned into :class:`NetworkStatus` records by :func:`network_status`:

* Binance ``GET /sapi/v1/capital/config/getall`` (per coin, per ``network``: ``depositEnable``,
  ``withdrawEnable``, ``withdrawFee``, ``withdrawMin``, ...);
* Upbit ``GET /v1/status/wallet`` (``wallet_state``, ``block_state``, ``block_updated_at`` per
  currency and ``net_type``) and ``GET /v1/withdraws/chance`` (``withdraw_fee``, minimum,
  ``wallet_support`` per currency and ``net_type``).

All of them need API keys. A venue that was not read is passed as ``None`` and its routes are
**unknown**, never open. Network names differ between venues, so they are matched through
:data:`CHAINS`, a table (extend it with ``chains=``); a network it does not name gives an
unknown route.

Verdict of one direction (sender withdraws, receiver deposits) on one chain — ``closed`` beats
``unknown`` beats ``open``, and ``route_reason`` lists every reason:

* closed: the sender's withdrawals or the receiver's deposits are off on that network; an Upbit
  ``block_state`` other than ``normal`` (:data:`BLOCK_OPEN`: ``delayed`` and ``inactive`` close
  it, since a late credit is the risk of a crossing); a venue that was read lists no such network;
* unknown: a venue not read, a flag or the withdraw fee not given, an Upbit ``block_state`` of
  null, an unmapped network, or information older than ``max_info_age`` seconds;
* open: everything above positively says yes.

Upbit's ``wallet_state`` becomes the two switches in the venue parser
(``xtoolkit.exchanges.upbit.wallet.WALLET_STATES``; an unknown value: neither, per the spec).
Upbit documents that its status can lag the real state by minutes.
Binance's ``busy`` (a congested network) is shown in the frame but does not close a route.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from xtoolkit._errors import InvalidArgument
from xtoolkit._frames import frame
from xtoolkit.exchanges._wallet import WalletNetwork
from xtoolkit.research._common import validate_bases
from xtoolkit.research.exec_schemas import EXECUTION_SCHEMAS
from xtoolkit.research.walk import MONEY, age_s, dtext, fnum, utc_now_arg

__all__ = [
    "BINANCE_TO_UPBIT",
    "BLOCK_OPEN",
    "CHAINS",
    "DIRECTIONS",
    "NOT_READ",
    "REPORTS_BLOCK_STATE",
    "UPBIT_TO_BINANCE",
    "NetworkStatus",
    "Route",
    "RouteChoice",
    "cheapest_route",
    "network_status",
    "route_table",
    "routes_frame",
]

BINANCE_TO_UPBIT = "binance_to_upbit"
UPBIT_TO_BINANCE = "upbit_to_binance"
#: direction -> (sending venue, receiving venue).
DIRECTIONS: dict[str, tuple[str, str]] = {
    BINANCE_TO_UPBIT: ("binance", "upbit"),
    UPBIT_TO_BINANCE: ("upbit", "binance"),
}

#: venue -> its network id -> a chain name shared across venues. Only ids the venue specs
#: name (Binance ``network``: BTC, ETH, BSC, TRX, SOL, XRP; Upbit ``net_type``: BTC, ETH, TRX,
#: SOL, XRP); anything else is an unknown route until it is added here or passed as ``chains=``.
CHAINS: dict[str, dict[str, str]] = {
    "binance": {
        "BTC": "bitcoin",
        "ETH": "ethereum",
        "BSC": "bnb-smart-chain",
        "TRX": "tron",
        "SOL": "solana",
        "XRP": "xrp-ledger",
    },
    "upbit": {
        "BTC": "bitcoin",
        "ETH": "ethereum",
        "TRX": "tron",
        "SOL": "solana",
        "XRP": "xrp-ledger",
    },
}

#: Why a venue's wallet status was not read, when nobody says otherwise.
NOT_READ = "needs API keys"

#: Upbit ``block_state`` -> whether a crossing may use the chain now.
BLOCK_OPEN: dict[str, bool] = {"normal": True, "delayed": False, "inactive": False}
#: Venues whose wallet answer carries a chain ``block_state`` (a null one makes a route unknown).
REPORTS_BLOCK_STATE: frozenset[str] = frozenset({"upbit"})


#: One venue's wallet facts for one asset on one of its networks: the client's record itself
#: (``None``: not given; ``network`` is the venue's id — Binance ``network``, Upbit ``net_type``;
#: ``withdraw_fee`` is flat, in units of the asset; ``read_at`` is when the answer was read).
NetworkStatus = WalletNetwork


def network_status(record: WalletNetwork) -> NetworkStatus:
    """``record`` checked to be a client :class:`~xtoolkit.exchanges._wallet.WalletNetwork`
    (research reads the client's records as they are)."""
    if not isinstance(record, WalletNetwork):
        raise InvalidArgument(f"expected a WalletNetwork record, not {type(record).__name__}")
    return record


@dataclass(frozen=True, slots=True)
class Route:
    """One direction over one chain for one asset, with its verdict (``status``, ``reason``)."""

    asset: str
    direction: str
    chain: str | None
    sender: NetworkStatus | None
    receiver: NetworkStatus | None
    status: str
    reason: str | None
    sender_read: bool = True
    receiver_read: bool = True

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def network_of(self, exchange: str) -> NetworkStatus | None:
        """The sending or receiving network on ``exchange``."""
        sender, _ = DIRECTIONS[self.direction]
        return self.sender if exchange == sender else self.receiver

    def read_by(self, exchange: str) -> bool:
        """Whether ``exchange``'s wallet answer was read."""
        sender, _ = DIRECTIONS[self.direction]
        return self.sender_read if exchange == sender else self.receiver_read

    @property
    def withdraw_fee(self) -> Decimal | None:
        return None if self.sender is None else self.sender.withdraw_fee


@dataclass(frozen=True, slots=True)
class RouteChoice:
    """The route a transfer of some amount takes: the cheapest open one, or why there is none."""

    route: Route | None
    status: str
    reason: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "open" and self.route is not None


@dataclass(frozen=True, slots=True)
class _Pair:
    asset: str
    chain: str | None
    networks: Mapping[str, NetworkStatus | None]
    #: venue -> its networks of this asset that the chain table does not name.
    unmapped: Mapping[str, tuple[str, ...]]


def _by_asset(
    networks: Sequence[NetworkStatus | WalletNetwork] | None, exchange: str
) -> dict[str, list[NetworkStatus]] | None:
    if networks is None:
        return None
    out: dict[str, list[NetworkStatus]] = {}
    for record in networks:
        if not isinstance(record, NetworkStatus | WalletNetwork):
            raise InvalidArgument(
                f"{exchange} networks must be NetworkStatus or WalletNetwork records, "
                f"not {type(record).__name__}"
            )
        n = network_status(record)
        if n.exchange != exchange:
            raise InvalidArgument(f"a {n.exchange} network was passed as {exchange}'s")
        out.setdefault(n.asset.upper(), []).append(n)
    return out


def _pairs(
    asset: str,
    lists: Mapping[str, dict[str, list[NetworkStatus]] | None],
    chains: Mapping[str, Mapping[str, str]],
) -> list[_Pair]:
    """Networks of ``asset`` on both venues, matched by chain (unmapped ones stand alone)."""
    by_chain: dict[str, dict[str, list[NetworkStatus]]] = {}
    alone: list[NetworkStatus] = []
    for ex, per_asset in lists.items():
        for net in (per_asset or {}).get(asset, []):
            chain = chains.get(ex, {}).get(net.network)
            if chain is None:
                alone.append(net)
            else:
                by_chain.setdefault(chain, {}).setdefault(ex, []).append(net)
    unmapped = {ex: tuple(n.network for n in alone if n.exchange == ex) for ex in lists}
    pairs: list[_Pair] = []
    venues = list(lists)
    for chain, per_venue in by_chain.items():
        combos: list[dict[str, NetworkStatus | None]] = [{}]
        for ex in venues:
            options: list[NetworkStatus | None] = list(per_venue.get(ex, [])) or [None]
            combos = [{**c, ex: o} for c in combos for o in options]
        pairs.extend(_Pair(asset, chain, combo, unmapped) for combo in combos)
    pairs.extend(_Pair(asset, None, {n.exchange: n}, unmapped) for n in alone)
    if not pairs:
        pairs.append(_Pair(asset, None, {}, unmapped))
    return pairs


def _side_reasons(
    pair: _Pair,
    exchange: str,
    switch: str,
    read: bool,
    *,
    now: pd.Timestamp,
    max_info_age: float | None,
    why_unread: str = NOT_READ,
) -> tuple[list[str], list[str]]:
    """(closed reasons, unknown reasons) of ``exchange``'s side of a route."""
    closed: list[str] = []
    unknown: list[str] = []
    net = pair.networks.get(exchange)
    what = "withdrawals" if switch == "withdraw_enabled" else "deposits"
    if not read:
        unknown.append(f"{exchange} wallet status not read ({why_unread})")
        return closed, unknown
    if net is None:
        if pair.chain is None:
            other = next((n for n in pair.networks.values() if n is not None), None)
            if other is None:
                closed.append(f"{exchange} lists no {pair.asset} network")
            else:
                unknown.append(
                    f"{other.exchange} network {other.network!r} has no chain mapping to {exchange}"
                )
        elif pair.unmapped.get(exchange):
            # It may be this chain under a name the table does not know: not a "no".
            names = ", ".join(pair.unmapped[exchange])
            unknown.append(
                f"{exchange} has no mapped {pair.asset} network on {pair.chain} (unmapped: {names})"
            )
        else:
            closed.append(f"{exchange} has no {pair.asset} network on {pair.chain}")
        return closed, unknown
    flag = getattr(net, switch)
    if flag is False:
        closed.append(f"{exchange} {what} off on {net.network}" + (f" ({net.note})" if net.note else ""))
    elif flag is None:
        unknown.append(f"{exchange} {what} on {net.network}: not given")
    if exchange in REPORTS_BLOCK_STATE:
        if net.block_state is None:
            unknown.append(f"{exchange} block_state of {net.network}: not given")
        elif not BLOCK_OPEN.get(net.block_state, False):
            closed.append(f"{exchange} block_state {net.block_state} on {net.network}")
    if switch == "withdraw_enabled" and net.withdraw_fee is None:
        unknown.append(f"{exchange} withdraw fee of {pair.asset} on {net.network}: not read")
    age = age_s(now, net.read_at)
    if max_info_age is not None and math.isnan(age):
        unknown.append(f"{exchange} wallet status: read time not given")
    elif max_info_age is not None and age > max_info_age:
        unknown.append(f"{exchange} wallet status is {age:.0f} s old (max {max_info_age:g} s)")
    return closed, unknown


def _verdict(
    pair: _Pair,
    direction: str,
    read: Mapping[str, bool],
    *,
    now: pd.Timestamp,
    max_info_age: float | None,
    unread: Mapping[str, str],
) -> Route:
    sender, receiver = DIRECTIONS[direction]
    closed: list[str] = []
    unknown: list[str] = []
    for ex, switch in ((sender, "withdraw_enabled"), (receiver, "deposit_enabled")):
        c, u = _side_reasons(
            pair,
            ex,
            switch,
            read[ex],
            now=now,
            max_info_age=max_info_age,
            why_unread=unread.get(ex, NOT_READ),
        )
        closed += c
        unknown += u
    status = "closed" if closed else ("unknown" if unknown else "open")
    reasons = list(dict.fromkeys(closed + unknown))
    return Route(
        asset=pair.asset,
        direction=direction,
        chain=pair.chain,
        sender=pair.networks.get(sender),
        receiver=pair.networks.get(receiver),
        status=status,
        reason="; ".join(reasons) or None,
        sender_read=read[sender],
        receiver_read=read[receiver],
    )


def route_table(
    assets: str | Iterable[str],
    *,
    binance: Sequence[NetworkStatus | WalletNetwork] | None,
    upbit: Sequence[NetworkStatus | WalletNetwork] | None,
    now: Any,
    chains: Mapping[str, Mapping[str, str]] | None = None,
    max_info_age: float | None = 900.0,
    unread: Mapping[str, str] | None = None,
) -> list[Route]:
    """Both directions of every chain of every asset, each with its verdict (pure).

    Parameters
    ----------
    assets
        Asset codes, e.g. ``["BTC", "XRP"]``.
    binance, upbit
        The venue's networks (``WalletNetwork`` records from the client, or
        :class:`NetworkStatus`); ``None`` when it was not read (no keys): its routes are unknown.
    now
        The tz-aware time ages are measured against.
    chains
        Network-id-to-chain table per venue (default :data:`CHAINS`).
    max_info_age
        Seconds after which a venue's wallet answer no longer counts (route unknown); None: any age.
    unread
        Why a venue passed as ``None`` was not read, for ``route_reason`` (default
        :data:`NOT_READ`, "needs API keys"; e.g. the outage that stopped the read).
    """
    names = validate_bases(assets)
    at = utc_now_arg(now)
    if max_info_age is not None and (isinstance(max_info_age, bool) or not max_info_age > 0):
        raise InvalidArgument(f"max_info_age must be a positive number of seconds, not {max_info_age!r}")
    table = CHAINS if chains is None else chains
    lists = {"binance": _by_asset(binance, "binance"), "upbit": _by_asset(upbit, "upbit")}
    read = {ex: lst is not None for ex, lst in lists.items()}
    why = dict(unread or {})
    out: list[Route] = []
    for asset in names:
        for pair in _pairs(asset, lists, table):
            for direction in DIRECTIONS:
                verdict = _verdict(pair, direction, read, now=at, max_info_age=max_info_age, unread=why)
                out.append(verdict)
    return out


def cheapest_route(routes: Iterable[Route], asset: str, direction: str, amount: Decimal) -> RouteChoice:
    """The open route with the lowest withdraw fee that can carry ``amount`` of ``asset``.

    ``amount`` is what leaves the sender before the fee. The minimum is checked against what
    arrives (``amount − fee``), the stricter reading of the venues' rules; the maximum against
    ``amount``. With no open route: ``unknown`` if any route is unknown, else ``closed``.
    """
    if direction not in DIRECTIONS:
        raise InvalidArgument(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    mine = [r for r in routes if r.asset == asset.upper() and r.direction == direction]
    if not mine:
        return RouteChoice(None, "unknown", f"no route information for {asset}")
    usable: list[Route] = []
    too_small: list[str] = []
    with localcontext(MONEY):
        for r in mine:
            if not r.is_open or r.withdraw_fee is None or r.sender is None:
                continue
            arrives = amount - r.withdraw_fee
            low = r.sender.withdraw_min
            high = r.sender.withdraw_max
            if arrives <= 0 or (low is not None and arrives < low):
                too_small.append(f"{r.sender.network}: {dtext(arrives)} arrives, minimum {dtext(low)}")
            elif high is not None and amount > high:
                too_small.append(f"{r.sender.network}: {dtext(amount)} above maximum {dtext(high)}")
            else:
                usable.append(r)
    if usable:
        best = min(usable, key=lambda r: r.withdraw_fee or Decimal(0))
        return RouteChoice(best, "open", None)
    if too_small:
        return RouteChoice(
            None, "closed", f"{asset} {direction}: amount outside limits ({'; '.join(too_small)})"
        )
    status = "unknown" if any(r.status == "unknown" for r in mine) else "closed"
    reasons = "; ".join(dict.fromkeys(r.reason for r in mine if r.reason))
    return RouteChoice(None, status, reasons or None)


def routes_frame(routes: Iterable[Route], *, now: Any) -> pd.DataFrame:
    """The ``routes`` frame: one row per asset and chain, both directions' verdicts as columns.

    Returns
    -------
    DataFrame
        asset, chain, binance_network, upbit_network; per venue (``binance_`` / ``upbit_``):
        read (its wallet answer was read), deposit_enabled, withdraw_enabled (False also when
        not known: see ``route_status_*``), withdraw_fee and withdraw_min (asset units), note;
        binance_busy; upbit_wallet_state, upbit_block_state, upbit_block_updated_at,
        upbit_block_age_s; binance_read_at, binance_info_age_s, upbit_read_at,
        upbit_info_age_s; per direction: route_open_<direction>, route_status_<direction>
        (``open`` / ``closed`` / ``unknown``), route_reason_<direction> (why not open).
    """
    at = utc_now_arg(now)
    spec = EXECUTION_SCHEMAS["routes"]
    cols: dict[str, list[Any]] = {k: [] for k in spec}
    grouped: dict[tuple[str, str | None, str | None, str | None], dict[str, Route]] = {}
    for r in routes:
        bn, up = r.network_of("binance"), r.network_of("upbit")
        key = (r.asset, r.chain, bn.network if bn else None, up.network if up else None)
        grouped.setdefault(key, {})[r.direction] = r
    for key, by_dir in grouped.items():
        asset, chain, _, _ = key
        any_route = next(iter(by_dir.values()))
        bn, up = any_route.network_of("binance"), any_route.network_of("upbit")
        row: dict[str, Any] = {
            "asset": asset,
            "chain": chain,
            "binance_network": bn.network if bn else None,
            "upbit_network": up.network if up else None,
            "binance_read": any_route.read_by("binance"),
            "upbit_read": any_route.read_by("upbit"),
        }
        for ex, net in (("binance", bn), ("upbit", up)):
            row[f"{ex}_deposit_enabled"] = bool(net and net.deposit_enabled)
            row[f"{ex}_withdraw_enabled"] = bool(net and net.withdraw_enabled)
            row[f"{ex}_withdraw_fee"] = fnum(net.withdraw_fee if net else None)
            row[f"{ex}_withdraw_min"] = fnum(net.withdraw_min if net else None)
            row[f"{ex}_note"] = net.note if net else None
            row[f"{ex}_read_at"] = net.read_at if net else pd.NaT
            row[f"{ex}_info_age_s"] = age_s(at, net.read_at) if net else math.nan
        row["binance_busy"] = bool(bn and bn.busy)
        row["upbit_wallet_state"] = up.wallet_state if up else None
        row["upbit_block_state"] = up.block_state if up else None
        row["upbit_block_updated_at"] = up.block_updated_at if up else pd.NaT
        row["upbit_block_age_s"] = age_s(at, up.block_updated_at) if up else math.nan
        for direction in DIRECTIONS:
            r = by_dir.get(direction)
            row[f"route_open_{direction}"] = bool(r and r.is_open)
            row[f"route_status_{direction}"] = r.status if r else "unknown"
            row[f"route_reason_{direction}"] = r.reason if r else "not evaluated"
        for k in cols:
            cols[k].append(row.get(k))
    return frame(spec, cols)
