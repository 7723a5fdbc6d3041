"""Deposit/withdrawal networks of both venues, with switches and fees tests can change
(``box.wallets``).

Read by Binance ``GET /sapi/v1/capital/config/getall`` (spec §10.2) and Upbit
``GET /v1/status/wallet`` / ``GET /v1/withdraws/chance`` (spec upbit.md §11). Nothing here
moves money: the sandbox serves no withdrawal or deposit endpoint.

Network data are plausible, not live: each venue names its chains its own way (Binance
``network``, Upbit ``net_type``), so the two tables are kept apart. Fees are flat, in coin
units. Upbit's ``wallet_state`` follows the switches (both on → ``working``, deposits off →
``withdraw_only``, withdrawals off → ``deposit_only``, both off → ``paused``); a paused
network without an explicit block state reports ``inactive`` and null block fields, as the
venue's sample does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "BINANCE_NETWORKS",
    "BLOCK_STATES",
    "UPBIT_NETWORKS",
    "NetworkSpec",
    "NetworkState",
    "WalletBook",
]

D = Decimal
_EXCHANGES = ("binance", "upbit")
#: Upbit ``block_state`` values (spec upbit.md §11.1).
BLOCK_STATES = ("normal", "delayed", "inactive")
_EVM = "^(0x)[0-9A-Fa-f]{40}$"
#: Immutable, so safe as dataclass defaults.
_ZERO = D(0)
_NO_MAX = D("9999999999")


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """One coin on one chain of one venue: the network id, its label, flat withdrawal
    ``fee`` and ``minimum`` (coin units), the amount step, memo need, confirmations, expected
    arrival (minutes), validation patterns, token contract, block time (for the simulated
    block height) and whether it is the coin's default network."""

    network: str
    name: str
    fee: str
    minimum: str
    multiple: str = "0.00000001"
    memo: bool = False
    confirmations: int = 12
    unlock: int = 0
    arrival: int = 5
    address_regex: str = _EVM
    memo_regex: str = ""
    contract: str = ""
    explorer: str = ""
    block_seconds: float = 12.0
    default: bool = False


_n = NetworkSpec


_BTC_RE = "^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$|^(bc1)[0-9A-Za-z]{39,59}$"
_TRX_RE = "^T[1-9A-HJ-NP-Za-km-z]{33}$"
_SOL_RE = "^[1-9A-HJ-NP-Za-km-z]{32,44}$"
_XRP_RE = "^r[1-9A-HJ-NP-Za-km-z]{25,34}$"

