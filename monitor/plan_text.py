"""Reading a plan's text: its plans, goals, sections, measures with their responsible departments, and
every quantity it states.

One concern (issue 10 allows a long module for one concern): reading a plan's text.

One scan serves two uses: the completeness test (every quantity of 湘政办发〔2021〕66号 is a target or a
listed exception; 24 + 18 measures, each with its 责任单位 line) and `python -m monitor targets draft`,
which turns the text of a new plan into a draft plan file. Pure functions of the text: no database, no
registry.

Conventions of provincial plans this relies on (and which a draft marks `# check` where it guesses):
- a plan's targets paragraph starts with "一、发展目标", its tasks with "二、主要任务";
- a section heading is a line "（一）…"; a measure is a line "1.…" (or "1．…") whose first sentence is its
  heading and which ends with "（责任单位：A、B、C。排第一位的为牵头单位，下同）" — the first name leads;
- quantities are Arabic numbers with a unit (亿元, 亿美元, 万吨, 家, 个, 条, 列, %, 个百分点 …), or the
  words 每年 / 年均 / 累计 / 全部完成 / 全覆盖, or magnitudes in words (千亿, 万亿, 过亿美元).
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
# Quantities in words: a rate or period (每年, 年均, 累计) or a whole (全部完成, 全覆盖 = 100%).
KEYWORD_RE = re.compile(r"每年|年均|累计|全部完成|全覆盖")

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
    while start < lines[j][0] and not any(s == start and line.strip() for s, line in lines):
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

    A keyword (每年, 年均, 累计), a magnitude in words, or a number a target lists as defining what it counts
    ("重大外资项目（3000万美元以上）20个以上": 3000万美元) is accounted for by any cover whose quote contains it;
    anything by an exception's quote containing it. Every other number must be claimed by a target whose quote
    contains it and whose value and unit it states, each target claiming at most one number (a maximum
    matching). So removing a target's entry leaves its number unclaimed, even where two targets share a quote
    ("分别突破2000亿元、2000亿元、500亿元"); only one number stated for two targets ("均达75%以上") is
    claimed by either.
    """
    lo, hi = span or (0, len(text))
    spans = [(c, occurrences(text, c.quote)) for c in covers]
    missing: list[Quantity] = []
    to_claim: list[tuple[Quantity, list[int]]] = []
    for q in quantities(text):
        if not (lo <= q.start < hi):
            continue
        holders = [(i, cover) for i, (cover, where) in enumerate(spans)
                   if any(s[0] <= q.start and q.end <= s[1] for s in where)]
        if any(c.is_exception or not q.is_number or q.text in c.qualifiers for _, c in holders):
            continue
        claimants = [i for i, c in holders if c.value is not None and c.unit and q.value is not None and q.unit
                     and same_quantity(q.value, q.unit, c.value, c.unit)]
        if not claimants:
            missing.append(q)
        else:
            to_claim.append((q, claimants))
    owner: dict[int, int] = {}   # cover index → index in to_claim

    def claim(k: int, seen: set[int]) -> bool:
        for i in to_claim[k][1]:
            if i in seen:
                continue
            seen.add(i)
            if i not in owner or claim(owner[i], seen):
                owner[i] = k
                return True
        return False

    claimed = {k for k in range(len(to_claim)) if claim(k, set())}
    missing += [q for k, (q, _) in enumerate(to_claim) if k not in claimed]
    return sorted(missing, key=lambda q: q.start)


def covers_of(plan_files: list[dict]) -> list[Cover]:
    """Targets and exceptions of parsed plan files (tomllib dicts) as covers."""
    out: list[Cover] = []
    for raw in plan_files:
        for spec in raw.get("targets", []):
            numeric = spec.get("target_type") != "no_numeric_target" and "target_value" in spec
            out.append(Cover(spec["id"], spec["quote_zh"], float(spec["target_value"]) if numeric else None,
                             spec.get("unit") if numeric else None, tuple(spec.get("defining_quantities", []))))
        for n, spec in enumerate(raw.get("exceptions", []), start=1):
            out.append(Cover(f"exception {n}", spec["quote_zh"], is_exception=True))
    return out


