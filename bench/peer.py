"""The peer figure: ydata-profiling's minimal profile of the same client table.

ydata-profiling 4.x pins ``pandas<3`` and ``numpy<2.4`` (and older scipy,
matplotlib and numba): installed into the project's ``.venv`` it would
downgrade the very stack the report runs on. It therefore runs in its own
virtual environment, ``.venv-bench`` at the repository root, which the
benchmark creates on first use (``python -m venv`` with the interpreter of the
project's venv, then ``pip install`` of the ``bench`` extra's requirements as
written in ``pyproject.toml``, or :data:`DEFAULT_REQUIREMENTS` while the extra
does not exist). A ``.gitignore`` containing ``*`` inside it keeps it out of
git and of ruff.

The table handed over is ``analysis.data.clients.load_export(DATA).clients`` (one
row per client, the four exports merged), written as CSV by the project's
venv and read back by pandas in ``.venv-bench``. Each run is a fresh process;
it reports the seconds of its imports, of reading the CSV and of
``ProfileReport(df, minimal=True).to_file(html)``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from bench.runner import run_command

__all__ = ["DEFAULT_REQUIREMENTS", "PEER_SCRIPT", "ensure_venv", "run_peer", "write_table"]

DEFAULT_REQUIREMENTS = ("ydata-profiling>=4.10",)
PEER_SCRIPT = """\
import json, sys, time
start = time.perf_counter()
import pandas as pd
from ydata_profiling import ProfileReport
imported = time.perf_counter()
df = pd.read_csv(sys.argv[1], index_col=0)
read = time.perf_counter()
ProfileReport(df, minimal=True, progress_bar=False).to_file(sys.argv[2])
done = time.perf_counter()
print(json.dumps({"import": imported - start, "read": read - imported,
                  "profile": done - read, "rows": len(df), "columns": df.shape[1]}))
"""


def _requirements(root: Path) -> list[str]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return list(DEFAULT_REQUIREMENTS)
    extra = project.get("project", {}).get("optional-dependencies", {}).get("bench")
    return list(extra) if extra else list(DEFAULT_REQUIREMENTS)


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(root: Path, venv: Path, log: Any = print) -> Path:
    """Create ``venv`` with ydata-profiling unless it already imports; returns its python."""
    python = _python(venv)
    probe = [str(python), "-c", "import ydata_profiling"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    requirements = _requirements(root)
    log(f"создаю {venv} и ставлю {' '.join(requirements)} (один раз)…")
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    (venv / ".gitignore").write_text("# made by python -m bench\n*\n", encoding="utf-8")
    for command in ([str(python), "-m", "pip", "install", "--quiet",
                     "--disable-pip-version-check", *requirements, "pandas"], probe):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, command,
                                                done.stdout, done.stderr[-2000:])
    return python


def peer_versions(python: Path) -> dict[str, str]:
    """Versions of ydata-profiling, pandas and numpy in the peer's venv."""
    code = ("import json; from importlib.metadata import version as v; "
            "print(json.dumps({n: v(n) for n in ('ydata-profiling', 'pandas', 'numpy')}))")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def write_table(data_dir: Path, path: Path) -> tuple[int, int]:
    """The merged client table of ``data_dir`` as CSV; returns (rows, columns)."""
    from analysis.data.clients import load_export

    clients = load_export(data_dir).clients
    clients.to_csv(path)
    return clients.shape


def run_peer(python: Path, table: Path, work: Path) -> dict[str, Any]:
    """One peer run in a fresh process; wall time, its own step times, peak memory."""
    script = work / "peer_profile.py"
    script.write_text(PEER_SCRIPT, encoding="utf-8")
    html = work / "ydata-profile.html"
    wall, peak, tree, stdout = run_command([str(python), str(script), str(table), str(html)])
    steps = json.loads(stdout.strip().splitlines()[-1])
    return {"wall": round(wall, 3), "peak_rss_mib": peak, "peak_tree_mib": tree,
            "html_bytes": html.stat().st_size, **{k: round(v, 3) if isinstance(v, float) else v
                                                   for k, v in steps.items()}}
