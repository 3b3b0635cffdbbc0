"""The storm simulator's plots, drawn with Qt's QPainter into PNGs (no plotting dependency; offscreen Qt is enough).

joins-per-edge.png: join attempts per second reaching each edge around a failure, one panel per policy;
connected.png: listeners playing over time around a failure; audio-lost-cdf.png: CDF of audio lost per listener
who lost its edge, per policy.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.storm_sim import StormResult

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

POLICY_COLOURS = {"Plaza": "#1f77b4", "immediate retry": "#d62728", "fixed 1 s retry": "#ff7f0e"}
EDGE_COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
PANEL_W, PANEL_H = 900, 300


@dataclass
class Series:
    label: str
    colour: str
    xs: Sequence[float]
    ys: Sequence[float]
    width: float = 2.0


def _nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    span = max(hi - lo, 1e-9)
    step = 10 ** math.floor(math.log10(span / n))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= n:
            step *= factor
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"


def chart(p: QPainter, box: QRectF, series: Sequence[Series], x_range: tuple[float, float],
          y_range: tuple[float, float], title: str, x_label: str, y_label: str, log_x: bool = False) -> None:
    """One line chart in `box`: axes, ticks, labelled lines and a legend."""
    plot = box.adjusted(70, 30, -20, -45)
    x0, x1 = (math.log10(v) for v in x_range) if log_x else x_range
    y0, y1 = y_range

    def px(x: float) -> float:
        x = math.log10(max(x, x_range[0])) if log_x else x
        return plot.left() + (x - x0) / (x1 - x0) * plot.width()

    def py(y: float) -> float:
        return plot.bottom() - (y - y0) / (y1 - y0) * plot.height()

    p.setPen(QPen(QColor("#000000"), 1))
    p.setFont(QFont("DejaVu Sans", 10, QFont.Weight.Bold))
    p.drawText(QRectF(box.left(), box.top() + 4, box.width(), 20), Qt.AlignmentFlag.AlignHCenter, title)
    p.setFont(QFont("DejaVu Sans", 8))
    x_ticks = [10.0 ** e for e in range(math.floor(x0), math.ceil(x1) + 1)] if log_x else _nice_ticks(*x_range)
    for x in x_ticks:
        if x_range[0] <= x <= x_range[1]:
            p.setPen(QPen(QColor("#dddddd"), 1))
            p.drawLine(QPointF(px(x), plot.top()), QPointF(px(x), plot.bottom()))
            p.setPen(QPen(QColor("#000000"), 1))
            p.drawText(QRectF(px(x) - 40, plot.bottom() + 4, 80, 14), Qt.AlignmentFlag.AlignHCenter, _label(x))
    for y in _nice_ticks(y0, y1):
        p.setPen(QPen(QColor("#dddddd"), 1))
        p.drawLine(QPointF(plot.left(), py(y)), QPointF(plot.right(), py(y)))
        p.setPen(QPen(QColor("#000000"), 1))
        p.drawText(QRectF(plot.left() - 66, py(y) - 7, 62, 14), Qt.AlignmentFlag.AlignRight, _label(y))
    p.drawRect(plot)
    p.drawText(QRectF(plot.left(), plot.bottom() + 20, plot.width(), 16), Qt.AlignmentFlag.AlignHCenter, x_label)
    p.save()
    p.translate(box.left() + 12, plot.center().y())
    p.rotate(-90)
    p.drawText(QRectF(-plot.height() / 2, -8, plot.height(), 16), Qt.AlignmentFlag.AlignHCenter, y_label)
    p.restore()
    p.setClipRect(plot)
    for s in series:
        p.setPen(QPen(QColor(s.colour), s.width))
        p.drawPolyline(QPolygonF([QPointF(px(x), py(y)) for x, y in zip(s.xs, s.ys, strict=True)]))
    p.setClipping(False)
    legend = [s for s in series if s.label]
    for i, s in enumerate(legend):
        y = plot.top() + 8 + 15 * i
        p.setPen(QPen(QColor(s.colour), 3))
        p.drawLine(QPointF(plot.right() - 190, y), QPointF(plot.right() - 170, y))
        p.setPen(QPen(QColor("#000000"), 1))
        p.drawText(QRectF(plot.right() - 165, y - 7, 160, 14), Qt.AlignmentFlag.AlignLeft, s.label)


def _image(panels: int, columns: int = 1) -> tuple[QImage, QPainter]:
    rows = math.ceil(panels / columns)
    image = QImage(PANEL_W * columns, PANEL_H * rows, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return image, painter


def _panel(i: int, columns: int = 1) -> QRectF:
    return QRectF((i % columns) * PANEL_W, (i // columns) * PANEL_H, PANEL_W, PANEL_H)


def _window(results: Sequence[StormResult]) -> tuple[float, float]:
    """From 20 s before the first failure to 20 s after the slowest policy had everyone back (at most 10 min)."""
    start = min(f.at for f in results[0].config.failures)
    back = max((r.last_back for r in results if not math.isnan(r.last_back)), default=start)
    return start - 20.0, min(back + 20.0, start + 600.0)


def joins_per_edge(results: Sequence[StormResult], path: Path, scenario: str) -> None:
    image, p = _image(len(results))
    t0, t1 = _window(results)
    seconds = range(int(t0), int(t1))
    for i, r in enumerate(results):
        rows = [[row[s] for s in seconds] for row in r.attempts]
        top = max(max(row) for row in rows) * 1.1 or 1.0
        series = [Series("", EDGE_COLOURS[e % len(EDGE_COLOURS)], list(seconds), row, 1.0)
                  for e, row in enumerate(rows)]
        chart(p, _panel(i), series, (t0, t1), (0.0, top),
              f"{r.policy}: join attempts per second at each of {len(rows)} edges ({scenario}, {r.config.overload}; "
              f"capacity {r.config.join_capacity:g}/s)", "simulated time, s", "attempts/s")
    p.end()
    image.save(str(path))


def connected(results: Sequence[StormResult], path: Path, scenario: str) -> None:
    image, p = _image(1)
    t0, t1 = _window(results)
    seconds = list(range(int(t0), int(t1)))
    lo = min(min(r.connected[s] for s in seconds if s < len(r.connected)) for r in results)
    hi = max(max(r.connected[s] for s in seconds if s < len(r.connected)) for r in results)
    series = [Series(r.policy, POLICY_COLOURS.get(r.policy, "#000000"), seconds[:len(r.connected) - int(t0)],
                     r.connected[int(t0):int(t1)]) for r in results]
    chart(p, _panel(0), series, (t0, t1), (lo - (hi - lo) * 0.1 - 1, hi + (hi - lo) * 0.1 + 1),
          f"Listeners playing ({scenario}, {results[0].config.overload})", "simulated time, s", "listeners")
    p.end()
    image.save(str(path))


def audio_lost_cdf(groups: dict[str, Sequence[StormResult]], path: Path) -> None:
    image, p = _image(len(groups), 2)
    for i, (title, results) in enumerate(groups.items()):
        top = max(max(r.audio_lost, default=1.0) for r in results)
        series = []
        for r in results:
            lost = sorted(r.audio_lost)
            n = len(lost) or 1
            xs = [0.01] + [max(x, 0.01) for x in lost] + [top * 2]
            ys = [sum(1 for x in lost if x <= 0.01) / n] + [(k + 1) / n for k in range(len(lost))] + [1.0]
            step = max(1, len(xs) // 2000)  # enough points for a smooth curve
            series.append(Series(r.policy, POLICY_COLOURS.get(r.policy, "#000000"), [*xs[::step], xs[-1]],
                                 [*ys[::step], ys[-1]]))
        chart(p, _panel(i, 2), series, (0.01, max(10.0, top * 2)), (0.0, 1.0), f"Audio lost per listener: {title}",
              "audio lost, s (log scale; 0 drawn at 0.01)", "fraction of listeners", log_x=True)
    p.end()
    image.save(str(path))


def write_plots(results: dict[tuple[str, str, str], StormResult], folder: str) -> list[Path]:
    """The three PNGs from a run of every scenario × mode × policy (main's `results`)."""
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - fonts need a GUI application
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    by: dict[tuple[str, str], list[StormResult]] = {}
    for (scenario, mode, _), r in results.items():
        by.setdefault((scenario, mode), []).append(r)
    paths = [out / "joins-per-edge.png", out / "connected.png", out / "audio-lost-cdf.png"]
    key = next(k for k in by if k[0].startswith("kill one"))
    joins_per_edge(by[key], paths[0], key[0])
    two = next(k for k in by if k[0].startswith("kill two"))
    connected(by[two], paths[1], two[0])
    audio_lost_cdf({f"{s}, {m}": rs for (s, m), rs in by.items() if s.startswith("kill")}, paths[2])
    return paths
