"""Upbit wallet endpoints (spec upbit.md §11): deposit/withdrawal service status
(``GET /v1/status/wallet``) and one currency's withdrawal fee, limits and availability
(``GET /v1/withdraws/chance``). Data come from ``box.wallets``; there is no withdrawal
endpoint. Handlers run with the state lock held and raise
:class:`~xtoolkit.sandbox.errors.UpbitError`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from xtoolkit.sandbox.accounts import Account
from xtoolkit.sandbox.errors import upbit_error
from xtoolkit.sandbox.grids import decimal_places, fmt_plain
from xtoolkit.sandbox.state import SandboxState
from xtoolkit.sandbox.upbit_exchange import account_row
from xtoolkit.sandbox.upbit_format import VENUE, Query
from xtoolkit.sandbox.wallets import NetworkState
from xtoolkit.sandbox.wire import ApiRequest, Reply

__all__ = ["DAILY_FIAT_LIMIT", "KRW_WITHDRAWAL", "wallet_status", "withdraw_chance"]

D = Decimal
#: Combined daily withdrawal limit, valued in KRW (``remaining_daily_fiat``).
DAILY_FIAT_LIMIT = D(1_000_000_000)
#: KRW (fiat) withdrawal: flat fee and minimum.
KRW_WITHDRAWAL = (D(1000), D(5000))


def _utc_ms(ms: int) -> str:
    """``2026-11-23T08:31:40.584+00:00`` (the venue's ``block_updated_at`` form)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def _status_row(currency: str, st: NetworkState, now_ms: int) -> dict[str, object]:
    state = st.upbit_wallet_state
    block = st.block_state or ("inactive" if state == "paused" else "normal")
    row: dict[str, object] = {"currency": currency, "wallet_state": state, "block_state": block}
    if block == "inactive" and st.block_state is None:
        # A paused chain without block data, as in the venue's sample.
        row.update({"block_height": None, "block_updated_at": None, "block_elapsed_minutes": None})
    else:
        seen = now_ms - st.elapsed_minutes * 60_000 - now_ms % 1000
        row.update(
            {
                "block_height": st.block_height(seen),
                "block_updated_at": _utc_ms(seen),
                "block_elapsed_minutes": st.elapsed_minutes,
            }
        )
    row.update({"net_type": st.spec.network, "network_name": st.spec.name})
    return row


def wallet_status(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/status/wallet``: one row per (currency, network), any key."""
    rows = [
        _status_row(currency, st, req.now_ms)
        for currency in state.wallets.assets(VENUE)
        for st in state.wallets.networks(VENUE, currency)
    ]
    return Reply(body=rows)


def _member_level() -> dict[str, object]:
    return {
        "security_level": 4,
        "fee_level": 0,
        "email_verified": True,
        "identity_auth_verified": True,
        "bank_account_verified": True,
        "two_factor_auth_verified": True,
        "locked": False,
        "wallet_locked": False,
    }


def _fiat(value: Decimal) -> str:
    """Fiat amounts the way the venue writes them (``"1000000000.0"``)."""
    return f"{fmt_plain(value)}.0" if value == value.to_integral_value() else fmt_plain(value)


def withdraw_chance(state: SandboxState, req: ApiRequest, q: Query, acct: Account) -> Reply:
    """``GET /v1/withdraws/chance?currency=BTC&net_type=BTC`` (``net_type`` omitted for KRW)."""
    currency = q.get("currency")
    if currency is None:
        raise upbit_error("validation_error", detail="currency is missing")
    net_type = q.get("net_type")
    if currency == "KRW":
        fee, minimum = KRW_WITHDRAWAL
        support, fixed, maximum, coin = ["deposit", "withdraw"], 0, DAILY_FIAT_LIMIT, False
    else:
        if currency not in state.wallets.assets(VENUE):
            raise upbit_error("validation_error", detail="currency does not have a valid value")
        if net_type is None:
            raise upbit_error("validation_error", detail="net_type is missing")
        nets = {st.spec.network: st for st in state.wallets.networks(VENUE, currency)}
        st = nets.get(net_type)
        if st is None:
            raise upbit_error("validation_error", detail="net_type does not have a valid value")
        fee, minimum, maximum, coin = st.fee, st.minimum, st.maximum, True
        support = [name for name, on in (("deposit", st.deposit), ("withdraw", st.withdraw)) if on]
        fixed = decimal_places(D(st.spec.multiple))
    remaining = _fiat(DAILY_FIAT_LIMIT)
    return Reply(
        body={
            "member_level": _member_level(),
            "currency": {
                "code": currency,
                "withdraw_fee": fmt_plain(fee),
                "is_coin": coin,
                # "working" = withdrawals were ever supported; current state is wallet_support.
                "wallet_state": "working",
                "wallet_support": support,
            },
            "account": account_row(acct, currency),
            "withdraw_limit": {
                "currency": currency,
                "onetime": fmt_plain(maximum),
                "daily": None,
                "remaining_daily": "0.0",
                "remaining_daily_fiat": remaining,
                "fiat_currency": "KRW",
                "minimum": fmt_plain(minimum),
                "fixed": fixed,
                "withdraw_delayed_fiat": "0.0",
                "can_withdraw": True,
                "remaining_daily_krw": remaining,
            },
        }
    )
