"""What the maps and the history chart show: classes, labels and titles per area, ready for the SVG templates.

No figure is computed here: values come from ``coverage`` (through ``selectors``), geometry from ``maps``.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import coverage, maps, selectors
from .coverage import Coverage, LeistungCoverage
from .report import percent

MONTHS_SHORT = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]


def _legend(prefix: str, classes: list[int] | None = None) -> list[dict]:
    wanted = classes if classes is not None else range(len(maps.CLASSES))
    return [{"cls": i, "label": maps.CLASSES[i][0], "fill": f"url(#{prefix}-c{i})", "x": 10, "y": 0} for i in wanted]


def _patterns(prefix: str) -> list[dict]:
    return [{"id": f"{prefix}-c{i}", "color": color, "kind": kind} for i, (_, color, kind) in enumerate(maps.CLASSES)]


def _kreis_shapes(prefix: str, values: dict[str, float], names: dict[str, str]) -> list[dict]:
    shapes = []
    for shape in maps.kreise():
        value = values.get(shape.key)
        cls = maps.share_class(value) if value is not None else 0
        name = names.get(shape.key, shape.name)
        text = percent(value) if value is not None else "–"
        shapes.append(
            {
                "d": shape.d,
                "fill": f"url(#{prefix}-c{cls})",
                "title": f"{name}: {text}",
                "label": text,
                "x": round(shape.label_at[0], 1),
                "y": round(shape.label_at[1], 1),
                "dark": cls >= 3,
            }
        )
    return shapes


def _paths(shapes: list[dict]) -> str:
    """The areas as SVG markup, joined here: 419 Gemeinden through the template loop cost more than the
    rest of the page. Names and values are escaped; path data and fills are our own numbers and ids."""
    return mark_safe(  # noqa: S308 (every interpolated text is escaped)
        "".join(
            f'<path d="{s["d"]}" fill="{escape(s["fill"])}"><title>{escape(s["title"])}</title></path>' for s in shapes
        )
    )


def _frame(prefix: str, title: str, shapes: list[dict], legend: list[dict], labels: bool) -> dict:
    for i, item in enumerate(legend):
        item["y"] = 10 + i * 22
    return {
        "paths": _paths(shapes),
        "id": prefix,
        "title": title,
        "width": maps.WIDTH,
        "height": maps.height(),
        "shapes": shapes,
        "labels": labels,
        "patterns": _patterns(prefix),
        "legend": legend,
        "legend_height": 14 + len(legend) * 22,
        "attribution": maps.ATTRIBUTION,
    }


def overview_map(*, stichtag: date) -> dict | None:
    if not maps.available():
        return None
    values = selectors.overview_by_kreis(stichtag=stichtag)
    names = dict(selectors.areas())
    title = "Durchschnittliche Flächendeckung nach Einwohnern je Kreis über alle aufgeführten Online-Leistungen"
    return _frame(
        "karte-uebersicht", title, _kreis_shapes("karte-uebersicht", values, names), _legend("karte-uebersicht"), True
    )


def kreis_map(result: LeistungCoverage) -> dict | None:
    if not maps.available():
        return None
    values = {k.gebiet: float(k.anteil_einwohner) for k in result.kreise if k.behoerden_zustaendig}
    names = {k.gebiet: k.gebiet_name for k in result.kreise}
    title = "Anteil der Einwohner mit Online-Angebot je Kreis"
    return _frame("karte-kreise", title, _kreis_shapes("karte-kreise", values, names), _legend("karte-kreise"), True)


def gemeinde_map(result: LeistungCoverage) -> dict | None:
    if not maps.available():
        return None
    prefix = "karte-gemeinden"
    shapes = []
    snap = coverage.current().snap  # one stamp check, not one per Gemeinde
    for shape in maps.gemeinden():
        # The boundaries are of 2021: a Gemeinde merged since is drawn as its successor (register history).
        row = snap.by_ags.get(shape.key)
        current = snap.current_of(row.pk) if row is not None else None
        covered = current is not None and current.pk in result.covered_gemeinden
        name = current.name if current is not None else shape.name
        shapes.append(
            {
                "d": shape.d,
                "fill": f"url(#{prefix}-c{5 if covered else 0})",
                "title": f"{name}: {'Online-Angebot' if covered else 'kein Online-Angebot'}",
            }
        )
    legend = [
        {"cls": 5, "label": "Online-Angebot", "fill": f"url(#{prefix}-c5)"},
        {"cls": 0, "label": "kein Online-Angebot", "fill": f"url(#{prefix}-c0)"},
    ]
    return _frame(prefix, "Gemeinden, deren zuständige Behörde die Leistung online anbietet", shapes, legend, False)


def history_chart(history: list[Coverage]) -> dict:
    """Bars of the population share over time (with the values as text and in a table beside it)."""
    width, height, left, bottom, top = 640.0, 240.0, 44.0, 40.0, 12.0
    plot_h = height - bottom - top
    n = max(1, len(history))
    slot = (width - left - 8) / n
    bars = []
    for i, point in enumerate(history):
        value = float(point.anteil_einwohner)
        h = round(plot_h * value, 1)
        x = round(left + i * slot + slot * 0.15, 1)
        bars.append(
            {
                "x": x,
                "y": round(top + plot_h - h, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "title": f"{point.stichtag:%d.%m.%Y}: {percent(value)} der Einwohner, "
                f"{point.behoerden_mit_angebot} von {point.behoerden_zustaendig} Behörden",
                "label": f"{MONTHS_SHORT[point.stichtag.month - 1]} {point.stichtag:%y}",
                "label_x": round(x + slot * 0.35, 1),
                "show_label": (n <= 12 or i % max(1, n // 8) == 0 or i == n - 1)
                and not (
                    i
                    and (history[i - 1].stichtag.year, history[i - 1].stichtag.month)
                    == (point.stichtag.year, point.stichtag.month)
                ),
            }
        )
    grid = [{"y": round(top + plot_h * (1 - f), 1), "label": f"{int(f * 100)} %"} for f in (0, 0.25, 0.5, 0.75, 1.0)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "bars": bars,
        "grid": grid,
        "base_y": top + plot_h,
        "label_y": height - bottom + 16,
    }