def completeness_problems(text: str, plan_files: list[dict]) -> list[str]:
    """Everything that keeps the plan files from covering the text: unaccounted quantities, targets stating a
    number their quote does not hold, targets listed nowhere, twice or not at all, and measures whose text,
    lead or co-departments differ from the text's 责任单位 line. Empty when the plan files are complete."""
    problems: list[str] = []
    covers = covers_of(plan_files)
    for q in uncovered(text, covers):
        context = text[max(0, q.start - 15):q.end + 5].replace("\n", " ")
        problems.append(f"quantity {q.text!r} at {q.start} is neither a target nor an exception: …{context}…")
    for raw in plan_files:
        targets = {spec["id"]: spec for spec in raw.get("targets", [])}
        for spec in targets.values():
            if spec.get("target_type") == "no_numeric_target" or "target_value" not in spec:
                continue
            stated = [q for s, e in occurrences(text, spec["quote_zh"]) for q in quantities(text[s:e])
                      if q.is_number and q.value is not None and q.unit is not None
                      and same_quantity(q.value, q.unit, float(spec["target_value"]), spec.get("unit", ""))]
            if not stated and not (spec.get("stated_as") and spec["stated_as"] in spec["quote_zh"]):
                problems.append(f"target {spec['id']!r}: its quote does not state {spec['target_value']} {spec.get('unit')}")
        places = [("[goals]", (raw.get("goals") or {}).get("targets", []))]
        places += [(f"measure {m.get('id')!r}", m.get("targets", [])) for m in raw.get("measures", [])]
        seen: dict[str, str] = {}
        for where, listed in places:
            for target_id in listed:
                if target_id not in targets:
                    problems.append(f"{where} lists {target_id!r}, which has no [[targets]] entry")
                elif target_id in seen:
                    problems.append(f"target {target_id!r} is listed by {seen[target_id]} and by {where}")
                else:
                    seen[target_id] = where
        problems += [f"target {t!r} belongs to no measure and not to [goals]" for t in targets if t not in seen]
        problems += _measure_problems(text, raw, targets)
    return problems


def _measure_problems(text: str, raw: dict, targets: dict[str, dict]) -> list[str]:
    """The plan file's measures against the text: same count and order, each with its 责任单位 line, the lead
    the first name of that line and the co-departments the rest in order; each target's quote inside the
    measure (or the 发展目标 paragraph) that lists it."""
    title = (raw.get("plan") or {}).get("title_zh")
    parsed = next((p for p in parse(text) if p.title == title), None)
    if parsed is None:
        return [f"plan {title!r}: no plan of that title in the text"]
    problems = []
    listed = raw.get("measures", [])
    if len(listed) != len(parsed.measures):
        problems.append(f"plan {title!r}: {len(listed)} measures in the file, {len(parsed.measures)} in the text")
    for spec, m in zip(listed, parsed.measures):
        where = f"measure {spec.get('id')!r}"
        if m.duty_line is None:
            problems.append(f"{where}: the text's measure {m.number} has no 责任单位 line")
        checks = (("number", spec.get("number"), m.number), ("text_zh", spec.get("text_zh"), m.text),
                  ("title_zh", spec.get("title_zh"), m.title), ("section", spec.get("section"), m.section),
                  ("lead", spec.get("lead"), m.lead), ("co_departments", spec.get("co_departments"), m.departments[1:]))
        problems += [f"{where}: {name} is {got!r}, the text has {want!r}" for name, got, want in checks if got != want]
        for target_id in spec.get("targets", []):
            if target_id in targets and targets[target_id]["quote_zh"] not in m.text:
                problems.append(f"{where}: target {target_id!r} is not quoted from this measure")
    goals = parsed.goals_text
    for target_id in (raw.get("goals") or {}).get("targets", []):
        if target_id in targets and targets[target_id]["quote_zh"] not in goals:
            problems.append(f"[goals]: target {target_id!r} is not quoted from the 发展目标 paragraph")
    return problems


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


VERB_RE = re.compile(r"突破|达到|超过|增长|实现|引进|新增|培育|打造|降低|开通")


