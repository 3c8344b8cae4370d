"""Stage timing and the progress display (rich), silent with ``--quiet``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

__all__ = ["StageClock"]

log = logging.getLogger("oneclick")


@dataclass
class StageClock:
    """Times each stage, shows it in the terminal, and keeps a run log.

    Parameters
    ----------
    quiet
        No terminal output (for cron); the run log is still kept.
    """

    quiet: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    _console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    @contextmanager
    def stage(self, name: str, title: str) -> Iterator[None]:
        """Time one stage; the display shows a spinner while it runs."""
        start = time.perf_counter()
        self._log(f"начато: {title}")
        if self.quiet:
            yield
        else:
            with self._console.status(f"[bold]{title}…[/bold]", spinner="dots"):
                yield
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 3)
        self._log(f"готово: {title} — {elapsed:.1f} с")
        if not self.quiet:
            self._console.print(f"[green]✓[/green] {title} [dim]{elapsed:.1f} с[/dim]")

    def _log(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.lines.append(f"{stamp} {message}")
        log.info(message)

    def write_log(self, path: Path) -> None:
        """Save the run log (one line per event)."""
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
