"""DataFrame + column names in, a plotly ``go.Figure`` out.

Every chart function has the plotly-express shape: the frame first, then explicit keyword
arguments naming its columns (defaulting to the column names the research verbs return), so
a renamed column is a one-argument change. One :data:`defaults` object gives every chart the
same look; change its fields to restyle everything and call :func:`reset_defaults` to undo.

>>> from xtoolkit import charts
>>> fig = charts.premium(history)                 # premium over time, one line per FX basis
>>> charts.defaults.height = 300                  # every chart from now on
>>> charts.write_html(fig, "premium.html")        # self-contained, works offline
>>> charts.write_png(fig, "premium.png")          # needs a local Chromium (kaleido)

plotly is imported on first use; without it the functions raise an ImportError naming the
extra to install (``pip install 'xtoolkit[notebook]'``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xtoolkit._errors import InvalidArgument, XtoolkitError

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "ChartDefaults",
    "ChartExportError",
    "basis_label",
    "defaults",
    "depth",
    "downsample",
    "figure_widget",
    "find_browser",
    "mime_bundle",
    "plotlyjs_once",
    "premium",
    "premium_by_size",
    "premium_distribution",
    "prices",
    "reset_defaults",
    "scanner",
    "snapshot_html",
    "update_figure",
    "use_offline_renderer",
    "write_html",
    "write_png",
    "write_report",
]

EXTRA_HINT = "pip install 'xtoolkit[notebook]'"

#: Flag columns that mark a premium sample as not fresh (snapshots: ``stale``; history: ``filled_*``).
FLAG_COLUMNS: tuple[str, ...] = ("stale", "filled_upbit", "filled_binance", "filled_fx")


class ChartExportError(XtoolkitError, RuntimeError):
    """A chart could not be written as an image (no browser for kaleido, or kaleido failed)."""


@dataclass
class ChartDefaults:
    """The one look shared by every chart; mutate the fields of :data:`defaults`.

    Attributes
    ----------
    template
        Base plotly template name.
    font_family, font_size
        Text style for titles, axes and legends.
    height, width
        Figure size in pixels (``width=None``: fill the container).
    colorway
        Colours for series without a fixed colour (FX bases, bases).
    venue_colors
        Fixed colour per exchange, so Binance and Upbit look the same in every chart.
    max_points
        Longest series drawn per trace; longer ones are downsampled (extremes kept).
    tz
        Time zone the time axis is shown in (labelled on the axis).
    """

    template: str = "plotly_white"
    font_family: str = "Inter, 'Liberation Sans', 'Helvetica Neue', Arial, sans-serif"
    font_size: int = 13
    height: int = 420
    width: int | None = None
    colorway: tuple[str, ...] = (
        "#2563eb",
        "#ea580c",
        "#059669",
        "#9333ea",
        "#dc2626",
        "#0891b2",
    )
    venue_colors: dict[str, str] = field(default_factory=lambda: {"binance": "#d99e0b", "upbit": "#1d4ed8"})
    max_points: int = 4000
    tz: str = "UTC"

    def color(self, i: int) -> str:
        return self.colorway[i % len(self.colorway)]

    def venue_color(self, exchange: str, i: int) -> str:
        return self.venue_colors.get(str(exchange).lower(), self.color(i))


defaults = ChartDefaults()


def reset_defaults() -> None:
    """Restore every field of :data:`defaults` to its original value."""
    fresh = ChartDefaults()
    for f in dataclasses.fields(ChartDefaults):
        setattr(defaults, f.name, getattr(fresh, f.name))


# --- plumbing -------------------------------------------------------------------------------


def _go() -> Any:
    try:
        import plotly.graph_objects as go_module
    except ImportError as exc:  # plotly is an optional extra
        raise ImportError(f"charts need plotly: {EXTRA_HINT}") from exc
    use_offline_renderer(only_in_kernel=True)
    return go_module


#: The renderer a notebook kernel gets: plotly's own mimetype (JupyterLab, Voila draw it
#: natively) *plus* text/html, which is what ``nbconvert --to html`` keeps. The HTML part
#: needs plotly.js on the page: it is embedded once per kernel (see :func:`plotlyjs_once`),
#: never fetched from a CDN, so an exported notebook opens offline.
OFFLINE_RENDERER = "plotly_mimetype+xtoolkit_offline"
_renderer_state = {"configured": False, "published": False}


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def plotlyjs_once() -> bool:
    """Put plotly.js into the notebook's outputs once per kernel; True if it did now.

    Every figure's text/html (and a panel's static snapshot) then draws from that one copy:
    an executed notebook exported to HTML carries plotly.js once, not once per figure.
    Outside a kernel it does nothing.
    """
    if _renderer_state["published"] or not _in_kernel():
        return False
    from IPython.display import HTML, display
    from plotly.offline import get_plotlyjs

    _renderer_state["published"] = True
    # window.PlotlyConfig before the bundle, as plotly's own notebook renderer does.
    display(
        HTML(
            '<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: "local"};</script>'
            f'<script type="text/javascript">{get_plotlyjs()}</script>'
        ),
        metadata={"xtoolkit": "plotly.js"},
    )
    return True


def use_offline_renderer(*, only_in_kernel: bool = False) -> None:
    """Make ``fig`` displays carry plotly's mimetype and offline text/html (see :data:`OFFLINE_RENDERER`).

    Called on first chart use inside a notebook kernel; a renderer the user chose
    (``pio.renderers.default = ...`` other than plotly's own guess) is left alone.
    """
    if _renderer_state["configured"] or (only_in_kernel and not _in_kernel()):
        return
    import plotly.io as pio
    from plotly.io._base_renderers import NotebookRenderer

    class _OfflineOnce(NotebookRenderer):
        """plotly's notebook renderer, whose one-time plotly.js goes through plotlyjs_once()."""

        def activate(self) -> None:
            plotlyjs_once()

    _renderer_state["configured"] = True
    pio.renderers["xtoolkit_offline"] = _OfflineOnce(config={"displaylogo": False, "responsive": True})
    if pio.renderers.default in ("", "plotly_mimetype", "plotly_mimetype+notebook", "notebook_connected"):
        pio.renderers.default = OFFLINE_RENDERER


def snapshot_html(fig: go.Figure) -> str:
    """``fig`` as a static HTML div for a notebook's saved outputs (plotly.js from :func:`plotlyjs_once`)."""
    import plotly.io as pio

    plotlyjs_once()
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config={"displaylogo": False, "responsive": True, "staticPlot": False},
    )


