"""Reading a plan's text: its plans, goals, sections, measures with their responsible departments, and
every quantity it states.

One scan serves two uses: the completeness test (every quantity of 湘政办发〔2021〕66号 is a target or a
listed exception; 24 + 18 measures, each with its 责任单位 line) and `python -m monitor targets draft`,
which turns the text of a new plan into a draft plan file. Pure functions of the text: no database, no
registry.

Conventions of provincial plans this relies on (and which a draft marks `# check` where it guesses):
- a plan's targets paragraph starts with "一、发展目标", its tasks with "二、主要任务";
- a section heading is a line "（一）…"; a measure is a line "1.…" (or "1．…") whose first sentence is its
  heading and which ends with "（责任单位：A、B、C。排第一位的为牵头单位，下同）" — the first name leads;
- quantities are Arabic numbers with a unit (亿元, 亿美元, 万吨, 家, 个, 条, 列, %, 个百分点 …), or the
  words 每年 / 年均 / 累计, or magnitudes in words (千亿, 万亿, 过亿美元).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_DIGITS = "一二三四五六七八九十"
SECTION_RE = re.compile(rf"^（([{CN_DIGITS}]+)）(.+?)。?$")
MEASURE_RE = re.compile(r"^(\d+)[.．](.+)$")
DUTY_RE = re.compile(r"（责任单位：([^）]*)）\s*$")
PERIOD_RE = re.compile(r"（(\d{4})\s*[—–-]+\s*(\d{4})年）")
GOALS_HEAD = "一、发展目标"
TASKS_HEAD = "二、主要任务"
REQUIREMENT_RE = re.compile(rf"^([{CN_DIGITS}]+)、(.+?)。")

# A number and its unit. Longer units first so 个百分点 is not read as 个.
_UNITS = ("个百分点", "百分点", "亿美元", "万美元", "万亿元", "亿元", "万元", "万吨", "吨", "家", "个", "条", "列",
          "%", "倍", "项", "小时")
QUANTITY_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(万)?(" + "|".join(re.escape(u) for u in _UNITS) + ")")
# Magnitudes in words: 千亿产业, 万亿大湘菜, 百亿级, 过亿美元.
WORD_MAGNITUDE_RE = re.compile(r"[十百千万]*亿(?:美元|元|级)?|万亿")
KEYWORD_RE = re.compile(r"每年|年均|累计")

# Units as (base unit, factor): 亿元 is 1e8 元. Targets and quantities compare on the base.
_UNIT_BASE = {
    "万亿元": ("元", 1e12), "亿元": ("元", 1e8), "万元": ("元", 1e4), "元": ("元", 1.0),
    "亿美元": ("美元", 1e8), "万美元": ("美元", 1e4), "美元": ("美元", 1.0),
    "万吨": ("吨", 1e4), "吨": ("吨", 1.0),
    "%": ("%", 1.0), "个百分点": ("百分点", 1.0), "百分点": ("百分点", 1.0),
}


def to_base(value: float, unit: str) -> tuple[str, float]:
    """A value in its base unit: (2, '万亿元') → ('元', 2e12); counts (家, 个 …) are their own base."""
    base, factor = _UNIT_BASE.get(unit, (unit, 1.0))
    return base, value * factor


def same_quantity(value_a: float, unit_a: str, value_b: float, unit_b: str) -> bool:
    base_a, a = to_base(value_a, unit_a)
    base_b, b = to_base(value_b, unit_b)
    return base_a == base_b and abs(abs(a) - abs(b)) <= 1e-9 * max(1.0, abs(a))


@dataclass(frozen=True)
class Quantity:
    """One quantity stated in the text: where, what it says, and its value in the unit written."""

    start: int
    end: int
    text: str
    value: float | None = None      # None for keywords (每年) and magnitudes in words (千亿)
    unit: str | None = None

    @property
    def is_number(self) -> bool:
        return self.value is not None


def _unit_of(multiplier: str | None, unit: str) -> tuple[float, str]:
    """'万' before a unit: 1万家 is 10000 家, 2万亿元 is 2 万亿元, 12万吨 stays 12 万吨."""
    if not multiplier:
        return 1.0, unit
    combined = multiplier + unit
    if combined in _UNIT_BASE:
        return 1.0, combined
    return 1e4, unit


def quantities(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order: numbers with a unit, magnitudes in words, and 每年/年均/累计."""
    found: list[Quantity] = []
    for m in QUANTITY_RE.finditer(text):
        scale, unit = _unit_of(m.group(2), m.group(3))
        found.append(Quantity(m.start(), m.end(), m.group(0), float(m.group(1)) * scale, unit))
    taken = [(q.start, q.end) for q in found]
    for m in WORD_MAGNITUDE_RE.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append(Quantity(m.start(), m.end(), m.group(0)))
    for m in KEYWORD_RE.finditer(text):
        found.append(Quantity(m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda q: (q.start, q.end))


# --------------------------------------------------------------------------- structure

@dataclass
class Measure:
    number: int
    section: str                # "（一）实施重大开放战略对接专项行动"
    title: str                  # the heading sentence, without its number and full stop
    text: str                   # the whole line, verbatim
    start: int                  # offset of the line in the text
    departments: list[str] = field(default_factory=list)   # as written; the first leads
    duty_line: str | None = None

    @property
    def lead(self) -> str | None:
        return self.departments[0] if self.departments else None

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class PlanText:
    title: str
    period: tuple[int, int] | None
    start: int                  # offset of the plan's title
    end: int
    goals_start: int
    goals_end: int
    goals_text: str
    sections: list[str] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


def parse_departments(duty: str) -> list[str]:
    """'省商务厅、长沙海关。排第一位的为牵头单位，下同' → ['省商务厅', '长沙海关']."""
    names = duty.split("。", 1)[0]
    return [n.strip() for n in re.split(r"[、，,]", names) if n.strip()]


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def _title_before(lines: list[tuple[int, str]], index: int) -> tuple[str, int]:
    """The plan title: the lines just above its preamble, up to the one naming its period."""
    # Walk up from the goals heading to the nearest line naming a period (…（2021—2023年）).
    j = index - 1
    while j >= 0 and not PERIOD_RE.search(lines[j][1]):
        j -= 1
    if j < 0:
        return "", lines[index][0]
    parts = [lines[j][1].strip()]
    k = j - 1
    # A title broken over lines: take the non-empty lines above that are not sentences (no 。).
    while k >= 0:
        line = lines[k][1].strip()
        if not line:
            k -= 1
            continue
        if "。" in line or "）" in line or "》" in line or len(line) > 40:
            break
        parts.insert(0, line)
        k -= 1
    start = lines[k + 1][0] if k + 1 < len(lines) else lines[j][0]
    while start < lines[j][0] and not any(s == start and l.strip() for s, l in lines):
        start += 1
    return "".join(parts), start


def parse(text: str) -> list[PlanText]:
    """The plans in a text, in order. A text without a 发展目标 heading yields one plan holding every measure."""
    lines = _lines(text)
    goal_rows = [i for i, (_, line) in enumerate(lines) if line.strip() == GOALS_HEAD]
    if not goal_rows:
        goal_rows = [0]
    plans: list[PlanText] = []
    for n, gi in enumerate(goal_rows):
        title, start = _title_before(lines, gi) if lines[gi][1].strip() == GOALS_HEAD else ("", 0)
        next_gi = goal_rows[n + 1] if n + 1 < len(goal_rows) else len(lines)
        # the next plan's title lines belong to the next plan
        end_row = next_gi
        if n + 1 < len(goal_rows):
            _, next_start = _title_before(lines, next_gi)
            end_row = next(i for i, (s, _) in enumerate(lines) if s >= next_start) if next_start else next_gi
        tasks = next((i for i in range(gi, end_row) if lines[i][1].strip() == TASKS_HEAD), end_row)
        goals_lines = lines[gi + 1:tasks]
        goals_start = goals_lines[0][0] if goals_lines else lines[gi][0]
        goals_end = lines[tasks][0] if tasks < len(lines) else len(text)
        period = None
        m = PERIOD_RE.search(title)
        if m:
            period = (int(m.group(1)), int(m.group(2)))
        plan = PlanText(title=title, period=period, start=start,
                        end=lines[end_row][0] if end_row < len(lines) else len(text),
                        goals_start=goals_start, goals_end=goals_end, goals_text=text[goals_start:goals_end])
        section = ""
        for pos, line in lines[tasks:end_row]:
            stripped = line.strip()
            sm = SECTION_RE.match(stripped)
            if sm:
                section = stripped.rstrip("。")
                plan.sections.append(section)
                continue
            mm = MEASURE_RE.match(stripped)
            if mm:
                body = mm.group(2)
                title_sentence = body.split("。", 1)[0]
                duty = DUTY_RE.search(stripped)
                plan.measures.append(Measure(
                    number=int(mm.group(1)), section=section, title=title_sentence, text=line,
                    start=pos, departments=parse_departments(duty.group(1)) if duty else [],
                    duty_line=duty.group(0) if duty else None))
        plans.append(plan)
    return plans


def notice_requirements(text: str, before: int) -> list[tuple[str, str, int]]:
    """The numbered requirements of a covering notice (一、加强组织领导。…) before the first plan: (number, heading, offset)."""
    out = []
    for pos, line in _lines(text):
        if pos >= before:
            break
        m = REQUIREMENT_RE.match(line.strip())
        if m:
            out.append((m.group(1), m.group(2), pos))
    return out


# --------------------------------------------------------------------------- coverage

def occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(quote)
    while start != -1 and quote:
        spans.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


@dataclass
class Cover:
    """Something that accounts for quantities: a target (value + unit) or an exception (any quantity it quotes)."""

    id: str
    quote: str
    value: float | None = None
    unit: str | None = None
    qualifiers: tuple[str, ...] = ()   # quantities in a target's quote that define what is counted
    is_exception: bool = False


def uncovered(text: str, covers: list[Cover], span: tuple[int, int] | None = None) -> list[Quantity]:
    """The quantities of `text` (within `span`) that no cover accounts for.

    A number is accounted for by a target whose quote contains it and whose value and unit it states,
    or that lists it as a qualifier ("重大外资项目（3000万美元以上）20个以上": 3000万美元 qualifies, 20个
    is the target); a keyword (每年, 年均, 累计) or a magnitude in words by any target quote containing it;
    anything by an exception's quote containing it. So every target accounts for its own number, and
    removing a target's entry leaves that number unaccounted for.
    """
    lo, hi = span or (0, len(text))
    spans = [(c, occurrences(text, c.quote)) for c in covers]
    missing = []
    for q in quantities(text):
        if not (lo <= q.start < hi):
            continue
        ok = False
        for cover, where in spans:
            inside = [s for s in where if s[0] <= q.start and q.end <= s[1]]
            if not inside:
                continue
            if cover.is_exception or not q.is_number or cover.value is None:
                ok = True
            elif q.text in cover.qualifiers:
                ok = True
            elif cover.unit and same_quantity(q.value, q.unit, cover.value, cover.unit):
                ok = True
            if ok:
                break
        if not ok:
            missing.append(q)
    return missing


# --------------------------------------------------------------------------- candidate targets (draft)

CLAUSE_SPLIT_RE = re.compile(r"[。；;]")
YEAR_RE = re.compile(r"到(\d{4})年")


@dataclass
class Candidate:
    quote: str          # the clause, verbatim
    value: float
    unit: str
    target_type: str
    comparator: str
    year: int | None
    start: int          # offset of the quantity in the text
    measure_number: int | None


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, str]]:
    out, start = [], lo
    for m in CLAUSE_SPLIT_RE.finditer(text, lo, hi):
        out.append((start, text[start:m.start()]))
        start = m.end()
    if start < hi:
        out.append((start, text[start:hi]))
    return out


