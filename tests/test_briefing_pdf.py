"""A real office suite opens the report: LibreOffice (headless) converts it to PDF, poppler reads the PDF back.

Debian's libreoffice-writer-nogui and poppler-utils are installed by ./test.sh (scripts/setup.sh dev), as
chromium is for the browser test; fonts-wqy-microhei gives LibreOffice a CJK font to substitute for the house
style's 仿宋_GB2312 / 黑体 / 楷体, which a Linux machine does not have. Saves the PDF to tests/artifacts/ and the
first page, as the README's picture, to docs/report-first-page.png.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import docx

from monitor import cli
from tests.conftest import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
PDFFONTS = shutil.which("pdffonts") or "/usr/bin/pdffonts"
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"


def to_pdf(document: Path, out_dir: Path) -> Path:
    assert Path(SOFFICE).exists(), "LibreOffice is not installed (./test.sh installs libreoffice-writer-nogui)"
    profile = out_dir / "lo-profile"  # a profile of its own: parallel or leftover LibreOffice runs don't collide
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(document)],
                   check=True, capture_output=True, timeout=300)
    pdf = out_dir / (document.stem + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000
    return pdf


def test_libreoffice_opens_the_report_and_its_pdf_holds_the_text_in_a_cjk_font(template_db, tmp_path, capsys):
    # the README's cron command, on the bundled official data
    document = tmp_path / "report.docx"
    assert cli.main(["report", "--db", str(template_db), "--as-of", "2022-06", "--format", "docx",
                     str(document)]) == 0
    capsys.readouterr()
    pdf = to_pdf(document, tmp_path)
    assert Path(PDFTOTEXT).exists(), "poppler-utils is not installed (./test.sh installs it)"
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = "".join(text.split())  # lines wrap wherever the page ends them
    assert "湖南省消费流通行动方案监测报告" in flat
    sentence = "2021年，全省社会消费品零售总额18596.9亿元，完成目标的93.0%，高于时序进度5.9个百分点；后续年均需增长3.7%。"
    assert sentence in flat
    # a table cell: the retail-sales target's row, its completion 18596.9 / 20000 = 93.0%, and the schedule the
    # sentence compares with: the target path's 2021 value 16258.1 × 1.071487 = 17420.4, 87.1% of 20000
    # (93.0 − 87.1 = 5.9 points ahead, as the sentence says)
    table = docx.Document(str(document)).tables[0]
    assert table.rows[1].cells[0].text == "社会消费品零售总额突破2万亿元"
    row = next(line for line in text.splitlines() if re.search(r"93\.0%\s+87\.1%", line))
    assert re.search(r"93\.0%\s+87\.1%\s+符合进度", row), row
    assert row.startswith("社会消费品零售总额")  # the name's first line, wrapped in its cell
    # Chinese is drawn in a CJK font, not as boxes: every font in the PDF is embedded, and the Chinese text is
    # set in one with CJK glyphs (the house style's names are substituted by WenQuanYi on Debian)
    fonts = subprocess.run([PDFFONTS, str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # the emb column
    assert any("WenQuanYi" in row[0] or "Noto" in row[0] and "CJK" in row[0] for row in rows), fonts
    assert "\ufffd" not in text and "□" not in text

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / "report.pdf")
    subprocess.run([PDFTOPPM, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "first")], check=True, capture_output=True, timeout=120)
    first = tmp_path / "first.png"
    assert first.stat().st_size > 10_000
    shutil.copyfile(first, PROJECT_ROOT / "docs" / "report-first-page.png")


def test_libreoffice_opens_the_english_report(template_db, tmp_path, capsys):
    document = tmp_path / "report-en.docx"
    assert cli.main(["report", "--db", str(template_db), "--as-of", "2022-06", "--lang", "en", "--format", "docx",
                     str(document)]) == 0
    capsys.readouterr()
    text = " ".join(subprocess.run([PDFTOTEXT, str(to_pdf(document, tmp_path)), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert "Hunan Province: monitoring report on the consumption and circulation action plans" in text
    assert cli.main(["assess", "--db", str(template_db), "--as-of", "2022-06", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    sentence = next(r["sentence_en"] for r in records if r["target_id"] == "retail_sales_2023")
    assert sentence.startswith("2021: Hunan retail sales of consumer goods") and sentence in text
