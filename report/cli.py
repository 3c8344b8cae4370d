"""The ``oneclick`` command: every subcommand is registered here, and only here.

Each handler below turns the parsed arguments into typed values and calls one
function of the stage that does the work (``report.pipeline``,
``report.archive.*``, ``report.text.changes``, ``report.delivery.send``); argparse,
the discovery of ``oneclick.toml`` and the exit statuses live in this module.

Exit statuses (the contract scripts and cron rely on):

- :data:`EXIT_OK` (0): done.
- :data:`EXIT_FAILURE` (1): a check that failed, or a fault of the machine or
  the tool: a revision that fails ``archive verify`` (as ``sha256sum -c`` does);
  a revision ``send`` refuses to send (fails verification, delivery log not
  writable); the disk filling up during a run (one message naming the folder,
  nothing archived); an internal error (``--debug`` shows the traceback).
- :data:`EXIT_INPUT` (2): bad input: a missing or unreadable folder or file, a
  malformed export or configuration (a setting out of its range or at odds with
  another, named by its key), bad arguments, ``--renderer quarto`` without Quarto,
  an ``--out`` (archive or bundle folder) that is a file or cannot be written. Checked before any
  computation where it can be; one message on stderr; nothing is archived.
- :data:`EXIT_DELIVERY` (3): ``send`` could not deliver the message, or cannot
  tell whether it did (no reply after the data: not resent); the message names
  ``host:port`` and the reason.
- :data:`EXIT_INTERRUPTED` (130): interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import InputError
from report.archive import provenance
from report.archive.errors import ArchiveError
from report.console import install_terminal_guards, terminal_json, terminal_text

if TYPE_CHECKING:
    from analysis.config import Config
    from report.archive.audit import ArchiveAudit

__all__ = [
    "EXIT_DELIVERY",
    "EXIT_FAILURE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "build_parser",
    "load_cli_config",
    "main",
]

EXIT_OK, EXIT_FAILURE, EXIT_INPUT, EXIT_DELIVERY, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

Handler = Callable[[argparse.Namespace], int]


def load_cli_config(path: str | None) -> Config:
    """The configuration of a run: ``--config``, else ``./oneclick.toml`` if present, else defaults.

    Raises
    ------
    InputError
        The file is missing or malformed (``ConfigError``).
    """
    from analysis.config import load_config

    return load_config(_config_file(path))


def _config_file(path: str | None) -> Path | None:
    """The configuration file a run reads: ``--config``, else ``./oneclick.toml`` if present."""
    from analysis.paths import DEFAULT_CONFIG_NAME

    if path is None and Path(DEFAULT_CONFIG_NAME).exists():  # a folder or FIFO is refused
        path = DEFAULT_CONFIG_NAME
    return Path(path) if path else None


def _data_folder(raw: str | None, config: Config) -> Path:
    """The export folder: the argument, else ``data_dir``; never "" (``Path("")`` is ".")."""
    raw = raw or config.data_dir
    if not raw:
        raise InputError("--data", "не указана папка с выгрузкой",
                         "--data ПАПКА или data_dir в oneclick.toml")
    return Path(raw)


# ------------------------------------------------------------------- handlers


def _cmd_validate(args: argparse.Namespace) -> int:
    from analysis.data.clients import load_export
    from report.console import validation_summary

    config = load_cli_config(args.config)
    data = load_export(_data_folder(args.data_dir, config), config.data)
    if args.json:
        print(terminal_json(data.quality.to_dict()))
    else:
        print(validation_summary(data.quality))
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from analysis.config import default_toml

    path = Path(args.path)
    if path.is_dir():
        raise InputError(str(path), "это папка",
                         "путь к новому файлу, например ПАПКА/oneclick.toml")
    if path.exists() and not path.is_file():
        raise InputError(str(path), "это не обычный файл (канал или устройство)",
                         "путь к новому файлу oneclick.toml")
    if path.exists() and not args.force:
        raise InputError(str(path), "файл уже существует", "новый путь или флаг --force")
    if not path.parent.is_dir():  # a typo in the folder must not create folders silently
        raise InputError(str(path), f"папка {path.parent} не существует",
                         "путь в существующей папке (создайте её заранее)")
    path.write_text(default_toml(), encoding="utf-8")
    print(path)
    return EXIT_OK


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from analysis.data.demo.write import write_demo_export

    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "это файл, а не папка", "путь к папке для демо-выгрузки")
    if args.months is not None:
        return _demo_series(args, out_dir)
    paths = write_demo_export(out_dir, n_clients=args.clients, seed=args.seed)
    for path in paths.values():
        print(path)
    return EXIT_OK


def _demo_series(args: argparse.Namespace, out_dir: Path) -> int:
    from report.series import demo_series

    config = load_cli_config(args.config)
    written, revisions, waiting = demo_series(
        out_dir, args.months, args.start, dict(args.effect or []), config,
        archive_dir=Path(args.archive or config.archive_dir), n_clients=args.clients,
        seed=args.seed, report=args.report, renderer=args.renderer or config.renderer,
        quiet=args.quiet)
    for path in [*written, *revisions]:
        print(path)
    if waiting is not None:
        _say(f"Следующий месяц не записан: нет отчёта за {waiting} по {out_dir / waiting}. "
             f"Выполните oneclick report --data {out_dir / waiting} и повторите команду "
             "(или добавьте --report).", err=True)
    return EXIT_OK


def _cmd_analyse(args: argparse.Namespace) -> int:
    from analysis.workers import warm_workers
    from report.period import resolve_period

    config = load_cli_config(args.config)
    data = _data_folder(args.data, config)
    period = resolve_period(args.period, config, data)
    with warm_workers(config.model.n_jobs):  # the pool starts while the run imports and reads
        from report.pipeline import analyse_to_bundle

        out = analyse_to_bundle(data, Path(args.out), config, quiet=args.quiet, period=period)
    print(out)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from analysis.workers import warm_workers
    from report.period import period_warnings, require_period

    config = load_cli_config(args.config)
    data = _data_folder(args.data, config)
    archive = Path(args.out or config.archive_dir)
    period = require_period(args.period, config, data)
    for warning in period_warnings(archive, period, data):
        _say(f"Внимание: {warning}.", err=True)
    with warm_workers(config.model.n_jobs):  # the pool starts while the run imports and reads
        from report.pipeline import Invocation, build_report

        invocation = Invocation(shlex.join(["oneclick", *args.words]),
                                _config_file(args.config))
        revision = build_report(data, period, archive, config,
                                renderer=args.renderer or config.renderer, quiet=args.quiet,
                                invocation=invocation)
    print(revision)
    return EXIT_OK


def _archive_folder(given: str | None, args: argparse.Namespace) -> Path:
    """The archive a command reads: the one named, else ``archive_dir`` of the configuration."""
    return Path(given) if given else Path(load_cli_config(args.config).archive_dir)


def _cmd_archive_list(args: argparse.Namespace) -> int:
    from report.archive.listing import format_revision_table, list_revisions

    print(terminal_text(format_revision_table(list_revisions(_archive_folder(args.out, args)))))
    return EXIT_OK


def _cmd_archive_trend(args: argparse.Namespace) -> int:
    from analysis.trend import build_trend
    from report.archive.listing import intact_history
    from report.text.trend import format_trend, skipped_warnings

    archive = _archive_folder(args.archive, args)
    if not archive.is_dir():
        raise InputError(str(archive), "папка архива не найдена", "путь, например reports")
    trend = build_trend(intact_history(archive))
    for warning in skipped_warnings(trend):
        _say(f"Внимание: {warning}.", err=True)
    if args.json:
        print(terminal_json(trend))
    else:
        print(terminal_text(format_trend(trend)), end="")
    return EXIT_OK


def _say(line: str, *, err: bool = False) -> None:
    """Print one line of the tool's own that may quote archive names, escaped for a terminal."""
    print(terminal_text(line, keep_newlines=False), file=sys.stderr if err else sys.stdout)