def _sub_clause(clause: str, offset: int) -> tuple[int, str]:
    """The comma-separated part of a clause holding offset; parts sharing a subject keep it (…，年均增长20%以上)."""
    pieces, start = [], 0
    for m in re.finditer(r"[，,]", clause):
        pieces.append((start, clause[start:m.start()]))
        start = m.end()
    pieces.append((start, clause[start:]))
    for s, piece in pieces:
        if s <= offset < s + len(piece) + 1:
            return s, piece
    return 0, clause


def guess_kind(clause: str, unit: str) -> str:
    if "每年" in clause:
        return "annual_floor"
    if "年均" in clause or "增长" in clause and unit == "%":
        return "average_growth"
    if "百分点" in unit:
        return "pp_change"
    if "累计" in clause or re.search(r"\d+年(新增|新引进|培育)", clause):
        return "cumulative_flow"
    if unit == "%" and re.search(r"比重|贡献度|占|县市区", clause):
        return "share_level"
    if unit in ("家", "个", "条", "列", "项") and re.search(r"新增|打造|培育|建设|引进", clause):
        return "cumulative_flow"
    if unit in ("家", "个", "条", "列", "项"):
        return "stock_threshold"
    return "level_by_date"


def guess_comparator(after: str, before: str, kind: str) -> str:
    if kind == "pp_change" and re.search(r"降低|下降|减少", before):
        return "<="
    if re.match(r"以上", after):
        return ">="
    if re.search(r"(突破|超过|过)$", before):
        return ">"
    if re.search(r"(达到|达)$", before):
        return ">="
    return ">="


