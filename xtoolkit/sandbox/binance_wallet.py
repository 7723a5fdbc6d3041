"""Binance wallet and fee endpoints (spec §10): coins and networks
(``GET /sapi/v1/capital/config/getall``), trade fees (``GET /sapi/v1/asset/tradeFee``), the
commission rates of one symbol (``GET /api/v3/account/commission``), and the retired listenKey
endpoints (HTTP 410, spec §13.5).

Wallet and fee data come from ``box.wallets`` and ``box.fees``; there is no withdrawal
endpoint. Handlers run with the state lock held.
"""

from __future__ import annotations

from decimal import Decimal

from xtoolkit.sandbox.binance_market import VENUE, listing_of
from xtoolkit.sandbox.binance_orders import discount
from xtoolkit.sandbox.binance_params import Params
from xtoolkit.sandbox.grids import fmt8, fmt_plain
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.wallets import NetworkState
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = ["account_commission", "capital_config", "retired", "trade_fee"]

#: Coins that are fiat on Binance (``isLegalMoney``).
LEGAL_MONEY = frozenset({"EUR", "TRY", "BRL", "JPY", "USD"})


def _network(coin: str, st: NetworkState) -> dict[str, object]:
    spec = st.spec
    return {
        "network": spec.network,
        "coin": coin,
        "withdrawIntegerMultiple": spec.multiple,
        "isDefault": spec.default,
        "depositEnable": st.deposit,
        "withdrawEnable": st.withdraw,
        "depositDesc": st.deposit_desc,
        "withdrawDesc": st.withdraw_desc,
        "specialTips": "Both a MEMO and an Address are required." if spec.memo else "",
        "specialWithdrawTips": "",
        "name": spec.name,
        "resetAddressStatus": False,
        "addressRegex": spec.address_regex,
        "memoRegex": spec.memo_regex,
        "withdrawFee": fmt_plain(st.fee),
        "withdrawMin": fmt_plain(st.minimum),
        "withdrawMax": fmt_plain(st.maximum),
        "withdrawInternalMin": spec.multiple,
        "depositDust": fmt_plain(st.minimum / 4),
        "minConfirm": spec.confirmations,
        "unLockConfirm": spec.unlock,
        "sameAddress": spec.memo,
        "withdrawTag": spec.memo,
        "estimatedArrivalTime": spec.arrival,
        "busy": st.busy,
        "contractAddressUrl": spec.explorer,
        "contractAddress": spec.contract,
    }


def capital_config(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /sapi/v1/capital/config/getall``: every coin with its networks (no coin filter —
    the venue always answers with all of them) and the caller's balance of it."""
    acct = params.authenticated()
    traded = {s for lst in state.market.listings(VENUE) if lst.trading for s in (lst.base, lst.quote)}
    names = {a.asset: a.english_name for a in state.catalog.assets.values()}
    out = []
    for coin in state.wallets.assets(VENUE):
        nets = state.wallets.networks(VENUE, coin)
        bal = acct.balance(coin)
        out.append(
            {
                "coin": coin,
                # How the coin-wide switches aggregate the networks is unconfirmed (spec §9):
                # on while any network is on.
                "depositAllEnable": any(n.deposit for n in nets),
                "withdrawAllEnable": any(n.withdraw for n in nets),
                "name": names.get(coin, coin),
                "free": fmt8(bal.free),
                "locked": fmt8(bal.locked),
                "freeze": "0",
                "withdrawing": "0",
                "ipoing": "0",
                "ipoable": "0",
                "storage": "0",
                "isLegalMoney": coin in LEGAL_MONEY,
                "trading": coin in traded,
                "networkList": [_network(coin, n) for n in nets],
            }
        )
    return Reply(body=out)


def _short(rate: Decimal) -> str:
    """``"0.001"``: tradeFee writes rates with short decimals (spec gotcha 13)."""
    return fmt_plain(rate.normalize()) if rate else "0"


def trade_fee(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /sapi/v1/asset/tradeFee`` (an array even for one ``symbol``)."""
    params.authenticated()
    symbol = params.optional_symbol()
    listings = [listing_of(state, symbol)] if symbol is not None else state.market.listings(VENUE)
    rows = []
    for lst in listings:
        rates = state.fees.commission(VENUE, lst.symbol)
        rows.append(
            {
                "symbol": lst.symbol,
                "makerCommission": _short(rates.maker),
                "takerCommission": _short(rates.taker),
            }
        )
    return Reply(body=rows)


def account_commission(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """``GET /api/v3/account/commission?symbol=...`` (spec §10.4; rates as DEC strings)."""
    params.authenticated()
    lst = listing_of(state, params.symbol())
    rates = state.fees.commission(VENUE, lst.symbol)
    zero = {"maker": fmt8(0), "taker": fmt8(0), "buyer": fmt8(0), "seller": fmt8(0)}
    return Reply(
        body={
            "symbol": lst.symbol,
            "standardCommission": {
                "maker": fmt8(rates.maker),
                "taker": fmt8(rates.taker),
                "buyer": fmt8(0),
                "seller": fmt8(0),
            },
            "specialCommission": dict(zero),
            "taxCommission": dict(zero),
            "discount": discount(),
        }
    )


def retired(state: SandboxState, req: ApiRequest, params: Params) -> Reply:
    """The listenKey REST endpoints, stopped on 2026-02-20: HTTP 410 (spec §13.5; the body is
    not documented)."""
    return Reply(status=410, text="410 Gone", content_type="text/plain")
