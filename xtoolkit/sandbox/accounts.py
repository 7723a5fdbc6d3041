"""Test accounts: API key pairs, free/locked balances per asset (Decimal throughout)."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "BINANCE_PERMISSIONS",
    "DEFAULT_BALANCES",
    "DEFAULT_KEYS",
    "UPBIT_PERMISSIONS",
    "Account",
    "AccountBook",
    "Balance",
    "InsufficientFunds",
]

D = Decimal
#: Immutable, so safe as a dataclass default.
ZERO = Decimal(0)

#: The seeded test account of each venue. Binance uses the official HMAC test-vector key pair
#: and Upbit the spec's JWT test-vector pair, so signatures can be cross-checked by hand.
DEFAULT_KEYS: dict[str, tuple[str, str]] = {
    "binance": (
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    ),
    "upbit": (
        "ak-test-0000000000000000000000000000000000",
        "sk-test-1111111111111111111111111111111111",
    ),
}

#: Key permissions a Binance API key can hold: ``READ`` for USER_DATA endpoints, ``TRADE`` for
#: TRADE endpoints (spec §3 security types). A key lacking one gets ``-2015``.
BINANCE_PERMISSIONS: tuple[str, ...] = ("READ", "TRADE")
#: Upbit key permissions (spec upbit.md §4 table); a key lacking one gets ``out_of_scope``.
UPBIT_PERMISSIONS: tuple[str, ...] = ("View Account", "View Orders", "Make Orders", "View Withdrawals")

#: Starting balances of the seeded test accounts.
DEFAULT_BALANCES: dict[str, dict[str, str]] = {
    "binance": {"USDT": "10000", "BTC": "0.5", "ETH": "5", "BNB": "2"},
    "upbit": {"KRW": "10000000", "BTC": "0.05", "ETH": "1", "XRP": "1000"},
}


class InsufficientFunds(Exception):
    """Not enough free balance of ``asset`` for the requested lock or debit."""

    def __init__(self, asset: str) -> None:
        super().__init__(asset)
        self.asset = asset


@dataclass(slots=True)
class Balance:
    """One asset of one account; ``avg_buy_price`` is Upbit's average buy price in the quote."""

    free: Decimal = ZERO
    locked: Decimal = ZERO
    avg_buy_price: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Free plus locked."""
        return self.free + self.locked


@dataclass(slots=True)
class Account:
    """A key pair and its balances on one venue.

    ``public_key`` is set for a Binance Ed25519/RSA key (a
    :class:`~xtoolkit.sandbox.binance_keys.PublicKey`; ``secret`` is then empty). The key's
    restrictions: ``permissions`` (``None`` = all of the venue's), ``allowed_ips`` (``None`` =
    any address) and ``expired`` (Upbit keys expire after a year).
    """

    venue: str
    key: str
    secret: str
    uid: int
    balances: dict[str, Balance] = field(default_factory=dict)
    update_time: int = 0
    public_key: Any = None
    permissions: frozenset[str] | None = None
    allowed_ips: frozenset[str] | None = None
    expired: bool = False

    @property
    def key_type(self) -> str:
        """``HMAC``, or the public key's type (``ED25519`` / ``RSA``)."""
        return "HMAC" if self.public_key is None else str(self.public_key.kind)

    def may(self, permission: str | None) -> bool:
        """Whether the key holds ``permission`` (``None`` = no permission needed)."""
        return permission is None or self.permissions is None or permission in self.permissions

    def admits(self, ip: str) -> bool:
        """Whether requests from ``ip`` may use this key."""
        return self.allowed_ips is None or ip in self.allowed_ips

    def balance(self, asset: str) -> Balance:
        """The balance of ``asset`` (created empty on first use)."""
        bal = self.balances.get(asset)
        if bal is None:
            bal = self.balances[asset] = Balance()
        return bal

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked, or raise :class:`InsufficientFunds`."""
        bal = self.balance(asset)
        if amount > bal.free:
            raise InsufficientFunds(asset)
        bal.free -= amount
        bal.locked += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` back from locked to free."""
        bal = self.balance(asset)
        amount = min(amount, bal.locked)
        bal.locked -= amount
        bal.free += amount

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        """Remove ``amount`` from locked (it paid for a fill)."""
        bal = self.balance(asset)
        bal.locked -= min(amount, bal.locked)

    def debit(self, asset: str, amount: Decimal) -> None:
        """Remove ``amount`` from free, or raise :class:`InsufficientFunds`."""
        bal = self.balance(asset)
        if amount > bal.free:
            raise InsufficientFunds(asset)
        bal.free -= amount

    def credit(self, asset: str, amount: Decimal) -> None:
        """Add ``amount`` to free."""
        self.balance(asset).free += amount


class AccountBook:
    """Every account of both venues, found by API key."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"xtoolkit-sandbox-keys-{seed}")
        self._accounts: dict[tuple[str, str], Account] = {}
        self._next_uid = 354_937_868

    def add(
        self,
        venue: str,
        balances: dict[str, str | Decimal | int],
        *,
        key: str | None = None,
        secret: str | None = None,
        public_key: Any = None,
    ) -> Account:
        """A new account with ``balances``; keys are generated unless given. With
        ``public_key`` (Binance key pairs) only the API key is generated: there is no secret."""
        if public_key is not None:
            key = key or self._new_keys(venue)[0]
            secret = ""
        elif key is None or secret is None:
            key, secret = self._new_keys(venue)
        if (venue, key) in self._accounts:
            raise ValueError(f"{venue} key {key[-4:]} already exists")
        acct = Account(venue=venue, key=key, secret=secret, uid=self._next_uid, public_key=public_key)
        self._next_uid += 1
        for asset, amount in balances.items():
            value = D(str(amount))
            if value < 0:
                raise ValueError(f"negative balance for {asset}")
            acct.balance(asset.upper()).free = value
        self._accounts[(venue, key)] = acct
        return acct

    def _new_keys(self, venue: str) -> tuple[str, str]:
        alphabet = string.ascii_letters + string.digits
        # Binance keys are 64 alphanumerics; Upbit access/secret keys 40 (≥ 32 bytes also keeps
        # PyJWT's HMAC key-length warning quiet).
        length = 64 if venue == "binance" else 40

        def make() -> str:
            return "".join(self._rng.choice(alphabet) for _ in range(length))

        return make(), make()

    def get(self, venue: str, key: str) -> Account | None:
        """The account with API key ``key`` on ``venue``."""
        return self._accounts.get((venue, key))

    def all(self, venue: str) -> list[Account]:
        """Every account of ``venue``."""
        return [a for (v, _), a in self._accounts.items() if v == venue]
