"""Research across exchanges: comparison, kimchi premium, aggregated books, balances, recording.

Every verb comes in two forms: ``premium(client, ...)`` blocks on a :class:`~xtoolkit.Client`
(what notebooks use) and ``await apremium(client, ...)`` takes a ``Client`` or an
``AsyncClient``. Pure maths (premium, fill policy, VWAP) lives in functions on frames that need
no server: :func:`premium_quotes`, :func:`align_history`, :func:`book_from_levels`,
:func:`slippage`.

>>> import xtoolkit as xt
>>> from xtoolkit import research as xr
>>> with xt.Client() as client:
...     xr.premium(client, ["BTC", "ETH"], fx=["upbit", 1385.0])   # both FX bases side by side
"""

from __future__ import annotations

from xtoolkit.research._common import DEFAULT_QUOTES
from xtoolkit.research.books import (
    aaggregated_book,
    aggregated_book,
    best_venue,
    book_from_levels,
    depth_within,
    slippage,
)
from xtoolkit.research.compare import (
    acompare,
    apremium,
    compare,
    compare_quotes,
    premium,
    premium_quotes,
)
from xtoolkit.research.export import read_csv, read_parquet, to_csv, to_parquet
from xtoolkit.research.fx import UPBIT_FX, USER_FX, FxBasis
from xtoolkit.research.history import (
    align_history,
    apremium_history,
    premium_history,
    premium_summary,
)
from xtoolkit.research.manager import ExchangeManager
from xtoolkit.research.recorder import Recorder
from xtoolkit.research.schemas import RESEARCH_SCHEMAS
from xtoolkit.research.valuation import avalued_balances, valued_balances

__all__ = [
    "DEFAULT_QUOTES",
    "RESEARCH_SCHEMAS",
    "UPBIT_FX",
    "USER_FX",
    "ExchangeManager",
    "FxBasis",
    "Recorder",
    "aaggregated_book",
    "acompare",
    "aggregated_book",
    "align_history",
    "apremium",
    "apremium_history",
    "avalued_balances",
    "best_venue",
    "book_from_levels",
    "compare",
    "compare_quotes",
    "depth_within",
    "premium",
    "premium_history",
    "premium_quotes",
    "premium_summary",
    "read_csv",
    "read_parquet",
    "slippage",
    "to_csv",
    "to_parquet",
    "valued_balances",
]
