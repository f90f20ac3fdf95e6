"""The target path from the base to the target year, and the projection at the observed pace, for charts.

The path's shape is the kind's (``monitor/target_kinds.py``: geometric or linear); docs/method.md §3–§8 and §11.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import is_missing
from ..target_kinds import BY_CODE, kind_of


def target_path(row) -> pd.DataFrame:
    """The target path from the base to the target year and the projection at the observed pace.

    Columns period ('YYYY'), year (int), value (float), series ('path' | 'projection'). Geometric for A
    (and for B in level terms when the base level is known), linear for C, D, E. Empty when the row has
    no base or target level.
    """
    get: Callable[..., Any] = (row.get if isinstance(row, dict)
                               else (lambda k, default=None: row[k] if k in row.index else default))
    empty = pd.DataFrame({"period": pd.Series(dtype=str), "year": pd.Series(dtype=int),
                          "value": pd.Series(dtype=float), "series": pd.Series(dtype=str)})
    kind = BY_CODE[get("type_code")] if get("type_code") in BY_CODE else kind_of(get("target_type"))
    b, T = get("base_year"), get("target_period")
    x0, K = get("base_value"), get("target_level")
    if kind.path == "none" or is_missing(b) or T is None or is_missing(x0) or is_missing(K):
        return empty
    b, T = int(b), int(str(T)[:4])
    if T <= b:
        return empty
    years = np.arange(b, T + 1)
    r_req = get("required_rate")
    if kind.path == "geometric" and not is_missing(r_req):
        path = x0 * (1 + r_req) ** (years - b)
    else:
        path = x0 + (K - x0) * (years - b) / (T - b)
    frames = [pd.DataFrame({"year": years, "value": path, "series": "path"})]
    t, xt = get("latest_year"), get("effective_value")
    if not is_missing(t) and not is_missing(xt) and int(t) < T:
        t = int(t)
        pyears = np.arange(t, T + 1)
        r_obs, opy = get("observed_rate"), get("observed_per_year")
        month = get("latest_month")
        if kind.family == "cumulative":
            months = 12 * (t - b - 1) + (12 if is_missing(month) else month)
            pace = xt / months if months else np.nan
            vals = np.concatenate([[xt], pace * (12 * (pyears[1:] - b))]) if len(pyears) > 1 else np.array([xt])
        elif kind.path == "geometric" and not is_missing(r_obs):
            vals = xt * (1 + r_obs) ** (pyears - t)
        elif not is_missing(opy):
            vals = xt + opy * (pyears - t)
        else:
            vals = None
        if vals is not None:
            frames.append(pd.DataFrame({"year": pyears, "value": vals, "series": "projection"}))
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    out.insert(0, "period", out["year"].astype(str))
    return out[["period", "year", "value", "series"]]