def pieces(clause: str) -> list[tuple[int, str]]:
    """A clause cut at commas, and at 、 between two statements each with its own quantity (and a verb after):
    "过100亿元企业突破10家、过10亿元企业突破100家" is two pieces; "分别突破2000亿元、2000亿元、500亿元",
    "国家（地区）、RCEP成员国、非洲国家…" and "开放强县（市、区）…" are one."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in re.finditer(r"[，,]", clause + "，"):
        part, base = clause[start:m.start()], start
        cut = 0
        for d in re.finditer("、", part):
            following = part[d.end():].split("、", 1)[0]
            before = part[cut:d.start()]
            if (VERB_RE.search(following) and QUANTITY_RE.search(following) and QUANTITY_RE.search(before)
                    and before.count("（") == before.count("）")):
                out.append((base + cut, part[cut:d.start()]))
                cut = d.end()
        out.append((base + cut, part[cut:]))
        start = m.end()
    return [(s, p) for s, p in out if p.strip()]


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
            cut = pieces(clause)
            for k, (pstart, piece) in enumerate(cut):
                found = [q for q in quantities(piece) if q.is_number and q.unit != "小时"]
                quote = piece.strip()
                if k and re.match(r"\s*(年均|同比|增长)", piece):
                    # "…零售总额突破2万亿元，年均增长7.5%以上": the rate's subject is the piece before
                    prev_start = cut[k - 1][0]
                    quote = clause[prev_start:pstart + len(piece)].strip()
                for q in found:
                    if q.value is None or q.unit is None:  # a number without a unit states no target
                        continue
                    kind = guess_kind(piece, q.unit)
                    value = q.value
                    if kind == "pp_change" and re.search(r"降低|下降|减少", piece[:q.start]):
                        value = -value
                    # 分别突破A、B、C: every value takes the verb before the first
                    verb_end = found[0].start if "分别" in piece else q.start
                    comparator = guess_comparator(piece[q.end:], piece[:verb_end], kind)
                    out.append(Candidate(quote=quote, value=value, unit=q.unit, target_type=kind, comparator=comparator,
                                         year=zone_year or default_year, start=cstart + pstart + q.start,
                                         measure_number=number))
    return out


# --------------------------------------------------------------------------- draft plan file

CHECK = "  # check"


def _q(text: str) -> str:
    """A TOML basic string."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in out) + '"'


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def guess_indicator(clause: str, indicators: dict[str, dict]) -> str | None:
    """The indicator whose Chinese name (or the name before a bracket) the clause contains; the longest wins."""
    best, best_len = None, 0
    for ind_id, spec in indicators.items():
        name = spec.get("name_zh") or ""
        for key in {name, re.split(r"[（(]", name)[0]}:
            if len(key) >= 3 and key in clause and len(key) > best_len:
                best, best_len = ind_id, len(key)
    return best


def guess_region(title: str, regions: dict[str, str]) -> str | None:
    """The region (name → code) named in the plan's title, longest name first (长沙市 before 长沙)."""
    for name in sorted(regions, key=len, reverse=True):
        if len(name) >= 2 and name in title:
            return regions[name]
    return None


