#!/usr/bin/env python
"""Before → after: our time for every figure in two results.json files, as a Markdown table.

    python bench/compare.py bench/results_before.json bench/results.json

One row per figure (its first baseline only, since `ours` is the same for every baseline of a
figure); memory in MB; `×` is before ÷ after.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: str) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for r in json.loads(Path(path).read_text(encoding="utf-8")):
        out.setdefault((r["figure"], r["scale"]), r)
    return out


def value(r: dict | None) -> float | None:
    if r is None:
        return None
    return r.get("ours_mb") if r["figure"] == "memory" else r.get("ours_s")


def text(v: float | None, memory: bool) -> str:
    if v is None:
        return "—"
    if memory:
        return f"{v:.0f} MB"
    return f"{v:.2f} s" if v >= 1 else f"{v * 1000:.0f} ms"


def main(argv: list[str]) -> int:
    before, after = load(argv[0]), load(argv[1])
    scales = [s for s in ("S1", "S2", "S3") if any(k[1] == s for k in after)]
    figures = list(dict.fromkeys(k[0] for k in list(before) + list(after)))
    print("| figure | " + " | ".join(f"{s} before → after" for s in scales) + " |")
    print("|---|" + "---|" * len(scales))
    for fig in figures:
        cells = []
        for s in scales:
            b, a = value(before.get((fig, s))), value(after.get((fig, s)))
            memory = fig == "memory"
            cell = f"{text(b, memory)} → {text(a, memory)}"
            if b and a:
                cell += f" (×{b / a:.3g})"
            cells.append(cell)
        if any(c != "— → —" for c in cells):
            print(f"| {fig} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