#: Binance networks per coin (``capital/config/getall`` ``networkList``).
BINANCE_NETWORKS: dict[str, tuple[NetworkSpec, ...]] = {
    "BTC": (
        _n(
            "BTC",
            "Bitcoin",
            "0.000012",
            "0.000024",
            confirmations=1,
            unlock=2,
            arrival=15,
            address_regex=_BTC_RE,
            block_seconds=600,
            default=True,
        ),
        _n(
            "BSC",
            "BNB Smart Chain (BEP20)",
            "0.0000024",
            "0.0000048",
            confirmations=5,
            arrival=1,
            contract="0x7130d2a12b9bcbfae4f2634d864a1ee1ce3ead9c",
            explorer="https://bscscan.com/token/",
            block_seconds=3,
        ),
    ),
    "ETH": (
        _n("ETH", "Ethereum (ERC20)", "0.0008", "0.0016", confirmations=6, unlock=64, default=True),
        _n(
            "ARBITRUM", "Arbitrum One", "0.00004", "0.00008", confirmations=120, arrival=2, block_seconds=0.25
        ),
        _n("BASE", "Base", "0.00001", "0.00002", confirmations=120, arrival=2, block_seconds=2),
        _n(
            "BSC",
            "BNB Smart Chain (BEP20)",
            "0.00001",
            "0.00002",
            confirmations=5,
            arrival=1,
            contract="0x2170ed0880ac9a755fd29b2688956bd959f933f8",
            block_seconds=3,
        ),
    ),
    "USDT": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "1",
            "2",
            multiple="0.000001",
            confirmations=6,
            unlock=64,
            contract="0xdac17f958d2ee523a2206206994597c13d831ec7",
            explorer="https://etherscan.io/address/",
        ),
        _n(
            "TRX",
            "Tron (TRC20)",
            "1",
            "10",
            multiple="0.000001",
            confirmations=1,
            arrival=2,
            address_regex=_TRX_RE,
            contract="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            block_seconds=3,
            default=True,
        ),
        _n(
            "BSC",
            "BNB Smart Chain (BEP20)",
            "0.01",
            "0.02",
            multiple="0.000001",
            confirmations=5,
            arrival=1,
            contract="0x55d398326f99059ff775485246999027b3197955",
            block_seconds=3,
        ),
        _n(
            "SOL",
            "Solana",
            "1",
            "2",
            multiple="0.000001",
            confirmations=1,
            arrival=1,
            address_regex=_SOL_RE,
            contract="Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",
            block_seconds=0.4,
        ),
    ),
    "XRP": (
        _n(
            "XRP",
            "Ripple",
            "0.2",
            "2",
            multiple="0.000001",
            memo=True,
            confirmations=1,
            arrival=1,
            address_regex=_XRP_RE,
            memo_regex="^((?!0)[0-9]{1,10})$",
            block_seconds=4,
            default=True,
        ),
    ),
    "SOL": (
        _n(
            "SOL",
            "Solana",
            "0.001",
            "0.01",
            confirmations=1,
            arrival=1,
            address_regex=_SOL_RE,
            block_seconds=0.4,
            default=True,
        ),
        _n("BSC", "BNB Smart Chain (BEP20)", "0.0002", "0.0004", confirmations=5, arrival=1, block_seconds=3),
    ),
    "DOGE": (
        _n(
            "DOGE",
            "DogeCoin",
            "4",
            "25",
            confirmations=50,
            arrival=30,
            address_regex="^(D|A|9)[a-km-zA-HJ-NP-Z1-9]{33,34}$",
            block_seconds=60,
            default=True,
        ),
    ),
    "ADA": (
        _n(
            "ADA",
            "Cardano",
            "0.8",
            "1.6",
            multiple="0.000001",
            confirmations=15,
            address_regex="^(addr1)[0-9a-z]{53,}$",
            block_seconds=20,
            default=True,
        ),
    ),
    "TRX": (
        _n(
            "TRX",
            "Tron (TRC20)",
            "1",
            "10",
            multiple="0.000001",
            confirmations=1,
            arrival=2,
            address_regex=_TRX_RE,
            block_seconds=3,
            default=True,
        ),
    ),
    "AVAX": (
        _n(
            "AVAXC",
            "AVAX C-Chain",
            "0.008",
            "0.016",
            confirmations=12,
            arrival=2,
            block_seconds=2,
            default=True,
        ),
    ),
    "LINK": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "0.24",
            "0.48",
            confirmations=6,
            unlock=64,
            contract="0x514910771af9ca656af840dff83e8264ecf986ca",
            default=True,
        ),
        _n("BSC", "BNB Smart Chain (BEP20)", "0.005", "0.01", confirmations=5, arrival=1, block_seconds=3),
    ),
    "DOT": (
        _n(
            "DOT",
            "Polkadot",
            "0.08",
            "1.5",
            multiple="0.0000000001",
            confirmations=1,
            address_regex="^1[0-9a-zA-Z]{47}$",
            block_seconds=6,
            default=True,
        ),
    ),
    "BCH": (
        _n(
            "BCH",
            "Bitcoin Cash",
            "0.0008",
            "0.0016",
            confirmations=6,
            arrival=30,
            address_regex="^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$|^(bitcoincash:)?[qp][0-9a-z]{41}$",
            block_seconds=600,
            default=True,
        ),
    ),
    "LTC": (
        _n(
            "LTC",
            "Litecoin",
            "0.0001",
            "0.002",
            confirmations=3,
            arrival=10,
            address_regex="^(L|M|3)[A-Za-z0-9]{33}$|^(ltc1)[0-9A-Za-z]{39}$",
            block_seconds=150,
            default=True,
        ),
    ),
    "XLM": (
        _n(
            "XLM",
            "Stellar Lumens",
            "0.01",
            "1",
            multiple="0.0000001",
            memo=True,
            confirmations=1,
            arrival=1,
            address_regex="^G[A-D]{1}[A-Z2-7]{54}$",
            memo_regex="^[0-9A-Za-z\\-_,]{1,28}$",
            block_seconds=5,
            default=True,
        ),
    ),
    "ETC": (
        _n(
            "ETC",
            "Ethereum Classic",
            "0.004",
            "0.008",
            confirmations=500,
            arrival=60,
            block_seconds=13,
            default=True,
        ),
    ),
    "SUI": (
        _n(
            "SUI",
            "Sui",
            "0.05",
            "0.1",
            multiple="0.000000001",
            confirmations=1,
            arrival=1,
            address_regex="^(0x)[0-9a-f]{64}$",
            block_seconds=0.3,
            default=True,
        ),
    ),
    "HBAR": (
        _n(
            "HBAR",
            "Hedera Hashgraph",
            "0.8",
            "1.6",
            memo=True,
            confirmations=1,
            arrival=1,
            address_regex="^0.0.\\d{1,6}$",
            memo_regex="^[0-9A-Za-z\\-_]{1,100}$",
            block_seconds=2,
            default=True,
        ),
    ),
    "SHIB": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "310000",
            "620000",
            multiple="1",
            confirmations=6,
            unlock=64,
            contract="0x95ad61b0a150d79219dcf64e1e6cc01f0b64c4ce",
            default=True,
        ),
        _n(
            "BSC",
            "BNB Smart Chain (BEP20)",
            "4300",
            "8600",
            multiple="1",
            confirmations=5,
            arrival=1,
            block_seconds=3,
        ),
    ),
    "AAVE": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "0.008",
            "0.016",
            confirmations=6,
            unlock=64,
            contract="0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9",
            default=True,
        ),
        _n("BSC", "BNB Smart Chain (BEP20)", "0.0005", "0.001", confirmations=5, arrival=1, block_seconds=3),
    ),
    "UNI": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "0.14",
            "0.28",
            confirmations=6,
            unlock=64,
            contract="0x1f9840a85d5af5bf1d1762f925bdaddc4201f984",
            default=True,
        ),
        _n("BSC", "BNB Smart Chain (BEP20)", "0.004", "0.008", confirmations=5, arrival=1, block_seconds=3),
    ),
    "NEAR": (
        _n(
            "NEAR",
            "NEAR Protocol",
            "0.01",
            "0.02",
            confirmations=1,
            arrival=1,
            address_regex="^(?:[a-z\\d]+[-_])*[a-z\\d]+\\.near$|^[a-f0-9]{64}$",
            block_seconds=1.2,
            default=True,
        ),
    ),
    "APT": (
        _n(
            "APT",
            "Aptos",
            "0.005",
            "0.01",
            confirmations=1,
            arrival=1,
            address_regex="^(0x)[0-9a-f]{64}$",
            block_seconds=0.2,
            default=True,
        ),
    ),
    "ATOM": (
        _n(
            "ATOM",
            "Cosmos",
            "0.005",
            "0.01",
            multiple="0.000001",
            memo=True,
            confirmations=1,
            arrival=1,
            address_regex="^(cosmos1)[0-9a-z]{38}$",
            memo_regex="^[0-9A-Za-z\\-_]{1,80}$",
            block_seconds=6,
            default=True,
        ),
    ),
    "ARB": (
        _n(
            "ARBITRUM",
            "Arbitrum One",
            "0.1",
            "0.2",
            confirmations=120,
            arrival=2,
            contract="0x912ce59144191c1204e64559fe8253a0e49e6548",
            block_seconds=0.25,
            default=True,
        ),
    ),
    "SEI": (
        _n(
            "SEI",
            "Sei",
            "0.1",
            "0.2",
            multiple="0.000001",
            confirmations=1,
            arrival=1,
            address_regex="^(sei1)[0-9a-z]{38}$",
            block_seconds=0.4,
            default=True,
        ),
    ),
    "PEPE": (
        _n(
            "ETH",
            "Ethereum (ERC20)",
            "400000",
            "800000",
            multiple="1",
            confirmations=6,
            unlock=64,
            contract="0x6982508145454ce325ddbe47a25d4ec3d2311933",
            default=True,
        ),
    ),
    "BNB": (
        _n(
            "BSC",
            "BNB Smart Chain (BEP20)",
            "0.00001",
            "0.0001",
            confirmations=5,
            arrival=1,
            block_seconds=3,
            default=True,
        ),
    ),
    "WAVES": (
        _n(
            "WAVES",
            "Waves",
            "0.002",
            "0.004",
            confirmations=10,
            arrival=5,
            address_regex="^(3P)[0-9A-Za-z]{33}$",
            block_seconds=60,
            default=True,
        ),
    ),
}

