"""The ``oneclick`` command: one entry point for every stage a user runs.

Input problems end with one message on stderr and exit status 2; nothing is
archived. An archive folder that cannot be written (missing permissions, disk
full) ends with exit status 1 and one message naming the folder; nothing is
archived. Unexpected internal errors end with exit status 1 and a short message
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from analysis.errors import InputError
from report.archive.errors import ArchiveError

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_DELIVERY = 0, 1, 2, 3


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.data.clients import load_export
    from report.console import validation_summary

    config = _config(args)
    data = load_export(Path(args.data_dir), config.data)
    if args.json:
        print(json.dumps(data.quality.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(validation_summary(data.quality))
    return EXIT_OK


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from analysis.data.demo import write_demo_export

    paths = write_demo_export(Path(args.out_dir), n_clients=args.clients, seed=args.seed)
    for path in paths.values():
        print(path)
    return EXIT_OK


def _cmd_analyse(args: argparse.Namespace) -> int:
    from report.pipeline import analyse_to_bundle

    out = analyse_to_bundle(Path(args.data), Path(args.out), _config(args), quiet=args.quiet)
    print(out)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from report.pipeline import build_report

    config = _config(args)
    data = Path(args.data or config.data_dir or "")
    if not str(data):
        raise InputError("--data", "не указана папка с выгрузкой", "--data ПАПКА")
    archive = Path(args.out or config.archive_dir)
    revision = build_report(data, args.period, archive, config,
                            renderer=args.renderer or config.renderer, quiet=args.quiet)
    print(revision)
    return EXIT_OK


def _cmd_archive_list(args: argparse.Namespace) -> int:
    from report.archive.listing import format_revision_table, list_revisions

    print(format_revision_table(list_revisions(Path(args.out))))
    return EXIT_OK


def _cmd_archive_verify(args: argparse.Namespace) -> int:
    from report.archive.manifest import verify_revision

    problems = verify_revision(Path(args.revision))
    if problems:
        for problem in problems:
            print(f"НЕ СОВПАДАЕТ: {problem}", file=sys.stderr)
        return 1
    print(f"OK: {args.revision} — все файлы совпадают с манифестом")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from analysis.config import default_toml

    path = Path(args.path)
    if path.exists() and not args.force:
        raise InputError(str(path), "файл уже существует", "новый путь или флаг --force")
    path.write_text(default_toml(), encoding="utf-8")
    print(path)
    return EXIT_OK


def _config(args: argparse.Namespace):
    from analysis.config import load_config
    from analysis.paths import DEFAULT_CONFIG_NAME

    path = getattr(args, "config", None)
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = DEFAULT_CONFIG_NAME
    return load_config(Path(path) if path else None)


def _period(text: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"период должен быть в виде ГГГГ-ММ, получено {text!r}")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oneclick", description="Отчёт об активности клиентов «В один клик».")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--config", help="oneclick.toml (default: ./oneclick.toml if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check and repair an export, print a summary")
    p.add_argument("data_dir")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("init", help="write a commented default oneclick.toml")
    p.add_argument("path", nargs="?", default="oneclick.toml")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("demo-data", help="write a synthetic demo export")
    p.add_argument("out_dir")
    p.add_argument("--clients", type=int, default=1300)
    p.add_argument("--seed", type=int, default=20261127)
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("analyse", help="write the results bundle (results.json, tables, model)")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_analyse)

    p = sub.add_parser("report", help="run every stage and archive a new revision")
    p.add_argument("--data")
    p.add_argument("--period", required=True, type=_period)
    p.add_argument("--out", help="archive folder (default: reports/)")
    p.add_argument("--renderer", choices=["auto", "builtin", "quarto"])
    p.add_argument("--quiet", action="store_true", help="no progress display (for cron)")
    p.set_defaults(func=_cmd_report)

    archive = sub.add_parser("archive", help="list or verify archived revisions")
    asub = archive.add_subparsers(dest="archive_command", required=True)
    p = asub.add_parser("list")
    p.add_argument("--out", default="reports")
    p.set_defaults(func=_cmd_archive_list)
    p = asub.add_parser("verify")
    p.add_argument("revision")
    p.set_defaults(func=_cmd_archive_verify)

    from report.changes import add_compare_command
    from report.delivery.send import add_send_command

    add_send_command(sub)
    add_compare_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except InputError as error:
        print(error.message, file=sys.stderr)
        return EXIT_INPUT
    except ArchiveError as error:  # disk full, not writable: nothing archived, not a bug
        print(f"Архив не записан: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("Прервано.", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            raise
        print(f"Внутренняя ошибка: {type(error).__name__}: {error}. "
              "Запустите с --debug и сообщите разработчикам.", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
