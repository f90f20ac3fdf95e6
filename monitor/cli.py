"""Command line: `python -m monitor …`, the stable interface for scripts and cron.

Exit status: 0 success, 2 bad input (nothing written), 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

import duckdb

from . import bootstrap, demo, export, ledger_cli, store
from .config import db_path
from .db import DatabaseReadOnly, DatabaseUnreadable, Reader
from .importer import ImportPlan, ImportRejected, PlanChanged, import_file, preview_file
from .readers import LAYOUTS, reader_for

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


class CliError(Exception):
    """A user-facing error with an exit status."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.status = status


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", help="database file (default: $MONITOR_DB or data/monitor.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m monitor", description="消费流通监测 xiaofei-monitor")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create and migrate the database, load the plan registry and bundled data")
    _db_arg(p)
    p.add_argument("--no-data", action="store_true", help="load the registry only, not the bundled official figures")
    p.add_argument("--force", action="store_true", help="reload even if the database looks current")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="import observations from a CSV or .xlsx file, long or wide (all or nothing)")
    p.add_argument("file", help="CSV (UTF-8, GBK, GB18030) or .xlsx: the long format "
                                "(indicator,region,period,value,unit,yoy_pct,source,…) or a wide table "
                                "(a region column, then one column per period)")
    _db_arg(p)
    p.add_argument("--dataset", default="official", help="dataset to import into (default: official)")
    p.add_argument("--new-dataset", action="store_true",
                   help="create the dataset named by --dataset if it does not exist (otherwise an unknown dataset is "
                        "refused)")
    p.add_argument("--user", default=None, help="who is importing (default: the login name)")
    p.add_argument("--layout", choices=LAYOUTS, default="auto", help="long, wide, or detect from the header (default)")
    p.add_argument("--sheet", metavar="NAME", help="read only this sheet of a workbook")
    wide = p.add_argument_group("wide tables", "what the table holds, where its title and unit lines do not say")
    wide.add_argument("--indicator", metavar="ID", help="indicator id or Chinese name (default: from the title)")
    wide.add_argument("--unit", metavar="U", help="unit of the values, e.g. 亿元 (default: the 单位： line)")
    wide.add_argument("--source", metavar="TEXT", help="source of the figures (default: the 数据来源： line)")
    wide.add_argument("--source-url", metavar="URL", help="URL of the source")
    wide.add_argument("--year", metavar="YYYY",
                      help="year of headers without one, such as 1-6月 (default: from the title)")
    wide.add_argument("--period-type", choices=("ytd", "month"),
                      help="what single-month headers (6月, 2024年6月) hold: ytd = 1-6月累计 (default), "
                           "month = June alone")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and show the additions and revisions (old → new), write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("assess", help="assess every target against the data")
    _db_arg(p)
    p.add_argument("--as-of", metavar="PERIOD", help="reference period, YYYY or YYYY-MM (default: latest with data)")
    p.add_argument("--region", metavar="CODE", help="GB/T 2260 code of a region (default: each target's own region)")
    p.add_argument("--known-at", metavar="DATE",
                   help="use only figures released by this date, YYYY-MM-DD (what was known then)")
    p.add_argument("--dataset", default="official")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("report", help="the monitoring report (监测报告) as a Word document, e.g. monthly from cron")
    _db_arg(p)
    p.add_argument("--dataset", default="official")
    p.add_argument("--as-of", metavar="PERIOD", help="reference period, YYYY or YYYY-MM (default: latest with data)")
    p.add_argument("--region", metavar="CODE", help="GB/T 2260 code or name of a region (default: the province)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--plan", metavar="ID", help="only this plan's targets (see `targets list`)")
    p.add_argument("--dept", metavar="NAME", help="only the targets of the measures this department leads or co-leads")
    p.add_argument("--format", choices=("docx",), required=True)
    p.add_argument("out", help="output file (.docx)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="export all observations with provenance")
    _db_arg(p)
    p.add_argument("--format", choices=("csv", "xlsx"), required=True)
    p.add_argument("--dataset", default="official")
    p.add_argument("--all-vintages", action="store_true", help="include superseded vintages (revision history)")
    p.add_argument("out", help="output file")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("targets", help="list the plans' targets, add a plan file (e.g. a prefecture's own targets), "
                                       "or draft a plan file from a plan's text")
    _db_arg(p)
    p.add_argument("action", choices=("list", "add", "draft"))
    p.add_argument("file", nargs="?", help="for add: a plan .toml whose [plan] source_file (the plan's text) sits beside it; "
                                           "for draft: the plan's text (UTF-8)")
    p.add_argument("--replace", action="store_true", help="for add: overwrite a plan file of the same name")
    p.add_argument("--out", metavar="DRAFT.toml", help="for draft: write here (default: print)")
    p.add_argument("--plan", type=int, default=1, metavar="N", help="for draft: the N-th plan of the text (default 1)")
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("fetch", help="fetch series from an online source into the database")
    p.add_argument("source", choices=("nbs",), help="nbs: the National Bureau of Statistics data-release API")
    _db_arg(p)
    p.add_argument("--since", type=int, default=2019, metavar="YYYY", help="first year to fetch (default 2019)")
    p.add_argument("--series", nargs="+", metavar="NAME", help="only these series of data/nbs_registry.toml")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--archive", metavar="DIR", help="also write every raw response (request, hash) to DIR before parsing")
    mode.add_argument("--replay", metavar="DIR", help="no network: repeat the fetch archived in DIR (--archive)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("demo", help="write the synthetic demo dataset 'demo' (replaces any previous demo rows)",
                       description="Generate SYNTHETIC demo data (演示数据，非官方统计) as dataset 'demo'. "
                                   "Official rows are untouched; Hunan's official figures are reproduced exactly.")
    _db_arg(p)
    p.add_argument("--scale", choices=demo.SCALES, default=demo.DEFAULT_SCALE,
                   help="province: Hunan; prefectures (default): + its 14 prefectures; counties: + its 122 "
                        "county-level divisions; national: the whole country with generated regions")
    p.add_argument("--years", default=f"{demo.DEFAULT_YEARS[0]}-{demo.DEFAULT_YEARS[1]}", metavar="YYYY-YYYY",
                   help="years to generate (default %(default)s; not after the last complete year)")
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default %(default)s)")
    p.add_argument("--national-counties", type=int, default=None, metavar="N",
                   help=f"national scale: about N county-level regions (default {demo.NATIONAL_COUNTIES}); "
                        "fewer for a quick try")
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing when the demo dataset already has rows (for start-up scripts)")
    p.add_argument("--single-months", action="store_true",
                   help="also write single-month rows (当月, March–December) of the monthly indicators")
    p.set_defaults(func=cmd_demo)

    ledger_cli.add_parser(sub, _db_arg)

    p = sub.add_parser("backup", help="copy the database to OUT under the writer's lock (备份)")
    _db_arg(p)
    p.add_argument("out", help="backup file, or a directory to put <name>-YYYYMMDD-HHMMSS.duckdb in")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup, through the writer (恢复)")
    _db_arg(p)
    p.add_argument("file", help="a backup made by `backup` (checked first: a file that is not a database of "
                                "this app is refused)")
    p.add_argument("--no-keep", action="store_true",
                   help="do not keep the replaced database as <db>.before-restore-<time>")
    p.set_defaults(func=cmd_restore)
    return parser