def _need(df: pd.DataFrame, chart: str, columns: Sequence[str | None]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument(f"{chart}() takes a DataFrame, not {type(df).__name__}")
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise InvalidArgument(
            f"{chart}(): column(s) {missing} not in the frame; it has {list(df.columns)}. "
            "Pass the right names as keyword arguments."
        )


def _new_figure(
    *,
    title: str | None,
    xaxis_title: str,
    yaxis_title: str,
    height: int | None,
    width: int | None,
) -> go.Figure:
    go_ = _go()
    fig = go_.Figure()
    fig.update_layout(
        template=defaults.template,
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.97, "yanchor": "top"} if title else None,
        font={"family": defaults.font_family, "size": defaults.font_size, "color": "#1f2937"},
        colorway=list(defaults.colorway),
        height=height or defaults.height,
        width=width or defaults.width,
        # The title sits in the top band and the legend grows upward from the plot area
        # below it, so a two-row legend never runs into the title.
        margin={"l": 64, "r": 24, "t": 88 if title else 56, "b": 56},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0},
        hovermode="x unified",
        xaxis={"title": {"text": xaxis_title}, "showline": True, "linecolor": "#d1d5db"},
        yaxis={"title": {"text": yaxis_title}, "zeroline": True, "zerolinecolor": "#9ca3af"},
    )
    return fig


def money_axis(fig: go.Figure, axis: str = "y") -> None:
    """Thousands separators, never exponents, on a price/size axis (``133,602,000``, not ``1.34e+8``)."""
    # ",.6~g" alone still switches to exponents above 1e6 (d3's "g"); ",~r" with a
    # precision rounds to significant digits in fixed notation instead.
    fmt = {"tickformat": ",.6~r", "exponentformat": "none", "separatethousands": True}
    if axis == "x":
        fig.update_xaxes(**fmt)
    else:
        fig.update_yaxes(**fmt)


