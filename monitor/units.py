"""Units as published and conversion to an indicator's unit."""

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


class UnitError(ValueError):
    pass


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a value in from_unit by this to get to_unit; raises UnitError if they do not convert."""
    if from_unit == to_unit:
        return 1.0
    if from_unit not in UNITS:
        raise UnitError(f"unknown unit {from_unit!r}; known units: {', '.join(UNITS)}")
    if to_unit not in UNITS:
        raise UnitError(f"unknown unit {to_unit!r}")
    fam_from, f_from = UNITS[from_unit]
    fam_to, f_to = UNITS[to_unit]
    if fam_from != fam_to:
        raise UnitError(f"unit {from_unit!r} cannot be converted to {to_unit!r}")
    return f_from / f_to


def convert(value: float | None, from_unit: str, to_unit: str) -> float | None:
    if value is None:
        return None
    # Round away binary noise from the scale factor (16.7 万亿元 → 167000 亿元, not 166999.99999999997).
    return round(value * conversion_factor(from_unit, to_unit), 9)
