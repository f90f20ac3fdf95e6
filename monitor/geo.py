"""The prefecture boundaries (a schematic, see data/geo/NOTICE), read once."""

from __future__ import annotations

import json
from functools import lru_cache

from .config import DATA_DIR

PREFECTURES_GEOJSON = DATA_DIR / "geo" / "hunan_prefectures.geojson"


@lru_cache(maxsize=1)
def prefecture_shapes() -> dict:
    return json.loads(PREFECTURES_GEOJSON.read_text(encoding="utf-8"))