def _time_values(values: pd.Series, tz: str) -> Any:
    """Timestamps as wall-clock text in ``tz`` (what plotly draws), millisecond precision.

    Text rather than datetime64: plotly's JSON encoder turns datetime64 into dates, but the
    FigureWidget serializer ships it as raw int64 nanoseconds, which the browser would draw
    as numbers. ISO text is read as dates by both.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        local = values.dt.tz_convert(tz)
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        local = values.dt.tz_localize("UTC").dt.tz_convert(tz)
    else:
        return values
    text = local.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str.slice(0, 23)
    return text.where(local.notna(), None).tolist()


def _time_title(values: pd.Series, tz: str) -> str:
    is_time = isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype)
    return f"time ({tz})" if is_time else str(values.name)


def _groups(df: pd.DataFrame, color: str | None) -> Iterator[tuple[str, pd.DataFrame]]:
    """(name, rows) per value of ``color`` in order of appearance; the whole frame if None."""
    if color is None or color not in df.columns:
        yield "", df
        return
    for value in pd.unique(df[color]):
        rows = df[df[color].isna()] if pd.isna(value) else df[df[color] == value]
        yield basis_label(str(value), rows), rows


def basis_label(value: str, rows: pd.DataFrame, rate: str = "fx_rate") -> str:
    """The legend name of an FX basis: a fixed rate reads ``"USD/KRW 1385"``, not ``"user"``.

    Only the label changes (the frame keeps ``fx_source == "user"``); a user *series* (rates
    that vary) keeps its name, since no single number describes it.
    """
    if value != "user" or rate not in rows.columns:
        return value
    rates = pd.unique(rows[rate].dropna())
    if len(rates) != 1:
        return value
    return f"USD/KRW {float(rates[0]):g}"


def _flag_mask(df: pd.DataFrame, flags: Sequence[str]) -> pd.Series:
    mask = pd.Series(False, index=df.index)
    for name in flags:
        if name in df.columns:
            mask |= df[name].fillna(False).astype(bool)
    return mask


def downsample(df: pd.DataFrame, *, y: str, max_points: int) -> pd.DataFrame:
    """At most ``max_points`` rows of ``df`` (in order): the ends plus each bucket's min and max.

    A plain stride would drop the spikes a premium chart is read for; taking the extremes of
    ``max_points // 2`` equal buckets keeps them. NaN rows of ``y`` are dropped first only if
    the frame is too long.
    """
    if max_points < 2:
        raise InvalidArgument(f"max_points must be at least 2, not {max_points}")
    if len(df) <= max_points:
        return df
    values = df[y].to_numpy(dtype=np.float64, na_value=np.nan)
    keep = np.flatnonzero(~np.isnan(values))
    if len(keep) <= max_points:
        return df.iloc[keep]
    # First and last points pin the time range; the buckets fill in the shape.
    buckets = np.array_split(keep[1:-1], max(1, (max_points - 2) // 2))
    picked: list[int] = [int(keep[0]), int(keep[-1])]
    for idx in buckets:
        seg = values[idx]
        picked.append(int(idx[int(np.argmin(seg))]))
        picked.append(int(idx[int(np.argmax(seg))]))
    return df.iloc[np.unique(picked)]


def _limit(max_points: int | None) -> int:
    return defaults.max_points if max_points is None else max_points


# --- charts ---------------------------------------------------------------------------------


def premium(
    history: pd.DataFrame,
    *,
    x: str = "ts",
    y: str = "premium_pct",
    color: str | None = "fx_source",
    base: str | None = "base",
    flags: Sequence[str] = FLAG_COLUMNS,
    title: str | None = None,
    tz: str | None = None,
    max_points: int | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """The kimchi premium over time, one line per FX basis.

    Parameters
    ----------
    history
        A frame like ``research.premium_history`` returns (or stacked ``research.premium``
        snapshots).
    x, y
        Time column and premium column (in percent).
    color
        Column whose values get one line each (the FX basis); ``None`` for a single line.
    base
        Column naming the coin; when it holds several coins, lines are split per coin too.
    flags
        Boolean columns marking samples that were not fresh (forward-filled candles, stale
        quotes). Flagged samples are drawn as open markers on top of their line; columns
        absent from the frame are ignored.
    title
        Figure title (default: ``"<BASE> kimchi premium"``).
    tz
        Time zone for the time axis (default ``defaults.tz``); it is named on the axis.
    max_points
        Longest series drawn per line (default ``defaults.max_points``); longer series are
        downsampled keeping each bucket's extremes.
    height, width
        Figure size in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``scatter`` line per FX basis named by its value, plus one marker trace per basis
        with the flagged samples (named ``"<basis> · filled/stale"``) when there are any.
    """
    _need(history, "premium", [x, y, color])
    tz = tz or defaults.tz
    limit = _limit(max_points)
    bases = [str(b) for b in pd.unique(history[base].dropna())] if base and base in history.columns else []
    split_base = len(bases) > 1
    default_title = f"{bases[0]} kimchi premium" if len(bases) == 1 else "Kimchi premium"
    fig = _new_figure(
        title=default_title if title is None else title,
        xaxis_title=_time_title(history[x], tz),
        yaxis_title="premium (%)" if y.endswith("_pct") else y,
        height=height,
        width=width,
    )
    go_ = _go()
    frame = history.sort_values(x, kind="stable") if len(history) else history
    split = [base, color] if split_base else [color]
    for i, (key, rows) in enumerate(_split(frame, [c for c in split if c])):
        name = " · ".join(key) if key else y
        shown = downsample(rows, y=y, max_points=limit)
        line_color = defaults.color(i)
        fig.add_trace(
            go_.Scatter(
                x=_time_values(shown[x], tz),
                y=shown[y],
                name=name,
                legendgroup=name,
                mode="lines",
                line={"color": line_color, "width": 2},
                hovertemplate="%{y:.3f}%<extra>" + name + "</extra>",
            )
        )
        flagged = rows[_flag_mask(rows, flags)]
        if len(flagged):
            flagged = downsample(flagged, y=y, max_points=limit)
            fig.add_trace(
                go_.Scatter(
                    x=_time_values(flagged[x], tz),
                    y=flagged[y],
                    name=f"{name} · filled/stale",
                    legendgroup=name,
                    mode="markers",
                    marker={
                        "symbol": "circle-open",
                        "size": 8,
                        "color": line_color,
                        "line": {"width": 1.5},
                    },
                    hovertemplate="%{y:.3f}% (not fresh)<extra>" + name + "</extra>",
                )
            )
    if not len(history):
        _no_data(fig)
    return fig


def _split(df: pd.DataFrame, columns: Sequence[str]) -> Iterator[tuple[tuple[str, ...], pd.DataFrame]]:
    if not columns:
        yield (), df
        return
    head, rest = columns[0], columns[1:]
    for value, rows in _groups(df, head):
        for key, sub in _split(rows, rest):
            yield (value, *key), sub


def _no_data(fig: go.Figure) -> None:
    fig.add_annotation(
        text="no data",
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 16, "color": "#6b7280"},
    )


def prices(
    history: pd.DataFrame,
    *,
    x: str = "ts",
    upbit: str | None = None,
    binance: str | None = None,
    color: str | None = "fx_source",
    currency: str = "KRW",
    title: str | None = None,
    tz: str | None = None,
    max_points: int | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """Both venues' prices in one currency over time.

    Parameters
    ----------
    history
        A frame like ``research.premium_history`` returns.
    x
        Time column.
    upbit, binance
        Price columns already in ``currency``. By default the history's own price: Upbit's KRW
        close and Binance's close converted to KRW (``upbit_close``, ``binance_close_krw``),
        or the recorded mids of a ``premium_history(price="mid")`` frame (``upbit_mid``,
        ``binance_mid_krw``).
    color
        FX-basis column: Binance is drawn once per basis (its KRW price depends on it), Upbit
        once. ``None`` draws one Binance line.
    currency
        Currency named on the price axis.
    title, tz, max_points, height, width
        As in :func:`premium`.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``"Upbit"`` line, then one ``"Binance × <basis>"`` line per FX basis (or
        ``"Binance"``).
    """
    if upbit is None or binance is None:
        mid = history.attrs.get("price") == "mid" or (
            "upbit_mid" in history.columns and "upbit_close" not in history.columns
        )
        upbit = upbit or ("upbit_mid" if mid else "upbit_close")
        binance = binance or ("binance_mid_krw" if mid else "binance_close_krw")
    _need(history, "prices", [x, upbit, binance, color])
    tz = tz or defaults.tz
    limit = _limit(max_points)
    base = (
        str(history["base"].dropna().iloc[0])
        if "base" in history.columns and history["base"].notna().any()
        else ""
    )
    fig = _new_figure(
        title=(f"{base} price on both venues" if base else "Price on both venues")
        if title is None
        else title,
        xaxis_title=_time_title(history[x], tz),
        yaxis_title=f"price ({currency})",
        height=height,
        width=width,
    )
    go_ = _go()
    frame = history.sort_values(x, kind="stable") if len(history) else history
    # Upbit's close does not depend on the FX basis: draw it once, from unique times.
    upbit_rows = downsample(frame.drop_duplicates(x), y=upbit, max_points=limit)
    fig.add_trace(
        go_.Scatter(
            x=_time_values(upbit_rows[x], tz),
            y=upbit_rows[upbit],
            name="Upbit",
            mode="lines",
            line={"color": defaults.venue_color("upbit", 0), "width": 2},
        )
    )
    dashes = ("solid", "dash", "dot", "dashdot")
    for i, (value, rows) in enumerate(_groups(frame, color)):
        shown = downsample(rows, y=binance, max_points=limit)
        fig.add_trace(
            go_.Scatter(
                x=_time_values(shown[x], tz),
                y=shown[binance],
                name=f"Binance × {value}" if value else "Binance",
                mode="lines",
                line={
                    "color": defaults.venue_color("binance", 1),
                    "width": 2,
                    "dash": dashes[i % len(dashes)],
                },
            )
        )
    money_axis(fig, "y")
    if not len(history):
        _no_data(fig)
    return fig


def depth(
    book: pd.DataFrame,
    *,
    x: str = "distance_pct",
    y: str = "cum_notional_n",
    color: str = "exchange",
    side: str = "side",
    quote: str = "USDT",
    log_y: bool = False,
    title: str | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """Cumulative order-book depth of both venues, normalized to one quote currency.

    Parameters
    ----------
    book
        A frame like ``research.aggregated_book`` returns (long form, one row per level).
    x
        ``distance_pct`` (default: distance from each venue's own mid, in %; the books
        overlap and their liquidity compares directly; bids are drawn at negative distances),
        or a price column in ``quote`` such as ``price_n`` (the venues' books then sit apart
        by the premium, at opposite edges of the chart).
    y
        Cumulative size column (``cum_notional_n`` in ``quote``, or ``cum_qty`` in base).
    color
        Column with one colour per venue.
    side
        Column holding ``"bid"``/``"ask"``.
    quote
        Currency named on the axes.
    log_y
        Logarithmic size axis: venues whose depth differs by orders of magnitude both stay
        readable.
    title, height, width
        As in :func:`premium`.

    Returns
    -------
    plotly.graph_objects.Figure
        Two step lines per venue, ``"<exchange> bids"`` and ``"<exchange> asks"``, sorted by
        ``x``, filled to zero with a light fill; asks dashed.
    """
    _need(book, "depth", [x, y, color, side])
    symbol = ""
    if "symbol" in book.columns and book["symbol"].notna().any():
        symbol = str(book["symbol"].dropna().iloc[0]).split("/")[0]
    distance = x.startswith("distance")
    if x.startswith("price"):
        x_title = f"price ({quote})"
    elif distance:
        x_title = "distance from mid (%) — bids left, asks right"
    else:
        x_title = x
    y_title = f"cumulative size ({quote})" if "notional" in y else f"cumulative size ({symbol or 'base'})"
    fig = _new_figure(
        title=(f"{symbol} order-book depth" if symbol else "Order-book depth") if title is None else title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        width=width,
    )
    fig.update_layout(hovermode="closest")
    money_axis(fig, "y")
    if x.startswith("price"):
        money_axis(fig, "x")
    if log_y:
        fig.update_yaxes(type="log")
    go_ = _go()
    for i, (venue, rows) in enumerate(_groups(book, color)):
        venue_color = defaults.venue_color(venue, i)
        for which, label, shape in (("bid", "bids", "vh"), ("ask", "asks", "hv")):
            part = rows[rows[side].astype(str).str.lower() == which]
            if not len(part):
                continue
            xv = -part[x] if distance and which == "bid" else part[x]
            order = np.argsort(xv.to_numpy(), kind="stable")
            part, xv = part.iloc[order], xv.iloc[order]
            fig.add_trace(
                go_.Scatter(
                    x=xv,
                    y=part[y],
                    name=f"{venue} {label}",
                    legendgroup=venue,
                    mode="lines",
                    line={
                        "color": venue_color,
                        "width": 2,
                        "shape": shape,
                        "dash": "solid" if which == "bid" else "dash",
                    },
                    fill="tozeroy",
                    fillcolor=_rgba(venue_color, 0.10),
                    hovertemplate=f"{venue} {label}<br>%{{x:,.6~r}} → %{{y:,.6~r}}<extra></extra>",
                )
            )
    if not len(book):
        _no_data(fig)
    return fig


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    if len(h) != 6:
        return hex_color
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def premium_distribution(
    history: pd.DataFrame,
    *,
    x: str = "premium_pct",
    color: str | None = "fx_source",
    nbins: int = 40,
    percentiles: Sequence[float] = (5.0, 95.0),
    title: str | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """Histogram of the premium per FX basis, with mean and percentile markers.

    Parameters
    ----------
    history
        A frame like ``research.premium_history`` returns.
    x
        Premium column (percent).
    color
        FX-basis column (one overlaid histogram each); ``None`` for one histogram.
    nbins
        Number of bins per histogram.
    percentiles
        Percentiles (0–100) marked with dotted vertical lines; the mean is a solid line.
    title, height, width
        As in :func:`premium`.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``histogram`` trace per basis; ``layout.shapes`` holds one vertical line per
        basis for the mean and one per percentile, each labelled by an annotation such as
        ``"usdt mean 2.31%"`` / ``"usdt p95 3.02%"``.
    """
    _need(history, "premium_distribution", [x, color])
    if nbins < 1:
        raise InvalidArgument(f"nbins must be positive, not {nbins}")
    bad = [p for p in percentiles if not 0 <= p <= 100]
    if bad:
        raise InvalidArgument(f"percentiles must be within 0..100, not {bad}")
    base = (
        str(history["base"].dropna().iloc[0])
        if "base" in history.columns and history["base"].notna().any()
        else ""
    )
    fig = _new_figure(
        title=(f"{base} premium distribution" if base else "Premium distribution")
        if title is None
        else title,
        xaxis_title="premium (%)",
        yaxis_title="samples",
        height=height,
        width=width,
    )
    fig.update_layout(barmode="overlay", hovermode="closest", bargap=0.02)
    go_ = _go()
    groups = list(_groups(history, color))
    n_marks = 1 + len(percentiles)
    # One row per label, top down: marks of different bases often sit a hair apart (the
    # means of two FX bases), so labels that shared a row would print over each other.
    row_step = min(0.075, 0.9 / max(1, n_marks * len(groups)))
    for i, (name, rows) in enumerate(groups):
        values = rows[x].to_numpy(dtype=np.float64, na_value=np.nan)
        values = values[~np.isnan(values)]
        trace_color = defaults.color(i)
        label = name or x
        fig.add_trace(
            go_.Histogram(
                x=values,
                name=label,
                nbinsx=nbins,
                opacity=0.55 if len(groups) > 1 else 0.8,
                marker={"color": trace_color, "line": {"width": 0}},
            )
        )
        if not len(values):
            continue
        marks = [("mean", float(values.mean()), "solid")]
        marks += [(f"p{p:g}", float(np.percentile(values, p)), "dot") for p in percentiles]
        for j, (what, value, dash) in enumerate(marks):
            fig.add_vline(
                x=value,
                line={"color": trace_color, "dash": dash, "width": 2 if what == "mean" else 1.5},
                annotation={
                    "text": f"{label} {what} {value:.2f}%",
                    "font": {"size": 11, "color": trace_color},
                    "yanchor": "top",
                    "y": 1 - row_step * (j + i * n_marks),
                    "bgcolor": "rgba(255,255,255,0.8)",
                    "showarrow": False,
                },
                annotation_position="top right",
            )
    if not len(history):
        _no_data(fig)
    return fig


# --- live figures (widgets) -----------------------------------------------------------------


#: Line style per crossing direction in :func:`premium_by_size`.
DIRECTION_DASH: dict[str, str] = {"binance_to_upbit": "solid", "upbit_to_binance": "dash"}


def premium_by_size(
    curve: pd.DataFrame,
    *,
    x: str = "size",
    y: str = "premium_net_exec_bps",
    fallback: str | None = "premium_after_fees_exec_bps",
    direction: str = "direction",
    color: str | None = "fx_basis",
    base: str | None = "base",
    filled: str | None = "filled",
    log_x: bool = True,
    title: str | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """Executable premium against size, one line per direction (and FX basis, and coin).

    Parameters
    ----------
    curve
        A frame like ``research.premium_curve`` returns (``executable_premium`` rows at
        several sizes).
    x, y
        Size column and premium column (bps; default the net executable premium).
    fallback
        Column drawn, dotted and named ``"... (no transfer)"``, for a line whose ``y`` is all
        NaN — without keys the route is unknown, so only the premium after fees exists.
        ``None``: draw ``y`` only.
    direction, color, base
        Columns splitting the lines: direction (solid ``binance_to_upbit``, dashed
        ``upbit_to_binance``), FX basis and coin (when several).
    filled
        Boolean column; sizes the fetched books could not fill are left out (NaN premium)
        and marked with an ``x`` on the zero line.
    log_x
        Logarithmic size axis (sizes usually span decades).
    title, height, width
        As in :func:`premium`.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per (coin, FX basis, direction) named ``"<direction> · <basis>"``; one marker
        trace ``"not filled"`` when some size did not fill; a zero line.
    """
    _need(curve, "premium_by_size", [x, y, direction, color, base, filled])
    bases = [str(b) for b in pd.unique(curve[base].dropna())] if base else []
    unit = ""
    if "size_in" in curve.columns and curve["size_in"].notna().any():
        unit = str(curve["size_in"].dropna().iloc[0])
        unit = (bases[0] if len(bases) == 1 else "base") if unit == "base" else unit
    fig = _new_figure(
        title=(f"{bases[0]} executable premium by size" if len(bases) == 1 else "Executable premium by size")
        if title is None
        else title,
        xaxis_title=f"size ({unit})" if unit else x,
        yaxis_title="premium (bps)" if y.endswith("_bps") else y,
        height=height,
        width=width,
    )
    fig.update_layout(hovermode="closest")
    money_axis(fig, "x")
    if log_x:
        fig.update_xaxes(type="log")
    go_ = _go()
    split = [c for c in ((base if len(bases) > 1 else None), color, direction) if c]
    for i, (key, rows) in enumerate(_split(curve, split)):
        rows = rows.sort_values(x, kind="stable")
        way = str(rows[direction].iloc[0])
        column, suffix = y, ""
        if fallback and rows[y].isna().all() and fallback in rows.columns and rows[fallback].notna().any():
            column, suffix = fallback, " (no transfer)"
        name = " · ".join(key[::-1]) + suffix
        fig.add_trace(
            go_.Scatter(
                x=rows[x],
                y=rows[column],
                name=name,
                mode="lines+markers",
                line={
                    "color": defaults.color(i // max(1, len(DIRECTION_DASH))),
                    "width": 2,
                    "dash": "dot" if suffix else DIRECTION_DASH.get(way, "solid"),
                },
                hovertemplate="%{x:,.6~r} → %{y:.1f} bps<extra>" + name + "</extra>",
            )
        )
    if filled and len(curve):
        missed = curve[~curve[filled].astype(bool)]
        if len(missed):
            fig.add_trace(
                go_.Scatter(
                    x=missed[x],
                    y=[0.0] * len(missed),
                    name="not filled",
                    mode="markers",
                    marker={"symbol": "x", "size": 9, "color": "#6b7280"},
                    hovertemplate="%{x:,.6~r}: the fetched book does not fill<extra></extra>",
                )
            )
    if not len(curve):
        _no_data(fig)
    return fig


def scanner(
    scan: pd.DataFrame,
    *,
    y: str = "base",
    x: str = "premium_gross_mid_bps",
    net: Sequence[str] = ("premium_net_exec_binance_to_upbit_bps", "premium_net_exec_upbit_to_binance_bps"),
    warning: str | None = "upbit_warning",
    caution: str | None = "upbit_caution_any",
    top: int | None = 20,
    title: str | None = None,
    height: int | None = None,
    width: int | None = None,
) -> go.Figure:
    """The premium scan as bars: gross mid premium per coin, the executable net as markers.

    Parameters
    ----------
    scan
        A frame like ``research.premium_scan`` returns.
    y, x
        Coin column and gross premium column (bps).
    net
        Executable premium columns drawn as markers where the scan fetched books (NaN elsewhere).
    warning, caution
        Boolean columns: bars of Upbit markets under a warning are red, under a caution amber.
    top
        Only the ``top`` rows by ``|x|`` (None: all).
    title, height, width
        As in :func:`premium`.

    Returns
    -------
    plotly.graph_objects.Figure
        A horizontal ``bar`` trace ``"gross (mid)"`` (largest on top) and one marker trace per
        ``net`` column that has a value.
    """
    _need(scan, "scanner", [y, x, warning, caution, *net])
    rows = scan[scan[x].notna()]
    if top is not None:
        rows = rows.loc[rows[x].abs().sort_values(ascending=False, kind="stable").index[:top]]
    rows = rows.iloc[::-1]  # plotly draws the first category at the bottom
    fig = _new_figure(
        title="Premium scan" if title is None else title,
        xaxis_title="premium (bps)",
        yaxis_title="",
        height=height or max(defaults.height, 22 * len(rows) + 140),
        width=width,
    )
    fig.update_layout(hovermode="closest", barmode="overlay")
    colors = []
    for _, r in rows.iterrows():
        if warning and bool(r[warning]):
            colors.append("#dc2626")
        elif caution and bool(r[caution]):
            colors.append("#d97706")
        else:
            colors.append(_rgba(defaults.color(0), 0.55))
    go_ = _go()
    fig.add_trace(
        go_.Bar(
            x=rows[x],
            y=rows[y].astype(str),
            orientation="h",
            name="gross (mid)",
            marker={"color": colors},
            hovertemplate="%{y}: %{x:.1f} bps gross at mids<extra></extra>",
        )
    )
    for i, column in enumerate(net):
        values = rows[column]
        if values.notna().any():
            label = column.removeprefix("premium_net_exec_").removesuffix("_bps")
            fig.add_trace(
                go_.Scatter(
                    x=values,
                    y=rows[y].astype(str),
                    mode="markers",
                    name=f"net executable · {label}",
                    marker={"symbol": "diamond", "size": 10, "color": defaults.color(i + 1)},
                    hovertemplate="%{y}: %{x:.1f} bps net<extra>" + label + "</extra>",
                )
            )
    if not len(rows):
        _no_data(fig)
    return fig


def figure_widget(fig: go.Figure) -> go.FigureWidget:
    """``fig`` as a ``go.FigureWidget`` (a live chart a panel can update in place).

    Needs anywidget (part of ``xtoolkit[notebook]``).
    """
    go_ = _go()
    try:
        return go_.FigureWidget(fig)
    except ImportError as exc:  # plotly's FigureWidget is built on anywidget
        raise ImportError(f"live charts need anywidget: {EXTRA_HINT}") from exc


def mime_bundle(fig: go.Figure) -> dict[str, Any]:
    """``fig`` as a notebook mime bundle (plotly JSON + a text line), independent of renderers.

    For panels that show a static figure inside an ``ipywidgets.Output``: setting the output
    to this bundle is one state change, safe from any thread, and needs no plotly renderer
    configuration (``fig.show()`` could open a browser outside a kernel).
    """
    import plotly.io as pio

    spec = json.loads(pio.to_json(fig, validate=False))
    title = fig.layout.title.text or "plotly figure"
    return {
        "application/vnd.plotly.v1+json": {
            "data": spec.get("data", []),
            "layout": spec.get("layout", {}),
            "config": {"displaylogo": False, "responsive": True},
        },
        "text/plain": f"<Figure: {title}, {len(fig.data)} traces>",
    }


def update_figure(target: go.Figure, source: go.Figure) -> None:
    """Make ``target`` (typically a ``FigureWidget``) show ``source``, in place.

    Traces are updated property by property inside one ``batch_update`` (one message to the
    frontend) when both figures have the same traces; otherwise the trace list is replaced.
    The layout is replaced as a whole. ``target`` keeps its identity, so a displayed widget
    redraws where it is.
    """
    batch = target.batch_update() if hasattr(target, "batch_update") else contextlib.nullcontext()
    with batch:
        same = [(t.type, t.name) for t in target.data] == [(t.type, t.name) for t in source.data]
        if same:
            for old, new in zip(target.data, source.data, strict=True):
                props = new.to_plotly_json()
                props.pop("type", None)
                props.pop("uid", None)
                old.update(props, overwrite=True)
        else:
            target.data = ()
            target.add_traces(list(source.data))
    # After the traces: a view that shows the new title already has the new data.
    target.layout = source.layout
    if hasattr(target, "_widget_data"):
        # plotly sends edits to views that exist as one-off messages; a view created later
        # (Voila renders after the notebook ran; a re-display) starts from the synced state,
        # which plotly never updates after construction. Keep it current.
        target._widget_data = copy.deepcopy(target._data)
        target._widget_layout = copy.deepcopy(target._layout_obj._props)


# --- export ---------------------------------------------------------------------------------


def write_html(fig: go.Figure, path: str | os.PathLike[str], *, include_plotlyjs: bool | str = True) -> Path:
    """Write ``fig`` as an HTML page; returns the path.

    ``include_plotlyjs``:

    - ``True`` (default): the page embeds plotly.js (~4.7 MB) and opens offline on its own;
    - ``"directory"``: the page (tens of KB) loads ``plotly.min.js`` from its own folder,
      written there once and shared by every chart in it — mail the page with that file, or
      use :func:`write_report` for several charts in one offline file;
    - ``False``: only the figure, for pages that load plotly.js themselves.

    No mode loads anything from the network.
    """
    if include_plotlyjs not in (True, False, "directory"):
        raise InvalidArgument(
            f"include_plotlyjs must be True, False or 'directory' (offline), not {include_plotlyjs!r}"
        )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(out, include_plotlyjs=include_plotlyjs, full_html=True)
    return out


def write_report(
    figures: Sequence[go.Figure], path: str | os.PathLike[str], *, title: str = "xtoolkit charts"
) -> Path:
    """Several figures in one self-contained HTML page with plotly.js embedded once; returns the path.

    One file that opens offline anywhere: n charts cost one plotly.js, not n.
    """
    import plotly.io as pio

    if not figures:
        raise InvalidArgument("write_report() needs at least one figure")
    parts = [
        pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False, config={"displaylogo": False})
        for i, fig in enumerate(figures)
    ]
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{safe_title}</title></head>'
        f'<body style="font-family:sans-serif;margin:16px"><h1 style="font-size:20px">{safe_title}</h1>'
        + "\n".join(f'<div class="xt-chart">{p}</div>' for p in parts)
        + "</body></html>\n"
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido will use: ``BROWSER_PATH`` first, then the usual names."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


#: What kaleido's render says when it ran in the page before its script loaded.
_KALEIDO_BLANK_CONTEXT = "kaleido_scopes is not defined"


def write_png(
    fig: go.Figure,
    path: str | os.PathLike[str],
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float = 2.0,
) -> Path:
    """Render ``fig`` to a PNG with kaleido and a local Chrome/Chromium; returns the path.

    Raises
    ------
    ChartExportError
        No Chrome/Chromium was found (install one, e.g. ``apt-get install chromium``, or set
        ``BROWSER_PATH``), or kaleido failed to render.
    ImportError
        kaleido is not installed (``pip install 'xtoolkit[notebook]'``).
    """
    try:
        import kaleido  # noqa: F401  (plotly calls it; import here for a clear message)
    except ImportError as exc:
        raise ImportError(f"PNG export needs kaleido: {EXTRA_HINT}") from exc
    browser = find_browser()
    if browser is None:
        raise ChartExportError(
            "PNG export needs Chrome or Chromium and none was found: install one "
            "(e.g. `apt-get install chromium`) or set BROWSER_PATH; write_html() needs no browser"
        )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    size = {
        "width": width or fig.layout.width or 900,
        "height": height or fig.layout.height or defaults.height,
    }
    for attempt in range(2):
        try:
            # kaleido runs its own search (BROWSER_PATH, then PATH), which find_browser() mirrors.
            fig.write_image(out, format="png", scale=scale, **size)
            break
        except Exception as exc:  # kaleido and its browser driver raise their own types
            # kaleido 1.5 enables the runtime after navigating, so on a busy machine it can bind
            # to the blank page's context, where its script is not loaded yet; a new render opens
            # a new tab. Only that error is tried again, once.
            if attempt == 0 and _KALEIDO_BLANK_CONTEXT in str(exc):
                continue
            raise ChartExportError(f"kaleido could not render the PNG with {browser}: {exc}") from exc
    return out
