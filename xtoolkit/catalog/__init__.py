"""A local market-data catalog: hive-partitioned Parquet you backfill, update and query.

See :class:`Catalog`. One module per job: ``catalog`` (the class: backfill, update, coverage,
candles, sql), ``layout`` (paths: ``kind=/exchange=/symbol=/interval=/date=``), ``schemas``
(each kind's Arrow schema, derived from the one registry :data:`xtoolkit.SCHEMAS`), ``store``
(frames to files and back), ``writer`` (atomic writes), ``planner`` and ``backfill`` (what is
missing, fetched inside the venues' budgets), ``coverage``, ``query`` (DuckDB views).
Importing this package imports pyarrow (DuckDB only when you query); ``import xtoolkit`` does
not import it until ``xt.Catalog`` is first touched.
"""

from xtoolkit.catalog.catalog import Catalog
from xtoolkit.catalog.query import CatalogQueryError
from xtoolkit.catalog.writer import CatalogWriteError

__all__ = ["Catalog", "CatalogQueryError", "CatalogWriteError"]
