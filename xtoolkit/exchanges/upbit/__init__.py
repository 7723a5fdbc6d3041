"""Upbit (KRW markets): everything the toolkit knows about the venue, in one package.

* :mod:`.rest` — the endpoint table (limit groups), request building, parsers of every answer
  into frame columns, the error-name map;
* :mod:`.signing` — the query text and its JWT bearer token (``query_hash``);
* :mod:`.ws` — the public websocket protocol (one subscription array, full-book messages,
  text ``PING``) and its URL rules;
* :mod:`.facts` — order facts: default fees, preview depth, market buys by total and sells by
  volume, batched cancel-all, what ``orders/chance`` says.

Pure translation: nothing here awaits. :data:`VENUE` is the one object the registry holds.
"""

from xtoolkit.exchanges._venue import VenueSpec
from xtoolkit.exchanges.upbit.facts import ORDERS
from xtoolkit.exchanges.upbit.rest import ENDPOINTS, ERRORS, NAME, UpbitAdapter
from xtoolkit.exchanges.upbit.signing import jwt_token, query_strings

__all__ = ["ENDPOINTS", "ERRORS", "VENUE", "UpbitAdapter", "jwt_token", "query_strings"]

VENUE = VenueSpec(
    name=NAME,
    adapter=UpbitAdapter,
    credentials_env=("UPBIT_ACCESS_KEY", "UPBIT_SECRET_KEY"),
    home_quote="KRW",
    orders=ORDERS,
    stream="xtoolkit.exchanges.upbit.ws:STREAM",
)
