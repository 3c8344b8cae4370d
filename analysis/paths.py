"""Every path the tool knows by default, built in one place from the installed package.

The names of the files inside a results bundle or a revision are in
:mod:`analysis.results.files`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_NAME = "oneclick.toml"
OFFER_RULES_PATH = PACKAGE_DIR / "segments" / "offers.toml"

EXPORT_FILES: dict[str, str] = {
    "market_file": "market_file.csv",
    "market_money": "market_money.csv",
    "market_time": "market_time.csv",
    "money": "money.csv",
}


def export_paths(data_dir: Path) -> dict[str, Path]:
    """Paths of the four export files inside ``data_dir``."""
    return {key: Path(data_dir) / name for key, name in EXPORT_FILES.items()}
