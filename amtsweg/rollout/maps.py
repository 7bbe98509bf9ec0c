"""Choropleth maps of Saxony (by Kreis, by Gemeinde) as inline SVG, from the official BKG VG5000 boundaries.

The shapefiles (Gauß-Krüger zone 3, EPSG:31467) are read once per process with pyshp and reprojected to
UTM zone 33 (EPSG:25833, Saxony's own zone) with pyproj, then scaled linearly into the SVG's box. The SVG
uses presentation attributes and ``<pattern>`` fills only — no ``style`` — so it passes the strict CSP;
each class has its own hatching as well as its colour (readable without colour), each area a ``<title>``,
and every page that shows a map has the same figures as a table. Gemeinden merged since the boundaries'
date (01.01.2021) are matched through the register's history: the old area is drawn as its successor.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ATTRIBUTION = "© GeoBasis-DE / BKG 2021 (Datenlizenz Deutschland – Namensnennung – 2.0)"
WIDTH = 600.0
_lock = threading.Lock()
_cache: dict[str, list[tuple[str, str, str, tuple[float, float]]]] = {}
_box: list[float] = []


@dataclass(frozen=True)
class Shape:
    key: str  # ARS (Kreis) or AGS (Gemeinde) as in the shapefile
    name: str
    d: str  # SVG path data
    label_at: tuple[float, float]


# Classes of a share: colour *and* pattern, with a legend text; index 0 = no offer.
CLASSES = (
    ("kein Angebot", "#ffffff", "none"),
    ("unter 25 %", "#deebf7", "dots"),
    ("25 bis unter 50 %", "#9ecae1", "sparse"),
    ("50 bis unter 75 %", "#4292c6", "lines"),
    ("75 bis unter 100 %", "#2171b5", "cross"),
    ("100 %", "#08306b", "dense"),
)


def share_class(value: float) -> int:
    if value <= 0:
        return 0
    if value >= 1:
        return 5
    return 1 + min(3, int(value * 4))


def _data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "bkg-vg5000"


def available() -> bool:
    return (_data_dir() / "VG5000_KRS.shp").exists()


def _load(level: str) -> list[tuple[str, str, str, tuple[float, float]]]:
    """(key, name, path data, label point) for every Saxon unit of ``level`` ("KRS" or "GEM")."""
    with _lock:
        if level in _cache:
            return _cache[level]
        import shapefile
        from pyproj import Transformer

        to_utm = Transformer.from_crs("EPSG:31467", "EPSG:25833", always_xy=True)
        if not _box:
            land = shapefile.Reader(str(_data_dir() / "VG5000_LAN"), encoding="utf-8")
            xs, ys = [], []
            for rec, shp in zip(land.records(), land.shapes(), strict=True):
                if str(rec["ARS"]) == "14":
                    x, y = to_utm.transform([p[0] for p in shp.points], [p[1] for p in shp.points])
                    xs += list(x)
                    ys += list(y)
            _box.extend([min(xs), min(ys), max(xs), max(ys)])
        minx, miny, maxx, maxy = _box
        scale = WIDTH / (maxx - minx)
        reader = shapefile.Reader(str(_data_dir() / f"VG5000_{level}"), encoding="utf-8")
        out = []
        for i, rec in enumerate(reader.iterRecords(fields=["ARS", "AGS", "GEN"])):
            ars = str(rec["ARS"])
            if not ars.startswith("14"):
                continue
            shp = reader.shape(i)
            xs, ys = to_utm.transform([p[0] for p in shp.points], [p[1] for p in shp.points])
            pts = [((x - minx) * scale, (maxy - y) * scale) for x, y in zip(xs, ys, strict=True)]
            parts = list(shp.parts) + [len(pts)]
            segments: list[str] = []
            biggest: list[tuple[float, float]] = []
            for start, end in zip(parts, parts[1:], strict=False):
                ring = pts[start:end]
                if len(ring) > len(biggest):
                    biggest = ring
                segments.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z")
            label = _centroid(biggest)
            key = ars if level == "KRS" else str(rec["AGS"])
            out.append((key, str(rec["GEN"]), "".join(segments), label))
        _cache[level] = out
        return out


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """Area centroid of a ring (shoelace); the vertex mean drifts towards finely drawn borders."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return (cx / (3 * area), cy / (3 * area))


def height() -> float:
    _load("KRS")
    minx, miny, maxx, maxy = _box
    return round((maxy - miny) * WIDTH / (maxx - minx), 1)


def kreise() -> list[Shape]:
    return [Shape(k, n, d, lab) for k, n, d, lab in _load("KRS")]


def gemeinden() -> list[Shape]:
    return [Shape(k, n, d, lab) for k, n, d, lab in _load("GEM")]