def _reader(args) -> Reader:
    path = db_path(args.db)
    bootstrap.ensure_database(path)
    return Reader(path)


def cmd_init(args) -> int:
    report = bootstrap.initialise(db_path(args.db), with_data=not args.no_data, force=args.force)
    print("\n".join(report.lines()))
    return EXIT_OK


def _stage_for(args):
    options = {"indicator": args.indicator, "unit": args.unit, "source": args.source, "source_url": args.source_url,
               "year": args.year, "sheet": args.sheet, "period_type": args.period_type}
    return reader_for(args.layout, options)


def _print_problems(plan: ImportPlan, limit: int = 50) -> None:
    for severity, problems in (("error", plan.errors), ("warning", plan.warnings)):
        for problem in problems[:limit]:
            print(f"  {problem}", file=sys.stderr)
        if len(problems) > limit:
            print(f"  … and {len(problems) - limit} more {severity}s", file=sys.stderr)


def _number(value) -> str:
    if value is None or value != value:  # None or NaN
        return "—"
    return f"{value:,.10g}"


def _print_changes(plan: ImportPlan, diff, region_names: dict[str, str], limit: int = 200) -> None:
    for row in list(diff.itertuples(index=False))[:limit]:
        where = f"row {row.row_no}" + (f" ({row.sheet})" if isinstance(row.sheet, str) else "")
        region = region_names.get(row.region_code, row.region_code)
        what = f"{row.indicator_id} {region} {row.period} ({row.period_type})"
        if row.change == "revised":
            change = f"{_number(row.previous_value)} → {_number(row.value)} {row.unit}"
            if _number(row.previous_yoy_pct) != _number(row.yoy_pct):
                change += f", yoy {_number(row.previous_yoy_pct)} → {_number(row.yoy_pct)}%"
        else:
            has_yoy = row.yoy_pct == row.yoy_pct and row.yoy_pct is not None  # neither NaN nor None
            change = f"{_number(row.value)} {row.unit}" + (f", yoy {_number(row.yoy_pct)}%" if has_yoy else "")
        print(f"  {row.change:<8}{where}: {what}: {change}")
    shown = min(len(diff), limit)
    if plan.added + plan.revised > shown:
        print(f"  … and {plan.added + plan.revised - shown} more")


