"""Units as published, by family, with the factor to the family's base unit.

The importer converts a published value to its indicator's unit in SQL with these factors
(`importer.py`), and refuses a unit of another family.
"""

from __future__ import annotations

# unit → (family, factor to the family's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "元": ("cny", 1.0),
    "万元": ("cny", 1e4),
    "亿元": ("cny", 1e8),
    "万亿元": ("cny", 1e12),
    "美元": ("usd", 1.0),
    "万美元": ("usd", 1e4),
    "亿美元": ("usd", 1e8),
    "家": ("count", 1.0),
    "个": ("count", 1.0),
    "人": ("people", 1.0),
    "万人": ("people", 1e4),
    "%": ("percent", 1.0),
    # open-economy targets (湘政办发〔2021〕66号): air routes, train runs, freight; each its own family
    "条": ("routes", 1.0),
    "列": ("train_runs", 1.0),
    "万吨": ("tonnes", 1e4),  # only 万吨 is used; 吨 stays unknown (tests/corpus/unknown_unit.csv relies on it)
}