def _cmd_archive_verify(args: argparse.Namespace) -> int:
    from report.archive.audit import verify_archive
    from report.archive.manifest import check_revision

    target = Path(args.revision)
    if not target.is_dir():
        what, example = ("папка архива", "reports") if args.all else (
            "папка ревизии", "reports/2026-11/r1")
        raise InputError(str(target), f"{what} не найдена", f"путь, например {example}")
    if args.all:
        return _print_audit(verify_archive(target))
    verdict = check_revision(target)
    for note in verdict.notes:
        _say(f"Примечание: {note}")
    for problem in verdict.problems:
        _say(f"НЕ СОВПАДАЕТ: {problem}", err=True)
    if verdict.problems:
        return EXIT_FAILURE
    _say(f"OK: {args.revision} — все файлы совпадают с манифестом")
    return EXIT_OK


def _print_audit(audit: ArchiveAudit) -> int:
    """Print ``archive verify --all``: one line per revision, every break, the chain's head."""
    for label, verdict in audit.revisions:
        if verdict.ok:
            _say(f"OK: {label}" + "".join(f"; {n}" for n in verdict.notes))
        for problem in verdict.problems:
            _say(f"НЕ СОВПАДАЕТ: {label}: {problem}", err=True)
    for problem in audit.problems:
        _say(f"НЕ СОВПАДАЕТ: {problem}", err=True)
    if audit.head:
        _say(f"Последняя запись журнала: {audit.head[0]}, manifest sha256 {audit.head[1]}")
    _say(f"Ревизий: {len(audit.revisions)}, нарушений: {audit.broken}")
    return EXIT_OK if audit.ok else EXIT_FAILURE