def draft_toml(text: str, source_file: str, plan_index: int = 0, plan_id: str = "draft_plan",
               indicators: dict[str, dict] | None = None, departments: set[str] | None = None,
               regions: dict[str, str] | None = None) -> str:
    """A draft plan file for the plan_index-th plan of `text`: one candidate target per quantity, every measure.

    `indicators` (id → {name_zh, unit}), `departments` (known names as written) and `regions` (name → code)
    come from the registry; guesses are marked `# check`. The draft is valid as written, so once a person has
    confirmed (or corrected) the marked lines, `python -m monitor targets add` validates it as any plan file.
    """
    indicators = indicators or {}
    departments = departments or set()
    plans = parse(text)
    if not 0 <= plan_index < len(plans):
        raise ValueError(f"the text holds {len(plans)} plan(s); there is no plan number {plan_index + 1}")
    plan = plans[plan_index]
    start, end = plan.period or (None, None)
    region = guess_region(plan.title, regions or {})
    lines = [
        f"# Draft plan file written by `python -m monitor targets draft` from {source_file}.",
        "# Lines marked `# check` are guesses: confirm or correct each, then remove the marker.",
        "# Each number of the text with a unit became a candidate target; delete those that only qualify",
        "# what is counted (e.g. 3000万美元 in “重大外资项目（3000万美元以上）20个以上”) or list them in an",
        "# [[exceptions]] entry with the reason.",
        "",
        "[plan]",
        f"id = {_q(plan_id)}{CHECK}",
        f"title_zh = {_q(plan.title)}{CHECK}",
        f"title_en = {_q(plan.title)}{CHECK}",
        f"period_start = {start if start else 0}{CHECK}",
        f"period_end = {end if end else 0}{CHECK}",
        f"source_file = {_q(source_file)}",
        "",
    ]
    cands = candidates(text, plan)
    homes: dict[int | None, list[str]] = {}
    for n, c in enumerate(cands, start=1):
        target_id = f"{plan_id}_t{n:02d}"
        homes.setdefault(c.measure_number, []).append(target_id)
        indicator = guess_indicator(c.quote, indicators)
        value, unit = c.value, c.unit
        if indicator and c.target_type not in ("average_growth", "pp_change"):
            ind_unit = indicators[indicator].get("unit")
            base, amount = to_base(value, unit)
            ind_base, factor = to_base(1.0, ind_unit) if ind_unit else (None, 1.0)
            if ind_unit and ind_base == base:
                value, unit = amount / factor, ind_unit
        if c.target_type == "pp_change":
            unit = "个百分点"
        year = c.year or end or 0
        clause = GOALS_HEAD if c.measure_number is None else next(
            f"二、{m.section[:3]}{m.number}.{m.title}" for m in plan.measures if m.number == c.measure_number)
        lines += [
            "[[targets]]",
            f"id = {_q(target_id)}{CHECK}",
            f"clause = {_q(clause)}",
            f"indicator = {_q(indicator or '')}{CHECK}" + ("" if indicator else " (no indicator name found in the clause)"),
            f"name_zh = {_q(c.quote)}{CHECK}",
            f"name_en = {_q(c.quote)}{CHECK}",
            f"quote_zh = {_q(c.quote)}",
            f"target_type = {_q(c.target_type)}{CHECK}",
            f"base_period = {_q(str(start - 1) if start else '')}{CHECK}",
            f"target_period = {_q(str(year))}{CHECK}",
            f"target_value = {_num(value)}",
            f"comparator = {_q(c.comparator)}{CHECK}",
            f"unit = {_q(unit)}",
            f"direction = {_q('decrease' if c.comparator in ('<', '<=') else 'increase')}{CHECK}",
        ]
        if c.target_type == "cumulative_flow":
            lines.append(f"base_value = 0{CHECK}")
        if region:
            lines.append(f"region = {_q(region)}{CHECK}")
        lines.append("")
    lines += ["[goals]", f"text_zh = {_q(plan.goals_text.strip())}", f"targets = {_list(homes.get(None, []))}", ""]
    unknown: list[str] = []
    for m in plan.measures:
        lines += [
            "[[measures]]",
            f"id = {_q(f'{plan_id}_m{m.number:02d}')}",
            f"number = {m.number}",
            f"section = {_q(m.section)}",
            f"title_zh = {_q(m.title)}",
            f"title_en = {_q(m.title)}{CHECK}",
            f"lead = {_q(m.lead or '')}" + ("" if m.lead else f"{CHECK} (no 责任单位 line found)"),
            f"co_departments = {_list(m.departments[1:])}",
            f"targets = {_list(homes.get(m.number, []))}",
            f"text_zh = {_q(m.text)}",
            "",
        ]
        unknown += [d for d in m.departments if d not in departments and d not in unknown]
    for n, name in enumerate(unknown, start=1):
        lines += [
            "# A department the registry does not know (data/departments.csv); declared for this plan.",
            "[[departments]]",
            f"code = {_q(f'{plan_id}_d{n:02d}')}{CHECK}",
            f"name_zh = {_q(name)}",
            f"short_name_zh = {_q(name)}{CHECK}",
            f"name_en = {_q(name)}{CHECK}",
            "",
        ]
    return "\n".join(lines)



def draft_file(text_path, out_path=None, plan_index: int = 0) -> tuple[str, str]:
    """Draft from a text file with the registry's indicators, departments and regions; write it to out_path if given.

    Returns (the draft, a one-line note for the person running it). source_file is the text's path relative
    to the draft's folder when the text sits there or below it, else its bare name (copy it beside the draft).
    """
    import os
    from pathlib import Path

    from .registry import read_departments, read_indicators, read_regions

    text_path = Path(text_path)
    text = text_path.read_text(encoding="utf-8")
    indicators = {r.id: {"name_zh": r.name_zh, "unit": r.unit} for r in read_indicators().itertuples()}
    departments = set(read_departments().name_zh)
    regions: dict[str, str] = {}
    for r in read_regions().itertuples():
        for name in (r.name_zh, r.short_name_zh):
            regions.setdefault(name, r.code)
    regions = {k: v for k, v in regions.items() if k not in ("湖南省", "湖南")}  # the province is the default
    folder = Path(out_path).resolve().parent if out_path else Path.cwd()
    rel = os.path.relpath(text_path.resolve(), folder)
    source = rel if not rel.startswith("..") else text_path.name
    plan_id = re.sub(r"[^a-z0-9_]+", "_", (Path(out_path).stem if out_path else text_path.stem).lower()).strip("_") or "draft_plan"
    draft = draft_toml(text, source, plan_index, plan_id, indicators, departments, regions)
    n_plans = len(parse(text))
    note = (f"{out_path}: draft of plan {plan_index + 1} of {n_plans} with {draft.count('[[targets]]')} candidate targets "
            f"and {draft.count('[[measures]]')} measures; confirm every line marked # check")
    if source != rel:
        note += f"; copy {text_path.name} beside the draft before `targets add`"
    if out_path:
        Path(out_path).write_text(draft, encoding="utf-8")
    return draft, note
