"""`python -m monitor ledger …`: the task ledger from the command line (template, import, export, overdue).

Exit status as the rest of the CLI: 0 success, 2 bad input (nothing written), 1 anything unexpected.
"""

from __future__ import annotations

import datetime as _dt
import getpass
from pathlib import Path

from . import ledger
from .config import db_path
from .db import Reader
from .i18n import t

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def add_parser(sub, db_arg) -> None:
    p = sub.add_parser("ledger", help="the task ledger (重点任务推进台账): templates, returned files, the compiled "
                                      "ledger, who has not reported")
    actions = p.add_subparsers(dest="ledger_action", required=True)
    a = actions.add_parser("template", help="the .xlsx a department fills in for a period")
    db_arg(a)
    a.add_argument("--dept", required=True, help="department: code, name as written (省商务厅) or short name")
    a.add_argument("--period", required=True, help="YYYY-Qn, or YYYY for an annual summary")
    a.add_argument("--dataset", default="official")
    a.add_argument("out", help="output .xlsx (a directory: the template's own name inside it)")
    a = actions.add_parser("import", help="import returned templates, each all or nothing")
    db_arg(a)
    a.add_argument("files", nargs="+")
    a.add_argument("--period", help="refuse files for another period")
    a.add_argument("--dept", help="refuse files of another department")
    a.add_argument("--user", default=None, help="who is importing (default: the login name)")
    a.add_argument("--dry-run", action="store_true", help="validate and show what would be added, write nothing")
    a = actions.add_parser("export", help="the compiled ledger for a period, .xlsx or .csv (by extension)")
    db_arg(a)
    a.add_argument("--period", required=True)
    a.add_argument("--dataset", default="official")
    a.add_argument("--dept", help="only the tasks this department leads or co-leads")
    a.add_argument("--lang", choices=("zh", "en"), default="zh")
    a.add_argument("out")
    a = actions.add_parser("overdue", help="tasks whose lead department has not reported for the period")
    db_arg(a)
    a.add_argument("--period", required=True)
    a.add_argument("--dataset", default="official")
    p.set_defaults(func=cmd_ledger)


def cmd_ledger(args) -> int:
    path = db_path(args.db)
    from . import bootstrap

    bootstrap.ensure_database(path)
    try:
        return _ACTIONS[args.ledger_action](args, path)
    except ValueError as exc:
        if isinstance(exc, ledger.LedgerRejected):
            raise
        print(str(exc))
        return EXIT_BAD_INPUT


def _template(args, path) -> int:
    with Reader(path) as reader:
        data = ledger.build_template(reader, args.dept, args.period, args.dataset)
        code = ledger.measures_mod.department_code(reader, args.dept)
        name = reader.query_rows("SELECT name_zh FROM departments WHERE code = ?", [code])[0][0]
    out = Path(args.out)
    if out.is_dir():
        out = out / ledger.template_file_name(name, args.period)
    out.write_bytes(data)
    print(out)
    return EXIT_OK


def _import(args, path) -> int:
    status = EXIT_OK
    user = args.user or getpass.getuser()
    for name in args.files:
        file = Path(name)
        try:
            result = ledger.import_returned(path, file.read_bytes(), file.name, user=user, today=_dt.date.today(),
                                            expected_period=args.period, expected_department=args.dept,
                                            dry_run=args.dry_run)
        except ledger.LedgerRejected as exc:
            print(t("ledger.cli.rejected", "zh", file=file.name) + "\n" + exc.summary("zh") + "\n"
                  + t("ledger.cli.rejected", "en", file=file.name) + "\n" + exc.summary("en"))
            status = EXIT_BAD_INPUT
            continue
        except OSError as exc:
            print(f"{file}: {exc.strerror}")
            status = EXIT_BAD_INPUT
            continue
        key = "ledger.cli.dry_run" if args.dry_run else "ledger.cli.imported"
        print(t(key, "zh", file=result.file_name, added=result.added, revised=result.revised,
                unchanged=result.unchanged))
        if result.figures:
            print(t("ledger.cli.figures_to_write" if args.dry_run else "ledger.cli.figures", "zh", n=result.figures))
        if result.kept:
            print(t("ledger.cli.figures_kept", "zh", n=result.kept))
    return status


def _export(args, path) -> int:
    from .assess import assess_store

    with Reader(path) as reader:
        statuses = {r["target_id"]: r for r in assess_store(reader, args.dataset).to_dict("records")}
        table = ledger.ledger_table(reader, args.period, args.dataset, department=args.dept, target_status=statuses,
                                    lang=args.lang)
    out = Path(args.out)
    data = (ledger.export_csv(table, args.lang) if out.suffix.lower() == ".csv"
            else ledger.export_xlsx(table, args.period, args.dataset, args.lang))
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(out)
    return EXIT_OK


def _overdue(args, path) -> int:
    with Reader(path) as reader:
        missing = ledger.overdue(reader, args.period, args.dataset)
    print(t("ledger.cli.overdue_head", "zh", period=ledger.period_label(args.period), n=len(missing)))
    for department, group in missing.groupby("department", sort=False):
        print(f"{department}（{len(group)}）：" + "、".join(f"{m}.{x}" for m, x in zip(group.number, group.title)))
    return EXIT_OK


_ACTIONS = {"template": _template, "import": _import, "export": _export, "overdue": _overdue}