def _cmd_compare(args: argparse.Namespace) -> int:
    from analysis.comparison import compare_revisions
    from report.text.changes import format_comparison

    params = load_cli_config(args.config).compare
    comparison = compare_revisions(Path(args.rev_a), Path(args.rev_b), params)
    if args.json:
        print(terminal_json(comparison))
    else:
        print(terminal_text(format_comparison(comparison)), end="")
    return EXIT_OK


def _cmd_send(args: argparse.Namespace) -> int:
    from report.delivery.send import DeliveryError, RevisionNotSendable, send_revision

    params = load_cli_config(args.config).with_overrides(**{
        "email.to": tuple(args.to) if args.to else None,
        "email.smtp_host": args.smtp_host, "email.smtp_port": args.smtp_port,
        "email.security": args.security, "email.sender": args.sender,
        "email.retries": args.retries, "email.timeout": args.timeout,
    }).email
    try:
        record = send_revision(Path(args.revision), params)
    except RevisionNotSendable as exc:
        print(terminal_text(exc), file=sys.stderr)
        return EXIT_FAILURE
    except DeliveryError as exc:
        print(terminal_text(exc), file=sys.stderr)
        return EXIT_DELIVERY
    print(terminal_text(f"Отправлено: «{record['subject']}» → {', '.join(record['recipients'])} "
                        f"через {record['smtp']} ({record['message_id']})"))
    return EXIT_OK


# --------------------------------------------------------------------- parser


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer within ``low … high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"нужно целое число, получено {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"нужно число от {low} до {high}, получено {value}")
        return value
    return parse


def _period(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"период должен быть в виде ГГГГ-ММ, получено {text!r}")
    return text


def _effect(text: str) -> tuple[str, float]:
    rule, sep, value = text.partition("=")
    try:
        points = float(value)
    except ValueError:
        points = float("nan")
    if not sep or not rule or not -100 <= points <= 100:
        raise argparse.ArgumentTypeError("эффект должен быть в виде ПРЕДЛОЖЕНИЕ=П.П. "
                                         f"(например basket_reminder=15), получено {text!r}")
    return rule, points / 100


def _add_series(p: argparse.ArgumentParser) -> None:
    p.add_argument("--months", type=int, choices=range(1, 25), metavar="N",
                   help="write a series OUT/YYYY-MM of N months of the same clients; each month "
                        "after the first answers the previous month's archived action list")
    p.add_argument("--start", type=_period, default="2026-09", help="first month of the series")
    p.add_argument("--effect", type=_effect, action="append", metavar="OFFER=PP",
                   help="planted uplift of a CRM offer in percentage points (repeatable)")
    p.add_argument("--archive", help="archive with the monthly reports (default: reports/)")
    p.add_argument("--report", action="store_true",
                   help="build each month's report on the way (a whole archive of the series)")
    p.add_argument("--renderer", choices=["auto", "builtin", "quarto"])
    p.add_argument("--quiet", action="store_true", help="no progress display")


def _add_archive(sub: argparse._SubParsersAction) -> None:
    archive = sub.add_parser("archive", help="list, verify or follow archived revisions")
    asub = archive.add_subparsers(dest="archive_command", required=True)
    p = asub.add_parser("list", help="published revisions with their key numbers")
    p.add_argument("--out", help="archive folder (default: archive_dir of the configuration, "
                                 "reports/)")
    p.set_defaults(func=_cmd_archive_list)
    p = asub.add_parser(
        "verify", help="check a revision's files, manifest, ledger line and signature",
        description="With --all: every revision, the ledger and every link of the hash chain. "
                    "Signatures are checked when ONECLICK_ARCHIVE_KEY is set.")
    p.add_argument("revision", help="revision folder, e.g. reports/2026-11/r1 "
                                    "(with --all: the archive folder, e.g. reports)")
    p.add_argument("--all", action="store_true", help="verify the whole archive and its chain")
    p.set_defaults(func=_cmd_archive_verify)
    p = asub.add_parser(
        "trend", help="the figures of every archived month (newest intact revision of each)",
        description="A damaged or unreadable revision is passed over with a warning on stderr.")
    p.add_argument("archive", nargs="?",
                   help="archive folder (default: archive_dir of the configuration, reports/)")
    p.add_argument("--json", action="store_true", help="print the trend as JSON")
    p.set_defaults(func=_cmd_archive_trend)


