"""The Markdown of ``BENCHMARKS.md``.

The generated part sits between two markers; text outside them (the analysis
of the numbers, written by hand) is kept when the benchmark is run again.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

__all__ = ["BEGIN", "END", "STAGES", "TARGETS", "render", "write_benchmarks"]

BEGIN = "<!-- bench:begin (written by `python -m bench`; edit outside the markers) -->"
END = "<!-- bench:end -->"

# (manifest key, column title) in pipeline order; analysis steps are part of «analyse»
STAGES = (("validate", "validate"), ("analysis.behaviour", "behaviour"),
          ("analysis.model.search", "search"), ("analysis.model.threshold", "cross-fit"),
          ("analysis.model.holdout", "hold-out"), ("analysis.model.final", "final+score"),
          ("analysis.model.shap", "SHAP"), ("analysis.segments", "segments"),
          ("bundle", "bundle"), ("actions", "actions"), ("figures", "figures"),
          ("html", "html"), ("pdf", "pdf"))
# the stages timed one after the other (``documents`` runs inside ``figures``)
TOP_LEVEL = ("validate", "analyse", "bundle", "actions", "figures", "html", "pdf")

# label → (wall seconds, peak memory of the process tree MiB, PDF bytes); None: no limit.
# Issue 17: 100,000 and 1,000,000 clients no slower and no larger than the run of 2026-11-27.
TARGETS: dict[str, tuple[float | None, float | None, int | None]] = {
    "real": (None, None, 10 * 1024**2),
    "100000": (62.8, 1150.0, 10 * 1024**2),
    "1000000": (285.7, 2730.0, 10 * 1024**2),
}
PEER_RATIO_TARGET = 2.0
"""Issue 17: the real export's full report ≤ 2 × ydata-profiling's minimal profile (aim: 1.3 ×)."""


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _s(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MiB".replace(",", " ")


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{n / 1024**2:.2f} MB" if n >= 1024**2 else f"{n / 1024:.0f} KB"


def _clients(label: str, size: dict[str, Any]) -> str:
    facts = size["runs"][0]["facts"] if size["runs"] else {}
    if label == "real":
        return f"{facts.get('clients') or '?'} (real)"
    return f"{int(label):,}".replace(",", " ")


def _summary(size: dict[str, Any]) -> dict[str, Any]:
    runs = size["runs"]
    walls = [r["wall"] for r in runs]
    stages: dict[str, float | None] = {}
    for key in {k for r in runs for k in r["timings"]}:
        stages[key] = _median([r["timings"][key] for r in runs if key in r["timings"]])
    top = sum(stages.get(k) or 0.0 for k in TOP_LEVEL)
    return {
        "wall": _median(walls), "min": min(walls) if walls else None,
        "max": max(walls) if walls else None, "stages": stages,
        "startup": (_median(walls) - top) if walls else None,
        "tree": max((r["peak_tree_mib"] or 0.0) for r in runs) if runs else None,
        "rss": max(r["peak_rss_mib"] for r in runs) if runs else None,
        "pdf": max(r["pdf_bytes"] for r in runs) if runs else None,
        "facts": runs[0]["facts"] if runs else {},
    }


def _verdict(label: str, s: dict[str, Any], ratio: float | None) -> str:
    wall_limit, mem_limit, pdf_limit = TARGETS.get(label, (None, None, None))
    if wall_limit is None and mem_limit is None and pdf_limit is None:
        return "—"
    checks = []
    if wall_limit is not None:
        checks.append(("time", s["wall"] is not None and s["wall"] <= wall_limit,
                       f"≤ {wall_limit:g} s"))
    if mem_limit is not None:
        memory = s["tree"] or s["rss"]
        checks.append(("memory", memory is not None and memory <= mem_limit,
                       f"≤ {mem_limit / 1024:.2f} GB"))
    if pdf_limit is not None:
        checks.append(("PDF", s["pdf"] is not None and s["pdf"] <= pdf_limit, "≤ 10 MB"))
    if label == "real" and ratio is not None:
        checks.append(("vs ydata-profiling", ratio <= PEER_RATIO_TARGET, f"≤ {PEER_RATIO_TARGET}×"))
    return "; ".join(f"{'✅' if ok else '❌'} {what} {limit}" for what, ok, limit in checks)


def _machine(m: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    peer = m.get("peer_versions") or {}
    lines = [
        "## Machine",
        "",
        f"- date: {m['date']}; commit {m['git_commit']}"
        + (" with uncommitted changes" if m.get("git_dirty") else ""),
        f"- CPU: {m['cpu_model']}; {m['cores']} cores ({m['usable_cores']} usable); "
        f"memory {m['memory_gib']} GiB; {m['os']}",
        f"- Python {m['python']}; {packages}",
        f"- load average (1/5/15 min) at start {m.get('load_start')}, at end {m.get('load_end')}"
        " — the machine is shared, so other work can slow single runs",
    ]
    if m.get("blas_env"):
        lines.append(f"- environment: {m['blas_env']}")
    if peer:
        lines.append("- peer (`.venv-bench`): " + ", ".join(f"{k} {v}" for k, v in peer.items()))
    lines.append(f"- command: `{m['command']}`; total bench time {_s(m.get('bench_seconds'), 0)} s")
    return lines


def _results(data: dict[str, Any], summaries: dict[str, dict[str, Any]],
             ratio: float | None) -> list[str]:
    lines = ["## End-to-end report (`oneclick report --quiet`, fresh process per run)", "",
             "| export | clients | runs | median wall, s (min–max) | peak memory: process "
             "tree / largest process | PDF | HTML | model | targets |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, size in data["sizes"].items():
        s = summaries[label]
        if not size["runs"]:
            lines.append(f"| {label} | — | 0 | {size.get('note', 'not run')} | | | | | |")
            continue
        facts = s["facts"]
        html = max(r["html_bytes"] for r in size["runs"])
        lines.append(
            f"| {label} | {_clients(label, size)} | {len(size['runs'])} | "
            f"**{_s(s['wall'])}** ({_s(s['min'])}–{_s(s['max'])}) | "
            f"{_mib(s['tree'])} / {_mib(s['rss'])} | {_size(s['pdf'])} | {_size(html)} | "
            f"{facts.get('best')} | {_verdict(label, s, ratio)} |")
    return lines


def _stages(data: dict[str, Any], summaries: dict[str, dict[str, Any]]) -> list[str]:
    head = " | ".join(title for _, title in STAGES)
    lines = ["## Stage medians, seconds (from each revision's `manifest.json` `timings`)", "",
             "`search` … `SHAP` and `behaviour`, `segments` are the steps of the `analyse` "
             "stage; `startup` is the median wall time minus the stages (interpreter start, "
             "imports, archive publishing).", "",
             f"| export | {head} | startup | total |", "|---" * (len(STAGES) + 3) + "|"]
    for label, size in data["sizes"].items():
        if not size["runs"]:
            continue
        s = summaries[label]
        cells = " | ".join(_s(s["stages"].get(key)) for key, _ in STAGES)
        lines.append(f"| {label} | {cells} | {_s(s['startup'])} | {_s(s['wall'])} |")
    lines += ["", "Samples the run used (from `results.json`):", "",
              "| export | families compared | search sample | fit sample | explainer | "
              "clients explained | reasons | CV ROC AUC | test ROC AUC |",
              "|---|---|---|---|---|---|---|---|---|"]
    for label, size in data["sizes"].items():
        if not size["runs"]:
            continue
        f = summaries[label]["facts"]
        lines.append(f"| {label} | {', '.join(f.get('families') or [])} | "
                     f"{f.get('search_sample')} | {f.get('fit_sample') or 'all'} | "
                     f"{f.get('explainer')} | {f.get('n_explained')} | {f.get('reasons_method')}"
                     f" | {f.get('cv_roc_auc')} | {f.get('test_roc_auc')} |")
    return lines


def _peer(data: dict[str, Any], summaries: dict[str, dict[str, Any]]) -> tuple[list[str],
                                                                             float | None]:
    peer = data.get("peer")
    if not peer or not peer.get("runs"):
        note = (peer or {}).get("note", "not run")
        return ["## Peer: ydata-profiling, minimal profile", "", f"Not measured: {note}."], None
    runs = peer["runs"]
    wall = _median([r["wall"] for r in runs])
    call = _median([r["profile"] for r in runs])
    ours = summaries.get("real", {}).get("wall")
    ratio = ours / wall if ours and wall else None
    ratio_call = ours / call if ours and call else None
    lines = [
        "## Peer: ydata-profiling, minimal profile of the same client table", "",
        f"`ProfileReport(df, minimal=True).to_file(html)` on "
        f"`analysis.data.clients.load_export(real).clients` ({runs[0]['rows']} rows × "
        f"{runs[0]['columns']} columns, handed over as CSV), in `.venv-bench`, a fresh process "
        "per run, same number of runs as the real export.", "",
        "| runs | process wall, s | of which import | ProfileReport + to_file, s | peak memory "
        "| our full report, s | ratio (process / process) | ratio (our process / their call) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {len(runs)} | **{_s(wall, 2)}** | {_s(_median([r['import'] for r in runs]), 2)} | "
        f"{_s(call, 2)} | {_mib(max(r['peak_rss_mib'] for r in runs))} | {_s(ours, 2)} | "
        f"**{_s(ratio, 2)}×** | {_s(ratio_call, 2)}× |"]
    return lines, ratio


def _profiles(data: dict[str, Any], top: int = 8) -> list[str]:
    profiles = data.get("profiles") or {}
    if not profiles:
        return []
    lines = ["## Profile: top functions by cumulative time, per stage", "",
             "cProfile of one in-process report per export (`python -m bench.profile`), with "
             "`model.n_jobs = 1` so that every fit runs in the profiled process (the results "
             "do not depend on `n_jobs`); profiling adds overhead, so the seconds are larger "
             "than in the timed runs. Stages under 0.2 s are left out."]
    for label, found in profiles.items():
        if "error" in found:
            lines += ["", f"### {label}: profile failed", "", f"`{found['error']}`"]
            continue
        lines += ["", f"### {label} (profiled wall {_s(found['wall'])} s)"]
        for stage, info in found["stages"].items():
            if info["seconds"] < 0.2:
                continue
            lines += ["", f"**{stage}** — {_s(info['seconds'], 2)} s", "",
                      "| cumulative, s | share | calls | function |", "|---|---|---|---|"]
            for r in _distinct(info.get("own", []) + info["top"],
                               top + 10 if stage == "analyse" else top):
                lines.append(f"| {r['cumtime']:.2f} | {r['share'] * 100:.0f} % | {r['calls']} | "
                             f"`{r['function']}` |")
    return lines


def _distinct(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The ``n`` largest rows, one per wrapper chain (rows within 1 % of a shown one dropped)."""
    shown: list[dict[str, Any]] = []
    for r in sorted(rows, key=lambda r: (-r["cumtime"], r["function"])):
        if any(r["function"] == s["function"] or abs(r["cumtime"] - s["cumtime"])
               <= 0.01 * max(s["cumtime"], 1e-9) for s in shown):
            continue
        shown.append(r)
        if len(shown) == n:
            break
    return shown


