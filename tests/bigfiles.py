"""Large long-format CSV files generated at test time (never checked in)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from tests.conftest import PROJECT_ROOT

HEADER = "indicator,region,period,value,unit,yoy_pct,source,source_url,note\n"
# Non-derived indicators stored in 亿元, so every generated row is valid.
INDICATORS = ("retail_sales", "online_retail", "physical_online_retail", "online_goods_services_retail",
              "online_goods_retail", "above_quota_online_retail", "logistics_cost", "gdp", "trade_total",
              "imports", "service_trade", "cross_border_ecommerce_exports")
SOURCE = "湖南省统计局（测试生成的数据，检验大文件导入）"


def region_codes() -> list[str]:
    codes = []
    for path in sorted((PROJECT_ROOT / "data").glob("regions*.csv")):
        with path.open(encoding="utf-8") as fh:
            codes += [row["code"] for row in csv.DictReader(fh)]
    return codes


def periods() -> list[str]:
    return [p for year in range(1950, 2026) for p in [str(year)] + [f"{year}-{m:02d}" for m in range(1, 13)]]


def long_lines(n: int, source: str = SOURCE) -> list[str]:
    """n distinct valid rows (indicator × region × period), as CSV lines."""
    keys = itertools.product(INDICATORS, region_codes(), periods())
    return [f"{ind},{region},{period},{(i % 997) + 0.5},亿元,,{source},,\n"
            for i, (ind, region, period) in zip(range(n), keys)]


def write_long_csv(path: Path, n: int, *, bad_row: int | None = None, bad_value: str = "abc",
                   source: str = SOURCE) -> Path:
    """Write n rows; `bad_row` (file row number, header = 1) gets a non-numeric value."""
    lines = long_lines(n, source)
    if bad_row is not None:
        fields = lines[bad_row - 2].split(",")
        fields[3] = bad_value
        lines[bad_row - 2] = ",".join(fields)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        fh.writelines(lines)
    return path