def cmd_import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    target = db_path(args.db)
    stage = _stage_for(args)
    if args.dry_run:
        return _dry_run(target, path, stage, args.dataset, args.new_dataset)
    bootstrap.ensure_database(target)
    user = args.user or getpass.getuser()
    try:
        result = import_file(target, path.read_bytes(), path.name, dataset=args.dataset, user=user, stage=stage,
                             new_dataset=args.new_dataset)
    except ImportRejected as exc:
        plan = exc.plan
        print(f"{path.name}: rejected, nothing was written ({len(plan.errors)} error(s)):", file=sys.stderr)
        _print_problems(plan)
        return EXIT_BAD_INPUT
    except PlanChanged as exc:
        raise CliError(str(exc)) from exc
    except DatabaseReadOnly as exc:
        raise CliError(str(exc)) from exc
    except (OSError, duckdb.Error) as exc:  # a full disk, an unreadable database: the real cause, no traceback
        raise CliError(f"{path.name}: the import failed, nothing was written 导入失败，未写入任何内容: "
                       f"{type(exc).__name__}: {exc}", EXIT_ERROR) from exc
    _print_problems(result.plan)
    print(result.summary())
    return EXIT_OK


def _dry_run(target: Path, path: Path, stage, dataset: str, new_dataset: bool = False) -> int:
    """Validate and diff against the live database through a read-only connection; never writes."""
    with Reader(target) as reader:
        plan, diff = preview_file(reader, path.read_bytes(), path.name, dataset=dataset, stage=stage,
                                  new_dataset=new_dataset)
        regions = store.regions(reader)
        names = dict(zip(regions.code, regions.name_zh))
    if not plan.is_valid:
        print(f"{path.name}: would be rejected ({len(plan.errors)} error(s), {len(plan.warnings)} warning(s)); "
              "nothing written (--dry-run):", file=sys.stderr)
        _print_problems(plan)
        return EXIT_BAD_INPUT
    _print_problems(plan)
    if plan.is_no_op:
        print(f"{path.name}: nothing to change — all {plan.unchanged} rows are already stored; "
              "nothing written (--dry-run).")
        return EXIT_OK
    print(f"{path.name}: would add {plan.added} rows, revise {plan.revised} (old values kept as earlier vintages), "
          f"leave {plan.unchanged} unchanged; nothing written (--dry-run).")
    _print_changes(plan, diff, names)
    return EXIT_OK


def cmd_assess(args) -> int:
    from . import assess  # the engine is the heaviest import; only load it when asked

    with _reader(args) as reader:
        try:
            result = assess.assess_store(reader, dataset=args.dataset, as_of=args.as_of, region=args.region,
                                         known_at=args.known_at)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        print(json.dumps(assess.to_records(result), ensure_ascii=False, indent=2, default=str))
    else:
        print(assess.to_table(result))
    return EXIT_OK


def cmd_report(args) -> int:
    from .briefing import ReportOptions, build_report

    options = ReportOptions(dataset=args.dataset, as_of=args.as_of, region=args.region, lang=args.lang,
                            plan=args.plan, dept=args.dept)
    with _reader(args) as reader:
        try:
            report = build_report(reader, options)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    out = Path(args.out)
    out.write_bytes(report.content)
    if report.dept_applied is False:
        print(f"warning: --dept {args.dept}: no measures table in the database yet; the report covers every target",
              file=sys.stderr)
    print(f"{out}: {len(report.frame)} targets; suggested name {report.file_name}")
    return EXIT_OK


