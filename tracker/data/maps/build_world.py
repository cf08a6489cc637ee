"""Rebuild ``world_110m.json`` (the world map's shapes) from Natural Earth 1:110m countries.

The shapes are Natural Earth's "Admin 0 - Countries" at 1:110m (public domain), as shipped in
geopandas 0.14.4 (``geopandas/datasets/naturalearth_lowres``). Rebuild with::

    pip download --no-deps -d /tmp/ne geopandas==0.14.4 pyshp
    cd /tmp/ne && unzip -q geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' \
        && unzip -q pyshp-*.whl
    PYTHONPATH=/tmp/ne python tracker/data/maps/build_world.py \
        /tmp/ne/geopandas/datasets/naturalearth_lowres/naturalearth_lowres

The output (written here and copied to ``static/maps/`` for the dashboard) is a TopoJSON in the layout plotly.js expects of its own ``world_110m.json``
(objects ``countries`` with ISO3 ids, and ``land``), so choropleths with ``locationmode="ISO-3"``
draw from it with no internet. This script is not imported by the package.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

FIXES = {"Kosovo": "XKX"}  # Natural Earth leaves Kosovo at -99


def _ring_area(points):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(points))


def _centroid(ring):
    """Area-weighted centroid of a ring, [lon, lat] (plotly.js places hover labels there)."""
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if not a:
        return [round(ring[0][0], 2), round(ring[0][1], 2)]
    return [round(cx / (3 * a), 2), round(cy / (3 * a), 2)]


def _clean(points, digits=2):
    out = []
    for x, y in points:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) >= 4 and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def main(shp: str, out: Path) -> None:
    import shapefile  # pyshp, only needed here

    reader = shapefile.Reader(shp)
    arcs: list = []
    countries, names = [], {}
    for rec, shape in zip(reader.records(), reader.shapes()):
        iso = FIXES.get(rec["name"], rec["iso_a3"])
        if not iso or iso.startswith("-"):
            continue
        parts = list(shape.parts) + [len(shape.points)]
        polygons: list[list[int]] = []
        for a, b in itertools.pairwise(parts):
            ring = _clean(shape.points[a:b])
            if ring is None:
                continue
            idx = len(arcs)
            arcs.append(ring)
            if _ring_area(ring) <= 0 or not polygons:  # clockwise: a new outer ring
                polygons.append([idx])
            else:  # counter-clockwise: a hole in the last polygon
                polygons[-1].append(idx)
        if not polygons:
            continue
        geometry: dict[str, object] = {
            "type": "MultiPolygon", "arcs": [[[i] for i in p] for p in polygons]
        }
        largest = max((arcs[p[0]] for p in polygons), key=lambda r: abs(_ring_area(r)))
        geometry.update(id=iso, properties={"name": rec["name"], "ct": _centroid(largest)})
        countries.append(geometry)
        names[iso] = rec["name"]
    land = [{"type": g["type"], "arcs": g["arcs"]} for g in countries]
    topo = {
        "type": "Topology",
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": countries},
            "land": {"type": "GeometryCollection", "geometries": land},
            # layers plotly.js may ask for; this map draws none of them
            **{
                name: {"type": "GeometryCollection", "geometries": []}
                for name in ("coastlines", "ocean", "lakes", "rivers", "subunits")
            },
        },
        "arcs": arcs,
    }
    out.write_text(json.dumps(topo, separators=(",", ":")))
    print(f"{out}: {len(countries)} countries, {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    here = Path(__file__).with_name("world_110m.json")
    main(sys.argv[1], here)
    # the dashboard serves a copy (Streamlit static serving; see tracker/countrymap.py)
    served = Path(__file__).resolve().parents[3] / "static" / "maps" / here.name
    served.parent.mkdir(parents=True, exist_ok=True)
    served.write_bytes(here.read_bytes())
