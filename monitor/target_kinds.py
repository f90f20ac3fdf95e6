"""The one table of target kinds: what each kind of plan target computes, and how it reads.

In the spirit of datasette's ``Filters`` (each variant declares its computation and its words side by side)
and Open SDG's ``ProgressMeasure`` (one function per methodology, statuses as codes): every kind of target
the plans use is one ``TargetKind`` entry below. The registry validates ``target_type`` against it, the engine
(``monitor/assess``) dispatches on its ``family``, the wording module picks its sentence by ``code``, and
pages ask it questions (``chart``, ``is_growth``…) instead of comparing ``target_type`` strings.

Words live in the locale catalog under ``kind.<target_type>.*`` (name, definition, rule, completion and
schedule meanings); ``docs/method.md`` gives the formulas with hand-worked examples.

Adding a kind = one entry here + its function in the engine family (``monitor/assess/``) + its sentence in
``monitor/assess/wording.py`` + its words in both catalogs + tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import t


@dataclass(frozen=True)
class TargetKind:
    """One kind of target.

    code        one letter, used in the engine's columns and the method's formulas (A, B, …)
    target_type the name used in data/plans/*.toml
    family      which engine computation assesses it: "levels" (A, C, E, S), "growth" (B), "cumulative" (D),
                "floor" (F); "none" for aims without a number
    chart       how the indicator page draws it: "level" (series against a target line/path), "growth"
                (bars of annual growth against the target rate), "none"
    path        shape of the target path from base to target year: "geometric", "linear", "none"
    yardstick   how a provincial target becomes a region's yardstick: "required_rate" (the province's required
                rate applied to the region's own base), "same_value" (the same rate or change), "base_ratio"
                (the target scaled by the region's base against the province's), "flow_ratio" (scaled by the
                region's base-year flow), "none" (not meaningful for a region: not shown as its status)
    completion  what 完成 (the completion share) means: "level_share" (latest ÷ target), "rate_share"
                (observed ÷ target rate), "change_share" (change achieved ÷ change required), "cumulative_share"
                (cumulative ÷ total), "gap_share" (share of the gap from the base closed), "years_met"
                (years at or above the floor ÷ years of the plan)
    schedule    what 时序进度 is for this kind: "target_path" (the path value's share of the target),
                "elapsed_time" (years or months elapsed ÷ the plan's), "rate" (none: compared by rate)
    """

    code: str
    target_type: str
    family: str
    chart: str
    path: str
    yardstick: str
    completion: str
    schedule: str

    @property
    def scored(self) -> bool:
        return self.family != "none"

    @property
    def is_growth(self) -> bool:
        """Read against a rate (年均增长…), not a level."""
        return self.chart == "growth"

    @property
    def value_is_points(self) -> bool:
        """The target is a change in percentage points of a ratio (pp_change): its latest value is a ratio in %."""
        return self.completion == "change_share"

    def name(self, lang: str) -> str:
        return t(f"kind.{self.target_type}.name", lang)

    def definition(self, lang: str) -> str:
        return t(f"kind.{self.target_type}.definition", lang)


KINDS: tuple[TargetKind, ...] = (
    TargetKind("A", "level_by_date", "levels", "level", "geometric", "required_rate", "level_share", "target_path"),
    TargetKind("B", "average_growth", "growth", "growth", "geometric", "same_value", "rate_share", "rate"),
    TargetKind("C", "pp_change", "levels", "level", "linear", "same_value", "change_share", "elapsed_time"),
    TargetKind("D", "cumulative_flow", "cumulative", "level", "linear", "flow_ratio", "cumulative_share",
               "elapsed_time"),
    TargetKind("E", "stock_threshold", "levels", "level", "linear", "base_ratio", "gap_share", "elapsed_time"),
    TargetKind("F", "annual_floor", "floor", "level", "none", "none", "years_met", "elapsed_time"),
    TargetKind("S", "share_level", "levels", "level", "linear", "none", "gap_share", "elapsed_time"),
    TargetKind("N", "no_numeric_target", "none", "none", "none", "none", "none", "rate"),
)

BY_TYPE: dict[str, TargetKind] = {k.target_type: k for k in KINDS}
BY_CODE: dict[str, TargetKind] = {k.code: k for k in KINDS}
TARGET_TYPES: tuple[str, ...] = tuple(BY_TYPE)
TYPE_CODES: dict[str, str] = {k.target_type: k.code for k in KINDS}
NOT_SCORED = BY_TYPE["no_numeric_target"]


def kind_of(target_type: str | None) -> TargetKind:
    """The kind of a target_type string; an unknown or missing type is an aim without a number."""
    return BY_TYPE.get(target_type or "", NOT_SCORED)


def codes_in(family: str) -> tuple[str, ...]:
    """The kind codes the engine assesses with one family's computation."""
    return tuple(k.code for k in KINDS if k.family == family)


def codes_where(**wanted: str) -> tuple[str, ...]:
    """Kind codes whose attributes equal the given values, e.g. ``codes_where(yardstick="none")``."""
    return tuple(k.code for k in KINDS if all(getattr(k, a) == v for a, v in wanted.items()))
