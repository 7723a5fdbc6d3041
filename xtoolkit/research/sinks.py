"""Where recorded rows go: CSV, Parquet or a catalog (defined in :mod:`xtoolkit._sinks`,
below research and streams, which record through the same sinks)."""

from xtoolkit._sinks import CatalogSink, CsvSink, ParquetSink, Sink, error_type

__all__ = ["CatalogSink", "CsvSink", "ParquetSink", "Sink", "error_type"]