#: Upbit networks per currency (``status/wallet`` rows, ``withdraws/chance``): net_type, label,
#: fee, minimum and, as ``multiple``, the smallest amount step (``withdraw_limit.fixed``
#: decimals follow from it).
UPBIT_NETWORKS: dict[str, tuple[NetworkSpec, ...]] = {
    "BTC": (_n("BTC", "Bitcoin", "0.0008", "0.001", block_seconds=600, default=True),),
    "ETH": (_n("ETH", "Ethereum", "0.01", "0.01", default=True),),
    "XRP": (
        _n("XRP", "XRP Ledger", "1", "20", multiple="0.000001", memo=True, block_seconds=4, default=True),
    ),
    "SOL": (_n("SOL", "Solana", "0.009", "0.05", multiple="0.000000001", block_seconds=0.4, default=True),),
    "DOGE": (_n("DOGE", "Dogecoin", "20", "40", block_seconds=60, default=True),),
    "ADA": (_n("ADA", "Cardano", "0.5", "10", multiple="0.000001", block_seconds=20, default=True),),
    "TRX": (_n("TRX", "TRON", "1", "20", multiple="0.000001", block_seconds=3, default=True),),
    "AVAX": (_n("AVAX", "Avalanche C-Chain", "0.01", "0.1", block_seconds=2, default=True),),
    "LINK": (_n("ETH", "Ethereum", "1.2", "2.4", default=True),),
    "DOT": (_n("DOT", "Polkadot", "0.1", "1.5", multiple="0.0000000001", block_seconds=6, default=True),),
    "BCH": (_n("BCH", "Bitcoin Cash", "0.001", "0.001", block_seconds=600, default=True),),
    "LTC": (_n("LTC", "Litecoin", "0.005", "0.01", block_seconds=150, default=True),),
    "XLM": (
        _n("XLM", "Stellar", "0.05", "10", multiple="0.0000001", memo=True, block_seconds=5, default=True),
    ),
    "ETC": (_n("ETC", "Ethereum Classic", "0.01", "0.01", block_seconds=13, default=True),),
    "SUI": (_n("SUI", "Sui", "0.01", "1", multiple="0.000000001", block_seconds=0.3, default=True),),
    "HBAR": (_n("HBAR", "Hedera", "0.5", "5", memo=True, block_seconds=2, default=True),),
    "SHIB": (_n("ETH", "Ethereum", "500000", "1000000", multiple="1", default=True),),
    "AAVE": (_n("ETH", "Ethereum", "0.03", "0.05", default=True),),
    "UNI": (_n("ETH", "Ethereum", "0.8", "1", default=True),),
    "NEAR": (_n("NEAR", "NEAR Protocol", "0.01", "0.5", block_seconds=1.2, default=True),),
    "APT": (_n("APT", "Aptos", "0.002", "0.5", block_seconds=0.2, default=True),),
    "ATOM": (
        _n(
            "ATOM", "Cosmos Hub", "0.01", "0.1", multiple="0.000001", memo=True, block_seconds=6, default=True
        ),
    ),
    "ARB": (_n("ARB", "Arbitrum One", "0.5", "1", block_seconds=0.25, default=True),),
    "SEI": (_n("SEI", "Sei", "0.1", "1", multiple="0.000001", block_seconds=0.4, default=True),),
    "PEPE": (_n("ETH", "Ethereum", "500000", "1000000", multiple="1", default=True),),
    "USDT": (
        _n("ETH", "Ethereum", "4", "10", multiple="0.000001", default=True),
        _n("TRX", "Tron", "1", "5", multiple="0.000001", block_seconds=3),
    ),
    "MED": (_n("MED", "MediBloc", "10", "100", block_seconds=5, default=True),),
    "MLK": (_n("KAIA", "Kaia", "5", "20", block_seconds=1, default=True),),
    "BORA": (_n("KAIA", "Kaia", "10", "50", block_seconds=1, default=True),),
}

