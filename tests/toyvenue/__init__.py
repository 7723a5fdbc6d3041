"""ToyEx: a third venue added to xtoolkit by this one package (and one registry line).

A made-up exchange with its own REST shapes (``/api/markets``, ``/api/ticker``, ``/api/book``),
native codes written ``BTC_USD`` and a websocket at ``/ws`` streaming trades. Served by
:mod:`toyvenue.server` on 127.0.0.1; ``tests/test_toy_venue.py`` registers :data:`VENUE` with
``xtoolkit.exchanges.register_venue`` and runs the ordinary client verbs through it.
"""

from toyvenue.rest import NAME, ToyAdapter
from toyvenue.ws import STREAM
from xtoolkit.exchanges import VenueSpec

__all__ = ["VENUE"]

VENUE = VenueSpec(
    name=NAME,
    adapter=ToyAdapter,
    credentials_env=("TOYEX_API_KEY", "TOYEX_API_SECRET"),
    home_quote="USD",
    stream=STREAM,
)
