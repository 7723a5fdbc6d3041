"""A local market-data catalog: hive-partitioned Parquet you backfill, update and query.

See :class:`Catalog`; the layout on disk is described in :mod:`xtoolkit.catalog.layout`.
Importing this package imports pyarrow (DuckDB only when you query); ``import xtoolkit`` does
not import it until ``xt.Catalog`` is first touched.
"""

from xtoolkit.catalog.catalog import Catalog
from xtoolkit.catalog.query import CatalogQueryError
from xtoolkit.catalog.writer import CatalogWriteError

__all__ = ["Catalog", "CatalogQueryError", "CatalogWriteError"]
