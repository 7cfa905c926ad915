"""PNG charts with readable Chinese labels.

The CJK font comes from the `mplfonts` wheel (Noto Sans CJK SC), located by path and registered with
matplotlib directly, so nothing depends on system fonts or touches matplotlib's global config files.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.insights.analysis import InsightsReport

_PLOT_LOCK = threading.Lock()  # pyplot keeps global state


@lru_cache(maxsize=1)
def cjk_font_name() -> str:
    """Register the bundled Noto Sans CJK SC and return its family name (DejaVu Sans if absent)."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        return "DejaVu Sans"
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():  # pragma: no cover
        return "DejaVu Sans"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def bar_figure(title: str, labels: list[str], series: dict[str, list[float]]) -> Figure:
    """Horizontal bars of counts (the axis ticks are whole numbers: there is no half a question).

    The caller holds `_PLOT_LOCK` and closes the figure."""
    plt.rcParams["font.family"] = [cjk_font_name(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    height = max(2.5, 0.45 * len(labels) + 1.2)
    fig, ax = plt.subplots(figsize=(8, height), dpi=110)
    positions = list(range(len(labels)))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.barh([p + i * width for p in positions], values, height=width, label=name)
    ax.set_yticks([p + width * (len(series) - 1) / 2 for p in positions], labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    if not labels:
        ax.text(0.5, 0.5, "无数据 / no data", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    return fig


def _barh(title: str, labels: list[str], series: dict[str, list[float]]) -> bytes:
    with _PLOT_LOCK:
        fig = bar_figure(title, labels, series)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue()


def render_charts(report: InsightsReport) -> dict[str, bytes]:
    """File name → PNG bytes for each chart of the report."""
    top = report.top_keywords
    charts = {
        "trending_keywords.png": _barh(
            "热门关键词（本期 vs 上期） Trending keywords",
            [t.keyword for t in top],
            {"本期 current": [t.current for t in top], "上期 previous": [t.previous for t in top]},
        ),
        "unanswered.png": _barh(
            "未能回答的问题 Unanswered queries",
            [c.keyword for c in report.unanswered],
            {"次数 count": [c.count for c in report.unanswered]},
        ),
        "catalog_gaps.png": _barh(
            "商品缺口 Catalog gaps",
            [c.keyword for c in report.gaps],
            {"次数 count": [c.count for c in report.gaps]},
        ),
        "recommended_skus.png": _barh(
            "推荐最多的商品 Most recommended SKUs",
            [sku for sku, _ in report.recommended],
            {"次数 count": [n for _, n in report.recommended]},
        ),
        "handoff_reasons.png": _barh(
            "转人工原因 Handoff reasons",
            [reason for reason, _ in report.handoff_reasons],
            {"次数 count": [n for _, n in report.handoff_reasons]},
        ),
    }
    return charts