#: Reference for the simulated block heights: at this instant (2026-11-23T08:43:28Z) each
#: chain had the height below; heights grow with the sandbox clock at the chain's block time.
_HEIGHT_REF_MS = 1795423408000
_HEIGHT_REF: dict[str, int] = {
    "BTC": 925_431,
    "ETH": 24_102_233,
    "XRP": 100_210_458,
    "SOL": 381_220_917,
    "TRX": 77_310_552,
    "BCH": 924_870,
    "LTC": 2_980_114,
    "DOGE": 5_930_551,
    "ETC": 23_414_006,
}


@dataclass(slots=True)
class NetworkState:
    """What can change on one network: the switches, fee and limits, the reason texts,
    congestion (``busy``) and, on Upbit, the chain's ``block_state`` and its lag."""

    spec: NetworkSpec
    deposit: bool = True
    withdraw: bool = True
    fee: Decimal = _ZERO
    minimum: Decimal = _ZERO
    maximum: Decimal = _NO_MAX
    deposit_desc: str = ""
    withdraw_desc: str = ""
    busy: bool = False
    block_state: str | None = None
    elapsed_minutes: int = 1

    def block_height(self, now_ms: int) -> int:
        """A plausible, growing block height at ``now_ms``."""
        base = _HEIGHT_REF.get(self.spec.network, 10_000_000)
        return max(1, int(base + (now_ms - _HEIGHT_REF_MS) / 1000 / self.spec.block_seconds))

    @property
    def upbit_wallet_state(self) -> str:
        """Upbit's ``wallet_state`` for these switches."""
        if self.deposit and self.withdraw:
            return "working"
        if self.withdraw:
            return "withdraw_only"
        if self.deposit:
            return "deposit_only"
        return "paused"


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise TypeError(f"{what} must be a decimal text or Decimal")
    try:
        out = D(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not out.is_finite() or out < 0:
        raise ValueError(f"{what} must be >= 0")
    return out


def _venue(exchange: str) -> str:
    name = exchange.lower()
    if name not in _EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {_EXCHANGES}")
    return name


class WalletBook:
    """Every coin's networks on both venues and their current state (``box.wallets``).

    Thread-safe; changes apply to the next request. Examples::

        box.wallets.suspend("binance", "USDT", "SOL")                 # deposits + withdrawals
        box.wallets.suspend("upbit", "XRP", "XRP", deposit=False)     # withdrawals only
        box.wallets.set_withdraw_fee("upbit", "BTC", "BTC", "0.001")
        box.wallets.resume("binance", "USDT", "SOL")
    """

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._nets: dict[tuple[str, str, str], NetworkState] = {}
        self._seed()

    def _seed(self) -> None:
        self._nets.clear()
        for venue, table in (("binance", BINANCE_NETWORKS), ("upbit", UPBIT_NETWORKS)):
            for asset, specs in table.items():
                for spec in specs:
                    self._nets[(venue, asset, spec.network)] = NetworkState(
                        spec, fee=D(spec.fee), minimum=D(spec.minimum)
                    )
        # A coin whose symbol is in BREAK: deposits closed, withdrawals still open.
        waves = self._nets[("binance", "WAVES", "WAVES")]
        waves.deposit, waves.deposit_desc = False, "Delisted token, deposit suspended"

    # -- reading ------------------------------------------------------------------------------
    def assets(self, exchange: str) -> list[str]:
        """Coins with at least one network on ``exchange`` (sorted)."""
        name = _venue(exchange)
        with self._lock:
            return sorted({a for v, a, _ in self._nets if v == name})

    def networks(self, exchange: str, asset: str) -> list[NetworkState]:
        """``asset``'s networks on ``exchange`` (default first), as live state objects: read
        them under the sandbox lock or through the HTTP endpoints."""
        name = _venue(exchange)
        with self._lock:
            nets = [s for (v, a, _), s in self._nets.items() if v == name and a == asset.upper()]
        return sorted(nets, key=lambda s: not s.spec.default)

    def network(self, exchange: str, asset: str, network: str) -> NetworkState:
        """One network's state (``KeyError`` if the venue has no such network for ``asset``)."""
        key = (_venue(exchange), asset.upper(), network.upper())
        with self._lock:
            state = self._nets.get(key)
        if state is None:
            known = [s.spec.network for s in self.networks(exchange, asset)]
            raise KeyError(f"{exchange} has no {network!r} network for {asset!r} (it has {known})")
        return state

    # -- changing -----------------------------------------------------------------------------
    def _targets(self, exchange: str, asset: str, network: str | None) -> list[NetworkState]:
        if network is not None:
            return [self.network(exchange, asset, network)]
        nets = self.networks(exchange, asset)
        if not nets:
            raise KeyError(f"{exchange} lists no networks for {asset!r}")
        return nets

    def suspend(
        self,
        exchange: str,
        asset: str,
        network: str | None = None,
        *,
        deposit: bool = True,
        withdraw: bool = True,
        reason: str = "Wallet Maintenance",
        busy: bool = True,
    ) -> None:
        """Switch off deposits (``deposit=True``) and/or withdrawals (``withdraw=True``) of
        ``asset`` on ``network`` (every network of the coin when omitted). Binance then shows
        ``depositEnable``/``withdrawEnable`` false with ``reason`` in the ``*Desc`` fields and
        ``busy``; Upbit's ``wallet_state`` and ``wallet_support`` follow."""
        if not (deposit or withdraw):
            raise ValueError("suspend deposits, withdrawals or both")
        with self._lock:
            for st in self._targets(exchange, asset, network):
                if deposit:
                    st.deposit, st.deposit_desc = False, f"{reason}, Deposit Suspended"
                if withdraw:
                    st.withdraw, st.withdraw_desc = False, f"{reason}, Withdrawal Suspended"
                st.busy = busy

    def resume(
        self,
        exchange: str,
        asset: str,
        network: str | None = None,
        *,
        deposit: bool = True,
        withdraw: bool = True,
    ) -> None:
        """Switch deposits and/or withdrawals back on (clears the reason and ``busy``)."""
        with self._lock:
            for st in self._targets(exchange, asset, network):
                if deposit:
                    st.deposit, st.deposit_desc = True, ""
                if withdraw:
                    st.withdraw, st.withdraw_desc = True, ""
                if st.deposit and st.withdraw:
                    st.busy = False

    def set_withdraw_fee(self, exchange: str, asset: str, network: str, fee: str | Decimal) -> None:
        """The flat withdrawal fee of ``asset`` on ``network`` (coin units)."""
        value = _decimal(fee, "fee")
        with self._lock:
            self.network(exchange, asset, network).fee = value

    def set_withdraw_limits(
        self,
        exchange: str,
        asset: str,
        network: str,
        *,
        minimum: str | Decimal | None = None,
        maximum: str | Decimal | None = None,
    ) -> None:
        """The smallest and/or largest single withdrawal of ``asset`` on ``network``."""
        with self._lock:
            st = self.network(exchange, asset, network)
            lo = _decimal(minimum, "minimum") if minimum is not None else st.minimum
            hi = _decimal(maximum, "maximum") if maximum is not None else st.maximum
            if lo > hi:
                raise ValueError("minimum must not exceed maximum")
            st.minimum, st.maximum = lo, hi

    def set_block_state(
        self, asset: str, network: str, state: str, *, elapsed_minutes: int | None = None
    ) -> None:
        """Upbit's chain state for ``asset`` on ``network``: ``normal``, ``delayed`` or
        ``inactive``, and how many minutes ago the last block was seen."""
        if state not in BLOCK_STATES:
            raise ValueError(f"block state must be one of {BLOCK_STATES}")
        if elapsed_minutes is not None and (isinstance(elapsed_minutes, bool) or elapsed_minutes < 0):
            raise ValueError("elapsed_minutes must be an int >= 0")
        with self._lock:
            st = self.network("upbit", asset, network)
            st.block_state = state
            if elapsed_minutes is not None:
                st.elapsed_minutes = int(elapsed_minutes)

    def reset(self) -> None:
        """Every network back to its seeded state."""
        with self._lock:
            self._seed()
