"""Command line: ``xtoolkit demo`` (the offline tour) and ``xtoolkit sandbox`` (a local venue).

``xtoolkit demo [--out DIR]`` starts the sandbox in-process, connects a ``Client`` and pulls
tickers, order books, candles, balances and the kimchi premium from both exchanges, prints
a compact summary and writes every frame as CSV (plus the premium chart as HTML and PNG)
to ``DIR`` (default ``./out``).

CSV and printed numbers carry the market's own precision (price columns: decimals of the
tick size; quantities: of the step size; other floats: 12 significant digits, no float
noise). Only the text is formatted; the frames are not changed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["main"]

DEMO_BASES = ("BTC", "ETH", "XRP", "SOL", "DOGE", "ADA")


def _column_places(values: pd.Series) -> int:
    """One number of decimals for a whole column, from its typical magnitude."""
    sizes = values.abs().dropna()
    size = float(sizes.median()) if len(sizes) else 0.0
    if size >= 100_000:
        return 0
    if size >= 100:
        return 2
    if size >= 1:
        return 4
    return 6


def _print_table(
    title: str, df: pd.DataFrame, columns: Sequence[str], decimals: dict[str, int] | None = None
) -> None:
    """Print ``columns`` of ``df``; every float column with one number of decimals throughout."""
    print(f"\n{title}")
    if df.empty:
        print("  (no rows)")
        return
    view = df[list(columns)].copy()
    for name in view.columns:
        if pd.api.types.is_float_dtype(view[name]):
            places = (decimals or {}).get(name, _column_places(view[name]))
            view[name] = view[name].map(lambda v, p=places: "" if pd.isna(v) else f"{v:,.{p}f}")
        elif name == "fx_source" and "fx_rate" in df.columns:
            view[name] = _basis_labels(df)
    print("  " + view.to_string(index=False).replace("\n", "\n  "))


def _basis_labels(df: pd.DataFrame) -> pd.Series:
    from xtoolkit.charts import basis_label

    return pd.Series([basis_label(str(v), df[df["fx_source"] == v]) for v in df["fx_source"]], index=df.index)


def _step(label: str, work: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = work()
    print(f"  {label:<34} {(time.perf_counter() - t0) * 1000:7.0f} ms")
    return result


def demo(out: Path, *, seed: int = 7) -> int:
    """Run the offline tour; returns a process exit code."""
    import xtoolkit as xt
    from xtoolkit._precision import column_decimals, to_csv
    from xtoolkit.sandbox import Sandbox

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, df: pd.DataFrame, decimals: dict[str, int] | None = None) -> None:
        path = out / f"{name}.csv"
        to_csv(df, path, decimals)
        written.append(path)

    print(f"xtoolkit {xt.__version__} demo — a local Binance + Upbit sandbox (seed {seed}), no network")
    with Sandbox(seed=seed) as box, xt.Client(**box.connect_kwargs()) as client:
        print(f"  sandbox at {box.url}")
        markets = [f"binance:{b}/USDT" for b in DEMO_BASES] + [f"upbit:{b}/KRW" for b in DEMO_BASES]
        markets.append("upbit:USDT/KRW")
        tickers = _step("tickers (1 + 2 requests)", lambda: client.tickers(markets))
        books = _step(
            "order books",
            lambda: pd.concat(
                [
                    client.orderbook("binance:BTC/USDT", depth=10),
                    client.orderbook("upbit:BTC/KRW", depth=10),
                ],
                ignore_index=True,
            ),
        )
        candles = _step(
            "candles 1h x 48, both venues",
            lambda: pd.concat(
                [
                    client.candles("binance:BTC/USDT", interval="1h", limit=48, progress=False),
                    client.candles("upbit:BTC/KRW", interval="1h", limit=48, progress=False),
                ],
                ignore_index=True,
            ),
        )
        balances = _step("balances (signed)", client.balances)
        premium = _premium(client)
        places = {
            name: column_decimals(df, client.market_info)
            for name, df in (("tickers", tickers), ("orderbook", books), ("candles", candles))
        }
        for name, df in (
            ("tickers", tickers),
            ("orderbook", books),
            ("candles", candles),
            ("balances", balances),
        ):
            save(name, df, places.get(name))
        if premium is not None:
            save("premium", premium)

        _print_table(
            "Tickers",
            tickers,
            ["exchange", "symbol", "bid", "ask", "last", "change_24h_pct"],
            places["tickers"],
        )
        top = books[books.level < 3]
        _print_table(
            "Order books (top 3 levels)",
            top,
            ["exchange", "symbol", "side", "level", "price", "qty"],
            places["orderbook"],
        )
        last = candles.groupby("exchange").tail(3)
        _print_table(
            "Candles (last 3 per venue)",
            last,
            ["exchange", "symbol", "open_time", "open", "close", "volume", "is_closed"],
            places["candles"],
        )
        _print_table("Balances", balances, ["exchange", "asset", "free", "locked", "total"])
        if premium is not None:
            _print_table(
                "Kimchi premium (Upbit over Binance)",
                premium,
                [
                    "base",
                    "fx_source",
                    "fx_rate",
                    "upbit_mid",
                    "binance_mid",
                    "premium_pct",
                    "stale",
                ],
            )
            written += _premium_chart(client, out)

    print(f"\nWrote {len(written)} files to {out.resolve()}:")
    for path in written:
        print(f"  {path.name}")
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def _premium(client: Any) -> pd.DataFrame | None:
    try:
        from xtoolkit.research import premium
    except ImportError:
        return None
    return _step("premium, 6 bases (batched)", lambda: premium(list(DEMO_BASES), client=client))


def _premium_chart(client: Any, out: Path) -> list[Path]:
    try:
        from xtoolkit import charts
        from xtoolkit.research import premium_history
    except ImportError as exc:
        print(f"\n(chart skipped: {exc})")
        return []
    history = _step(
        "premium history 1m x 240", lambda: premium_history("BTC", interval="1m", limit=240, client=client)
    )
    from xtoolkit._precision import to_csv

    fig = charts.premium(history)
    paths = [
        out / "premium_history.csv",
        out / "premium_chart.html",
        out / "plotly.min.js",
        out / "report.html",
    ]
    to_csv(history, paths[0])
    # Small enough to mail: the chart page loads plotly.js from the file next to it (one
    # copy for every chart in the folder) instead of embedding its ~4.7 MB.
    charts.write_html(fig, paths[1], include_plotlyjs="directory")
    # One self-contained page (opens offline on its own): all charts, plotly.js once.
    charts.write_report(
        [fig, charts.prices(history), charts.premium_distribution(history)],
        paths[3],
        title="xtoolkit demo: BTC kimchi premium",
    )
    try:
        png = out / "premium_chart.png"
        _step("premium chart PNG", lambda: charts.write_png(fig, png))
        paths.append(png)
    except Exception as exc:  # PNG needs a local Chromium; the HTML chart is already written
        print(f"  (PNG skipped: {type(exc).__name__}: {exc})")
    return paths


def sandbox(port: int, seed: int, now: str | None = None) -> int:
    from xtoolkit.sandbox.__main__ import serve

    serve(port=port, seed=seed, now=now)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # The docstring is reST; a terminal shows its ``literals`` as plain text.
    parser = argparse.ArgumentParser(prog="xtoolkit", description=__doc__.splitlines()[0].replace("``", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="offline tour against the sandbox; writes CSVs and a chart")
    p_demo.add_argument("--out", type=Path, default=Path("out"), help="output folder (default ./out)")
    p_demo.add_argument("--seed", type=int, default=7, help="sandbox market seed (default 7)")
    p_box = sub.add_parser("sandbox", help="run a standalone local Binance + Upbit")
    p_box.add_argument("--port", type=int, default=8900)
    p_box.add_argument("--seed", type=int, default=7)
    p_box.add_argument(
        "--now",
        default=None,
        help="pin the sandbox clock's start, e.g. 2026-11-21T12:00:00Z (default: wall clock)",
    )
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.out, seed=args.seed)
    if args.command == "sandbox":
        return sandbox(args.port, args.seed, args.now)
    from xtoolkit import __version__

    print(__version__)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
