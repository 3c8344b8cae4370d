"""``python -m bench``: time the report at several sizes and write ``BENCHMARKS.md``.

Run from the repository root with the project's venv::

    .venv/bin/python -m bench                 # real export, 10k, 100k, 1M clients (~20-30 min)
    .venv/bin/python -m bench --quick         # real export and 10k only
    .venv/bin/python -m bench --sizes real,100000 --runs 2

Each report runs as ``.venv/bin/oneclick report --quiet`` in a fresh process
into a temporary archive; synthetic exports are written by
:func:`analysis.data.demo.write.write_demo_export` into a temporary folder. The peer
(ydata-profiling) runs in ``.venv-bench`` (see :mod:`bench.peer`). Profiles run
with ``python -m bench.profile`` in their own processes.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.machine import describe_machine, load_average
from bench.peer import ensure_venv, peer_versions, run_peer, write_table
from bench.runner import RunFailed, run_report
from bench.table import write_benchmarks

ROOT = Path(__file__).resolve().parents[1]
SIZES = ("real", "10000", "100000", "1000000")
QUICK = ("real", "10000")
SEED = 20261127
DEFAULT_RUNS = {"real": 3, "10000": 3, "100000": 1, "1000000": 1}
PROFILE_SIZES = ("real", "10000", "100000")


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", help="comma-separated: real and/or client counts "
                        f"(default {','.join(SIZES)})")
    parser.add_argument("--runs", type=int, help="runs per size, the median is reported "
                        "(default 3 for the real export and up to 10,000 clients, else 1)")
    parser.add_argument("--quick", action="store_true", help="real export and 10,000 only")
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "data" / "one-click",
                        help="the real export (skipped with a note when absent)")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--no-peer", action="store_true", help="skip ydata-profiling")
    parser.add_argument("--peer-venv", type=Path, default=ROOT / ".venv-bench")
    parser.add_argument("--profile-sizes", default=None,
                        help=f"sizes to profile with cProfile (default {','.join(PROFILE_SIZES)} "
                        "among those run; 'none' to skip)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per report run")
    parser.add_argument("--work", type=Path, help="folder for synthetic exports (default: temp)")
    return parser


def _sizes(args: argparse.Namespace) -> list[str]:
    if args.quick:
        return list(QUICK)
    if not args.sizes:
        return list(SIZES)
    sizes = []
    for part in args.sizes.split(","):
        part = part.strip().replace("_", "")
        if part != "real" and not part.isdigit():
            raise SystemExit(f"--sizes: «{part}» is neither 'real' nor a number of clients")
        sizes.append(part)
    return sizes


def _runs(label: str, args: argparse.Namespace) -> int:
    if args.runs:
        return args.runs
    return DEFAULT_RUNS.get(label, 3 if label == "real" or int(label) <= 10_000 else 1)


def _export(label: str, args: argparse.Namespace, work: Path) -> Path | None:
    if label == "real":
        return args.real if (args.real / "market_file.csv").is_file() else None
    from analysis.data.demo.write import write_demo_export

    folder = work / f"demo-{label}"
    if not (folder / "money.csv").is_file():
        _log(f"генерирую синтетическую выгрузку на {label} клиентов…")
        write_demo_export(folder, n_clients=int(label), seed=SEED)
    return folder


def _time_size(label: str, data: Path, runs: int, args: argparse.Namespace,
               oneclick: Path) -> dict[str, Any]:
    done: list[dict[str, Any]] = []
    for i in range(runs):
        _log(f"{label}: отчёт, прогон {i + 1} из {runs}…")
        try:
            run = run_report(oneclick, data, timeout=args.timeout)
        except RunFailed as error:
            _log(f"{label}: прогон не удался: {error}")
            return {"runs": done, "note": f"run {i + 1} failed: {str(error)[:300]}"}
        _log(f"{label}: {run.wall:.1f} с, пик памяти {run.peak_tree_mib} MiB, "
             f"PDF {run.pdf_bytes / 1024**2:.2f} MB")
        done.append(run.__dict__)
    return {"runs": done}


def _time_peer(args: argparse.Namespace, runs: int, work: Path) -> dict[str, Any]:
    if args.no_peer:
        return {"runs": [], "note": "skipped (--no-peer)"}
    if not (args.real / "market_file.csv").is_file():
        return {"runs": [], "note": f"the real export is not in {args.real}"}
    try:
        python = ensure_venv(ROOT, args.peer_venv, _log)
    except (subprocess.CalledProcessError, OSError) as error:
        return {"runs": [], "note": f"could not set up {args.peer_venv}: {error}"}
    table = work / "clients.csv"
    write_table(args.real, table)
    done = []
    for i in range(runs):
        _log(f"ydata-profiling, прогон {i + 1} из {runs}…")
        try:
            done.append(run_peer(python, table, work))
        except RunFailed as error:
            return {"runs": done, "note": f"peer run failed: {str(error)[:300]}"}
        _log(f"ydata-profiling: {done[-1]['wall']:.1f} с (профиль {done[-1]['profile']:.1f} с)")
    return {"runs": done, "versions": peer_versions(python)}


def _profile(label: str, data: Path, work: Path, timeout: float) -> dict[str, Any]:
    out = work / f"profile-{label}.json"
    _log(f"{label}: профиль (cProfile, n_jobs=1)…")
    command = [sys.executable, "-m", "bench.profile", str(data), str(out)]
    try:
        subprocess.run(command, cwd=ROOT, check=True, timeout=timeout, capture_output=True)
    except subprocess.CalledProcessError as error:
        return {"error": error.stderr.decode("utf-8", "replace")[-500:]}
    except subprocess.TimeoutExpired:
        return {"error": f"longer than {timeout:.0f} s"}
    return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    oneclick = Path(sys.executable).parent / "oneclick"
    if not oneclick.exists():
        raise SystemExit(f"{oneclick} not found: run with the project's venv (.venv/bin/python)")
    sizes = _sizes(args)
    machine = describe_machine(ROOT)
    machine["load_start"] = load_average()
    machine["command"] = "python -m bench" + (" " + shlex.join(argv if argv is not None
                                                               else sys.argv[1:])).rstrip()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"machine": machine, "sizes": {}, "profiles": {}}
    exports: dict[str, Path] = {}
    try:
        for label in sizes:
            export = _export(label, args, work)
            if export is None:
                _log(f"{label}: выгрузки нет в {args.real}, пропускаю")
                data["sizes"][label] = {"runs": [], "note": f"skipped: no export in {args.real}"}
                data["peer"] = {"runs": [], "note": f"the real export is not in {args.real}"}
                continue
            exports[label] = export
            data["sizes"][label] = _time_size(label, export, _runs(label, args), args, oneclick)
            if label == "real":
                data["peer"] = _time_peer(args, _runs(label, args), work)
                machine["peer_versions"] = data["peer"].get("versions")
            if label not in ("real",) and int(label) >= 1_000_000:
                shutil.rmtree(work / f"demo-{label}", ignore_errors=True)
        wanted = (PROFILE_SIZES if args.profile_sizes is None else
                  () if args.profile_sizes == "none" else tuple(args.profile_sizes.split(",")))
        for label in wanted:
            if label in exports and exports[label].exists():
                data["profiles"][label] = _profile(label, exports[label], work, args.timeout)
    finally:
        machine["load_end"] = load_average()
        machine["bench_seconds"] = time.perf_counter() - started
        if args.json:
            args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        if data["sizes"]:
            write_benchmarks(args.out, data)
            _log(f"записано: {args.out}")
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
