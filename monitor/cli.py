"""Command line: `python -m monitor …`, the stable interface for scripts and cron.

Exit status: 0 success, 2 bad input (nothing written), 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from . import bootstrap, demo, export, store
from .config import db_path
from .db import Reader
from .importer import ImportRejected, PlanChanged, import_file

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

    p = sub.add_parser("import", help="import observations from a long-format CSV (all or nothing)")
    p.add_argument("file", help="CSV file: indicator,region,period,value,unit,yoy_pct,source,source_url,note[,quote,status]")
    _db_arg(p)
    p.add_argument("--dataset", default="official", help="dataset to import into (default: official)")
    p.add_argument("--user", default=None, help="who is importing (default: the login name)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("assess", help="assess every target against the data")
    _db_arg(p)
    p.add_argument("--as-of", metavar="PERIOD", help="reference period, YYYY or YYYY-MM (default: latest with data)")
    p.add_argument("--region", metavar="CODE", help="GB/T 2260 code of a region (default: each target's own region)")
    p.add_argument("--dataset", default="official")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("export", help="export all observations with provenance")
    _db_arg(p)
    p.add_argument("--format", choices=("csv", "xlsx"), required=True)
    p.add_argument("--dataset", default="official")
    p.add_argument("--all-vintages", action="store_true", help="include superseded vintages (revision history)")
    p.add_argument("out", help="output file")
    p.set_defaults(func=cmd_export)

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
    p.set_defaults(func=cmd_demo)
    return parser


def _reader(args) -> Reader:
    path = db_path(args.db)
    bootstrap.ensure_database(path)
    return Reader(path)


def cmd_init(args) -> int:
    report = bootstrap.initialise(db_path(args.db), with_data=not args.no_data, force=args.force)
    print("\n".join(report.lines()))
    return EXIT_OK


def cmd_import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    target = db_path(args.db)
    bootstrap.ensure_database(target)
    user = args.user or getpass.getuser()
    try:
        result = import_file(target, path.read_bytes(), path.name, dataset=args.dataset, user=user)
    except ImportRejected as exc:
        plan = exc.plan
        print(f"{path.name}: rejected, nothing was written ({len(plan.errors)} error(s)):", file=sys.stderr)
        for problem in plan.errors[:50]:
            print(f"  {problem}", file=sys.stderr)
        if len(plan.errors) > 50:
            print(f"  … and {len(plan.errors) - 50} more", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlanChanged as exc:
        raise CliError(str(exc)) from exc
    for warning in result.plan.warnings:
        print(f"  {warning}", file=sys.stderr)
    print(result.summary())
    return EXIT_OK


def cmd_assess(args) -> int:
    from . import assess  # the engine is the heaviest import; only load it when asked

    with _reader(args) as reader:
        try:
            result = assess.assess_store(reader, dataset=args.dataset, as_of=args.as_of, region=args.region)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        print(json.dumps(assess.to_records(result), ensure_ascii=False, indent=2, default=str))
    else:
        print(assess.to_table(result))
    return EXIT_OK


def cmd_export(args) -> int:
    with _reader(args) as reader:
        frame = store.export_frame(reader, args.dataset, all_vintages=args.all_vintages)
        synthetic = bool(frame["synthetic"].any()) if len(frame) else False
    out = Path(args.out)
    if args.format == "csv":
        out.write_bytes(export.to_csv_bytes(frame))
    else:
        notes = ["SYNTHETIC DEMO DATA — not official statistics / 演示数据，非官方统计"] if synthetic else None
        out.write_bytes(export.to_xlsx_bytes(frame, sheet_name=args.dataset, notes=notes))
    print(f"{out}: {len(frame)} observations written")
    return EXIT_OK


def cmd_demo(args) -> int:
    try:
        years = demo.parse_years(args.years)
        if years[1] > demo.last_complete_year():
            raise demo.DemoError(f"--years must end by {demo.last_complete_year()} (the last complete year), "
                                 f"got {args.years}")
        if args.seed < 0:
            raise demo.DemoError("--seed must be a non-negative integer")
        report = demo.run_demo(db_path(args.db), args.scale, years, args.seed,
                               national_counties=args.national_counties, user=getpass.getuser())
    except demo.DemoError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(report.lines()))
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