def _add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="what changed between two archived revisions (A earlier, B later)")
    p.add_argument("rev_a", help="earlier revision folder, e.g. reports/2026-10/r1")
    p.add_argument("rev_b", help="later revision folder, e.g. reports/2026-11/r1")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=_cmd_compare)


def _add_send(sub: argparse._SubParsersAction) -> None:
    from report.delivery.smtp import ENV_PASSWORD, ENV_USER

    p = sub.add_parser(
        "send", help="email a revision's PDF (verified first; exit 3 if delivery fails)",
        description=f"SMTP login only from the environment: {ENV_USER}, {ENV_PASSWORD}.")
    p.add_argument("revision", help="revision folder, e.g. reports/2026-11/r1")
    p.add_argument("--to", action="append", metavar="ADDR",
                   help="recipient (repeatable; default: email.to in oneclick.toml)")
    p.add_argument("--smtp-host")
    p.add_argument("--smtp-port", type=int)
    p.add_argument("--security", choices=["none", "starttls", "ssl"])
    p.add_argument("--from", dest="sender", metavar="ADDR", help="sender address")
    p.add_argument("--retries", type=int, help="retries of temporary failures")
    p.add_argument("--timeout", type=float,
                   help="socket timeout, seconds (0 < t ≤ 600); the whole delivery, retries "
                        "included, ends within timeout × (retries + 1) + the waits + 1 s")
    p.set_defaults(func=_cmd_send)


def build_parser() -> argparse.ArgumentParser:
    """The ``oneclick`` parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="oneclick", description="Отчёт об активности клиентов «В один клик».")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks of internal errors (anywhere on the line)")
    parser.add_argument("--version", action="version",
                        version=f"oneclick {provenance.tool_version()}")
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

    p = sub.add_parser("demo-data", help="write a synthetic demo export (or a monthly series)")
    p.add_argument("out_dir")
    p.add_argument("--clients", type=_int_in(20, 10_000_000), default=1300)
    p.add_argument("--seed", type=_int_in(0, 2**32 - 1), default=20261127)
    _add_series(p)
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("analyse", help="write the results bundle (results.json, tables, model)")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--period", type=_period, default=None,
                   help="month YYYY-MM (default as for `report`); seeds the control draw "
                        "as `oneclick report` does")
    p.set_defaults(func=_cmd_analyse)

    p = sub.add_parser("report", help="run every stage and archive a new revision")
    p.add_argument("--data")
    p.add_argument("--period", type=_period,
                   help="month YYYY-MM (default: period in oneclick.toml, else the export "
                        "folder's name when it is YYYY-MM)")
    p.add_argument("--out", help="archive folder (default: reports/)")
    p.add_argument("--renderer", choices=["auto", "builtin", "quarto"])
    p.add_argument("--quiet", action="store_true", help="no progress display (for cron)")
    p.set_defaults(func=_cmd_report)

    _add_archive(sub)
    _add_compare(sub)
    _add_send(sub)
    return parser


def _tolerant_output() -> None:
    """Never fail on a terminal that cannot show Cyrillic (``PYTHONIOENCODING=latin-1``).

    Characters the stream's encoding lacks are written as ``\\uXXXX`` escapes instead of
    raising ``UnicodeEncodeError`` after the work is done.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    _tolerant_output()
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words  # accepted after the subcommand too, as the messages advise
    args = build_parser().parse_args([w for w in words if w != "--debug"])
    args.debug, args.words = debug, words
    func: Handler = args.func
    install_terminal_guards()  # data text in warnings and log records is escaped too
    try:
        return func(args)
    except InputError as error:
        print(terminal_text(error.message, keep_newlines=False), file=sys.stderr)
        return EXIT_INPUT
    except ArchiveError as error:  # disk full, not writable: nothing archived, not a bug
        print(terminal_text(f"Архив не записан: {error}"), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("Прервано.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if args.debug:
            raise  # printed by the escaping sys.excepthook of install_terminal_guards
        print(terminal_text(f"Внутренняя ошибка: {type(error).__name__}: {error}. "
                            "Запустите с --debug и сообщите разработчикам."), file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