def candidates(text: str, plan: PlanText) -> list[Candidate]:
    """One candidate target per number with a unit in the plan's goals and measures (qualifiers included: a draft is checked by hand)."""
    zones = [(plan.goals_start, plan.goals_end, None)] + [(m.start, m.end, m.number) for m in plan.measures]
    default_year = plan.period[1] if plan.period else None
    out = []
    for lo, hi, number in zones:
        zone_year = None
        for cstart, clause in _clauses(text, lo, hi):
            ym = YEAR_RE.search(clause)
            if ym:
                zone_year = int(ym.group(1))
            for q in quantities(clause):
                if not q.is_number or q.unit == "小时":
                    continue
                sub_start, sub = _sub_clause(clause, q.start)
                # 分别突破2000亿元、2000亿元、500亿元: the whole clause is the quote of each
                quote = clause.strip() if "分别" in clause or "均达" in clause else sub.strip()
                if not re.search(r"\d", quote):
                    quote = clause.strip()
                kind = guess_kind(clause, q.unit)
                value = q.value
                if kind == "pp_change" and re.search(r"降低|下降|减少", clause[:q.start]):
                    value = -value
                comparator = guess_comparator(clause[q.end:], clause[:q.start], kind)
                out.append(Candidate(quote=quote, value=value, unit=q.unit, target_type=kind, comparator=comparator,
                                     year=zone_year or default_year, start=cstart + q.start, measure_number=number))
    return out
