"""Research across exchanges: comparison, kimchi premium, aggregated books, balances, history.

Verbs (each fetches, then hands back a fixed-schema frame) work like the data verbs: on the
shared default client, or on the one you pass as ``client=``::

    xt.premium("BTC")                                        # the default public client
    xt.premium(["BTC", "ETH"], fx=["upbit", 1385.0], client=c)   # both FX bases side by side

``premium``, ``compare``, ``premium_history``, ``aggregated_book`` and ``valued_balances``
each have an awaitable twin (``apremium``...) for code already inside an event loop or on an
:class:`~xtoolkit.AsyncClient`; both forms are generated from one coroutine
(:mod:`xtoolkit.research._verb`). Pure maths on frames needs no client and no server:
:func:`premium_quotes`, :func:`compare_quotes`, :func:`align_history`, :func:`premium_summary`,
:func:`book_from_levels`, :func:`depth_within`, :func:`slippage`, :func:`best_venue`; the
premium row itself is :func:`xtoolkit._premium.premium_row`, shared with the live stream
premium.

Modules: ``compare`` (compare, premium), ``history`` (premium over time: candle closes, or
recorded book mids), ``books`` (the aggregated book, FX at the mid, for display),
``execution`` (depth within a band and whether the fetch reaches it; slippage and the best
venue after taker fees, with the FX leg at its executable side — on raw books or an aggregated
book), ``valuation`` (balances valued in one currency),
``manager`` (one client, an active venue), ``recorder`` (polling to memory, CSV, Parquet or a
catalog). ``fx`` (FX bases), ``premium_row``, ``sinks`` and ``export`` (dtype-keeping CSV and
Parquet) name pieces that live below research and stream/ (``xtoolkit._fx``, ``_premium``,
``_sinks``, ``_export``), so the live premium shares them without importing research. Frame
schemas live in :data:`xtoolkit.SCHEMAS`.
"""

from __future__ import annotations

from xtoolkit._export import read_csv, read_parquet, to_csv, to_parquet
from xtoolkit._fx import UPBIT_FX, USER_FX, FxBasis
from xtoolkit.research._common import DEFAULT_QUOTES
from xtoolkit.research.books import aaggregated_book, aggregated_book, book_from_levels
from xtoolkit.research.compare import (
    acompare,
    apremium,
    compare,
    compare_quotes,
    premium,
    premium_quotes,
)
from xtoolkit.research.crossing import (
    aexecutable_premium,
    apremium_curve,
    apremium_decomposition,
    apremium_scan,
    aroutes,
    astablecoin_premium,
    executable_premium,
    premium_curve,
    premium_decomposition,
    premium_scan,
    routes,
    stablecoin_premium,
)
from xtoolkit.research.execution import best_venue, depth_within, slippage
from xtoolkit.research.history import (
    align_history,
    apremium_history,
    premium_history,
    premium_summary,
)
from xtoolkit.research.manager import ExchangeManager
from xtoolkit.research.recorder import Recorder
from xtoolkit.research.valuation import avalued_balances, valued_balances

__all__ = [
    "DEFAULT_QUOTES",
    "UPBIT_FX",
    "USER_FX",
    "ExchangeManager",
    "FxBasis",
    "Recorder",
    "aaggregated_book",
    "acompare",
    "aexecutable_premium",
    "aggregated_book",
    "align_history",
    "apremium",
    "apremium_curve",
    "apremium_decomposition",
    "apremium_history",
    "apremium_scan",
    "aroutes",
    "astablecoin_premium",
    "avalued_balances",
    "best_venue",
    "book_from_levels",
    "compare",
    "compare_quotes",
    "depth_within",
    "executable_premium",
    "premium",
    "premium_curve",
    "premium_decomposition",
    "premium_history",
    "premium_quotes",
    "premium_scan",
    "premium_summary",
    "read_csv",
    "read_parquet",
    "routes",
    "slippage",
    "stablecoin_premium",
    "to_csv",
    "to_parquet",
    "valued_balances",
]
