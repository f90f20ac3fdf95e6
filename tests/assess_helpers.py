"""Small builders for hand-made targets and observations in the assessment tests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from monitor import assess as A

TODAY = date(2026, 11, 28)

INDICATORS = pd.DataFrame([
    ("retail_sales", "社会消费品零售总额", "Retail sales of consumer goods", "亿元", "flow"),
    ("trade_total", "进出口总额", "Total imports and exports", "亿元", "flow"),
    ("logistics_cost_gdp_ratio", "社会物流总费用与GDP的比率", "Logistics cost as a share of GDP", "%", "ratio"),
    ("new_firms", "新增限额以上批零住餐企业", "New above-quota firms", "家", "flow"),
    ("brands", "网销“一县一品”品牌", "County online brands", "个", "stock"),
    ("old_brands", "老字号企业数量", "Time-honoured brands", "家", "stock"),
    ("widgets", "样例指标", "Example indicator", "个", "stock"),
    ("level", "样例总量", "Example level", "亿元", "flow"),
], columns=["id", "name_zh", "name_en", "unit", "kind"])


def target(id="t", indicator="level", type="level_by_date", value=None, comparator=">=", unit="亿元",
           base_period="2020", base_value=np.nan, target_period="2023", direction="increase",
           region="430000", thresholds=(0.95, 0.60, 0.0), name_zh=None, name_en=None) -> dict:
    return {
        "id": id, "plan_id": "plan", "indicator_id": indicator, "target_type": type,
        "base_period": base_period, "base_value": base_value, "target_period": target_period,
        "target_value": value, "comparator": comparator, "unit": unit, "direction": direction,
        "region_code": region, "thresholds": list(thresholds),
        "name_zh": name_zh or f"目标{id}", "name_en": name_en or f"target {id}", "sort_order": 0,
    }


def obs(*rows) -> pd.DataFrame:
    """rows: (indicator, region, period, value, yoy_pct[, status]); period 'YYYY' or 'YYYY-MM' (year to date)."""
    out = []
    for row in rows:
        ind, reg, period, value, yoy = row[:5]
        status = row[5] if len(row) > 5 else None
        ytd = len(period) > 4
        out.append({
            "indicator_id": ind, "region_code": reg, "period": period,
            "period_type": "ytd" if ytd else "annual", "year": int(period[:4]),
            "month": int(period[5:7]) if ytd else 12,
            "value": np.nan if value is None else float(value),
            "yoy_pct": np.nan if yoy is None else float(yoy), "status": status,
        })
    columns = ["indicator_id", "region_code", "period", "period_type", "year", "month", "value", "yoy_pct", "status"]
    return pd.DataFrame(out, columns=columns)


def run(targets, observations, **kw) -> pd.DataFrame:
    kw.setdefault("today", TODAY)
    kw.setdefault("indicators", INDICATORS)
    if isinstance(targets, dict):
        targets = [targets]
    return A.assess(pd.DataFrame(targets), observations, **kw)


def one(targets, observations, **kw) -> pd.Series:
    result = run(targets, observations, **kw)
    assert len(result) == 1, result
    return result.iloc[0]