def cmd_export(args) -> int:
    with _reader(args) as reader:
        frame = store.export_frame(reader, args.dataset, all_vintages=args.all_vintages)
        synthetic = bool(frame["synthetic"].any()) if len(frame) else False
    out = Path(args.out)
    try:  # a full disk leaves the previous file (or none), never a truncated one
        if args.format == "csv":
            payload = export.to_csv_bytes(frame)
        else:  # openpyxl spools each sheet through a temporary file: a full disk can fail it here
            notes = ["SYNTHETIC DEMO DATA — not official statistics / 演示数据，非官方统计"] if synthetic else None
            payload = export.to_xlsx_bytes(frame, sheet_name=args.dataset, notes=notes)
        export.write_atomically(out, payload)
    except Exception as exc:  # noqa: BLE001 — reported with its cause, never as a traceback
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
        raise CliError(f"cannot write {out} 无法写入: {cause}; nothing was written 未写入任何内容", EXIT_ERROR) from exc
    print(f"{out}: {len(frame)} observations written")
    return EXIT_OK


def cmd_targets(args) -> int:
    from .registry import RegistryError, add_plan

    if args.action == "draft":
        from .plan_text import draft_file
        if not args.file:
            raise CliError("targets draft needs the plan's text file")
        try:
            text, note = draft_file(Path(args.file), Path(args.out) if args.out else None, args.plan - 1)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CliError(f"cannot draft from {args.file}: {exc}") from exc
        print(note, file=sys.stderr) if args.out else print(text)
        return EXIT_OK
    target = db_path(args.db)
    if args.action == "add":
        if not args.file:
            raise CliError("targets add needs a plan file")
        try:
            ids = add_plan(Path(args.file), replace=args.replace)
        except RegistryError as exc:
            raise CliError(f"plan refused, nothing was added 方案未通过，未添加任何内容: {exc}") from exc
        except OSError as exc:
            raise CliError(f"cannot write the plans folder 无法写入方案目录: {exc}", EXIT_ERROR) from exc
        bootstrap.ensure_database(target)
        print(f"added {len(ids)} target(s): {', '.join(ids)}")
        return EXIT_OK
    with _reader(args) as reader:
        frame = store.targets(reader)
    print(frame[["id", "plan_id", "region_code", "target_type", "target_value", "comparator", "unit", "target_period"]]
          .to_string(index=False))
    return EXIT_OK


def cmd_fetch(args) -> int:
    from .fetch import fetch_and_store, replay_and_store

    target = db_path(args.db)
    bootstrap.ensure_database(target)
    try:
        if args.replay:
            outcome = replay_and_store(target, args.replay, user=f"{getpass.getuser()} (fetch nbs --replay)")
        else:
            outcome = fetch_and_store(target, args.since, user=f"{getpass.getuser()} (fetch nbs)", series=args.series,
                                      archive_dir=args.archive)
    except ImportRejected as exc:
        print("the fetched data failed validation; nothing was written:", file=sys.stderr)
        for problem in exc.plan.errors[:50]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    for line in outcome.lines():
        print(line, file=sys.stderr if line.startswith(("warning", "FAILED")) else sys.stdout)
    return EXIT_ERROR if outcome.fetch.core_failures else EXIT_OK


def cmd_demo(args) -> int:
    target = db_path(args.db)
    if args.if_missing and target.exists():
        bootstrap.ensure_database(target)
        with Reader(target) as reader:
            existing = reader.query_rows("SELECT count(*) FROM observations WHERE dataset = 'demo'")[0][0]
        if existing:
            print(f"{target}: the demo dataset already has {existing:,} rows; left as it is.")
            return EXIT_OK
    try:
        years = demo.parse_years(args.years)
        if years[1] > demo.last_complete_year():
            raise demo.DemoError(f"--years must end by {demo.last_complete_year()} (the last complete year), "
                                 f"got {args.years}")
        if args.seed < 0:
            raise demo.DemoError("--seed must be a non-negative integer")
        report = demo.run_demo(db_path(args.db), args.scale, years, args.seed,
                               national_counties=args.national_counties, user=getpass.getuser(),
                               single_months=args.single_months)
    except demo.DemoError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(report.lines()))
    return EXIT_OK


def cmd_backup(args) -> int:
    from .backup import BackupError, backup

    try:
        summary = backup(db_path(args.db), args.out, overwrite=args.force)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"backup written / 备份完成: {summary.line()}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from .backup import BackupError, restore

    try:
        result = restore(db_path(args.db), args.file, keep_previous=not args.no_keep)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(result.lines()))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DatabaseUnreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