def _extrapolation(data: dict[str, Any], summaries: dict[str, dict[str, Any]]) -> list[str]:
    sizes = data["sizes"]
    done = {k for k, v in sizes.items() if v["runs"]}
    if "1000000" in done or not {"10000", "100000"} <= done:
        return []
    small, large = summaries["10000"], summaries["100000"]
    slope = (large["wall"] - small["wall"]) / 90_000
    guess = large["wall"] + slope * 900_000
    return ["## 1,000,000 clients: EXTRAPOLATION, not a measurement", "",
            f"Not run in this benchmark. A straight line through the 10,000 and 100,000 "
            f"medians ({_s(small['wall'])} s, {_s(large['wall'])} s) gives about "
            f"{_s(guess, 0)} s for 1,000,000 clients. This is an extrapolation only."]


def render(data: dict[str, Any]) -> str:
    """The generated part of ``BENCHMARKS.md`` (between the markers)."""
    summaries = {label: _summary(size) for label, size in data["sizes"].items()}
    peer_lines, ratio = _peer(data, summaries)
    lines = [BEGIN, "", *_machine(data["machine"]), "", *_results(data, summaries, ratio), "",
             *_stages(data, summaries), "", *peer_lines, ""]
    extra = _extrapolation(data, summaries)
    if extra:
        lines += [*extra, ""]
    notes = [f"- {label}: {size['note']}" for label, size in data["sizes"].items()
             if size.get("note")]
    if notes:
        lines += ["Notes of this run:", "", *notes, ""]
    lines += [*_profiles(data), "", END]
    return "\n".join(lines) + "\n"


_HEADER = """# Benchmarks

Time, memory and size of the monthly report on the real export and on synthetic
exports of 10,000, 100,000 and 1,000,000 clients made by `analysis.data.demo`
(seed 20261127). Run `python -m bench` from the repository root (see README,
«Benchmark»); the part between the markers below is rewritten by every run.

"""


def write_benchmarks(path: Path, data: dict[str, Any]) -> None:
    """Replace the generated part of ``path`` (or write a new file), keep the rest."""
    generated = render(data)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            before = text[:text.index(BEGIN)]
            after = text[text.index(END) + len(END):].lstrip("\n")
            path.write_text(before + generated + ("\n" + after if after else ""),
                            encoding="utf-8")
            return
    path.write_text(_HEADER + generated, encoding="utf-8")
