"""Binance spot: everything the toolkit knows about the venue, in one package.

* :mod:`.rest` — the endpoint table (weights, limit groups), request building, parsers of
  every answer into frame columns, the error-code map;
* :mod:`.signing` — the exact query text and its signature (HMAC-SHA256, Ed25519 or RSA);
* :mod:`.ws` — the market-stream protocol (stream names, SUBSCRIBE, frame parsing), the stream
  URL rules and the REST depth snapshot a diff-depth book syncs from;
* :mod:`.facts` — order facts: default fees, preview depth, market-order sizing, cancel-all
  shape, what the account read says.

Pure translation: nothing here awaits. :data:`VENUE` is the one object the registry holds.
"""

from xtoolkit.exchanges._venue import VenueSpec
from xtoolkit.exchanges.binance.facts import ORDERS
from xtoolkit.exchanges.binance.rest import ENDPOINTS, ERRORS, NAME, BinanceAdapter
from xtoolkit.exchanges.binance.signing import encode, sign, signature

__all__ = ["ENDPOINTS", "ERRORS", "VENUE", "BinanceAdapter", "encode", "sign", "signature"]

VENUE = VenueSpec(
    name=NAME,
    adapter=BinanceAdapter,
    options=("recv_window_ms",),
    credentials_env=("BINANCE_API_KEY", "BINANCE_API_SECRET"),
    key_types=("hmac", "ed25519", "rsa"),
    key_pair_env=("BINANCE_PRIVATE_KEY", "BINANCE_PRIVATE_KEY_PASSPHRASE"),
    home_quote="USDT",
    orders=ORDERS,
    stream="xtoolkit.exchanges.binance.ws:STREAM",
)
