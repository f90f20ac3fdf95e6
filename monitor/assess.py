"""Interim: lists every target with the latest data for its indicator and region.

The assessment engine (issue #3) replaces this module with the method of
notes/assessment-method.md; the CLI calls the same three functions.
"""

from __future__ import annotations

import pandas as pd

from . import store
from .db import Reader


def assess_store(reader: Reader, dataset: str = "official", as_of: str | None = None,
                 region: str | None = None) -> pd.DataFrame:
    targets = store.targets(reader)
    obs = store.observations(reader, dataset)
    rows = []
    for t in targets.itertuples():
        region_code = region or t.region_code
        series = obs[(obs.indicator_id == t.indicator_id) & (obs.region_code == region_code)]
        if as_of:
            series = series[series.period <= as_of]
        latest = series.sort_values(["year", "month"]).tail(1)
        rows.append({
            "target_id": t.id, "region": region_code, "status": "na",
            "latest_period": latest.period.iloc[0] if len(latest) else None,
            "latest_value": float(latest.value.iloc[0]) if len(latest) and pd.notna(latest.value.iloc[0]) else None,
            "target_value": t.target_value, "unit": t.unit,
        })
    return pd.DataFrame(rows)


def to_records(result: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
            for row in result.to_dict(orient="records")]


def to_table(result: pd.DataFrame) -> str:
    return result.to_string(index=False)
