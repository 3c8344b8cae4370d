"""Stage timing and the progress display (rich), silent with ``--quiet`` or off a terminal.

:class:`StageClock` times each stage (``timings``, the run log) and, on a
terminal, shows a spinner per running stage (stages may overlap: the figures
are drawn while the action list is written) with a bar and a count for each
long loop inside it. The loops report through the callback of
:mod:`analysis.progress`: :meth:`StageClock.progress` is one, so the pipeline
passes it down to the analysis and the figures. WeasyPrint's own progress
messages become the PDF's step count (:func:`weasyprint_steps`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as Display
from rich.text import Text

from analysis.progress import CROSS_FIT, FIGURES, PDF, SEARCH, SHAP, Progress

__all__ = ["STEP_TITLES", "WEASYPRINT_STEPS", "StageClock", "weasyprint_steps"]

log = logging.getLogger("oneclick")

STEP_TITLES: dict[str, str] = {
    SEARCH: "подбор модели, обучений",
    CROSS_FIT: "калибровка на разбиениях",
    SHAP: "объяснение клиентов (SHAP)",
    FIGURES: "графиков нарисовано",
    PDF: "шагов вёрстки PDF",
}
"""What each counted loop is called on the screen and in the run log."""
WEASYPRINT_STEPS = 7
"""WeasyPrint logs its work as «Step 1» … «Step 7» (parse HTML … PDF metadata)."""
_STEP = re.compile(r"^Step (\d+)\b")


class _StepBar(BarColumn):
    """A bar for a counted loop; nothing for a stage's own row (no total)."""

    def render(self, task: Task) -> RenderableType:
        return Text("") if task.total is None else super().render(task)


class _Count(TextColumn):
    """«k из N» for a counted loop; nothing for a stage's own row."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)} из {int(task.total)}", style="progress.download")


@dataclass
class StageClock:
    """Times each stage, shows it in the terminal, and keeps a run log.

    Parameters
    ----------
    quiet
        No terminal output (for cron); the run log is still kept.
    console
        Where the display goes (standard error by default). Nothing is shown
        when it is not a terminal (a pipe, a log file), as with ``quiet``.
    """

    quiet: bool = False
    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    timings: dict[str, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    _display: Display | None = None
    _running: int = 0
    _steps: dict[str, TaskID] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def shows(self) -> bool:
        """Whether anything is drawn: not ``quiet`` and the console is a terminal."""
        return not self.quiet and self.console.is_terminal

    @contextmanager
    def stage(self, name: str, title: str) -> Iterator[None]:
        """Time one stage; the display shows a spinner while it runs."""
        start = time.perf_counter()
        self._log(f"начато: {title}")
        row = self._open(title)
        try:
            yield
        finally:
            self._close(row)
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 3)
        self._log(f"готово: {title} — {elapsed:.1f} с")
        if self.shows:
            self.console.print(f"[green]✓[/green] {title} [dim]{elapsed:.1f} с[/dim]")

    def progress(self, step: str, done: int, total: int) -> None:
        """The :class:`analysis.progress.Progress` callback: a bar with «k из N» per step.

        A step's bar goes when its count is complete; the run log gets one line then.
        """
        title = STEP_TITLES.get(step, step)
        if done >= total:
            self._log(f"{title}: {done} из {total}")
        if not self.shows:
            return
        with self._lock:
            if self._display is None:
                return
            task = self._steps.get(step)
            if task is None:
                task = self._display.add_task(f"  {title}", total=total)
                self._steps[step] = task
            self._display.update(task, completed=done, total=total)
            if done >= total:
                self._display.remove_task(self._steps.pop(step))

    def _open(self, title: str) -> TaskID | None:
        if not self.shows:
            return None
        with self._lock:
            if self._display is None:
                self._display = Display(
                    SpinnerColumn("dots"), TextColumn("[bold]{task.description}"),
                    _StepBar(bar_width=30), _Count(), TimeElapsedColumn(),
                    console=self.console, transient=True)
                self._display.start()
            self._running += 1
            return self._display.add_task(f"{title}…", total=None)

    def _close(self, row: TaskID | None) -> None:
        if row is None:
            return
        with self._lock:
            if self._display is None:
                return
            self._display.remove_task(row)
            self._running -= 1
            if self._running == 0:
                self._display.stop()
                self._display = None
                self._steps.clear()

    def _log(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.lines.append(f"{stamp} {message}")
        log.info(message)

    def write_log(self, path: Path) -> None:
        """Save the run log (one line per event)."""
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


class _WeasyPrintSteps(logging.Handler):
    """Turns WeasyPrint's «Step N - …» progress messages into step counts."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress
        self.reached = 0

    def emit(self, record: logging.LogRecord) -> None:
        found = _STEP.match(record.getMessage())
        step = int(found.group(1)) if found else 0
        if self.reached < step <= WEASYPRINT_STEPS:
            self.reached = step
            self.progress(PDF, step, WEASYPRINT_STEPS)


@contextmanager
def weasyprint_steps(progress: Progress) -> Iterator[None]:
    """Count WeasyPrint's rendering steps (:data:`analysis.progress.PDF`) within the block.

    WeasyPrint announces its steps on the ``weasyprint.progress`` logger at
    INFO; within the block they go to ``progress`` only (not to the root
    logger's handlers), and the count is completed when the block succeeds.
    """
    logger = logging.getLogger("weasyprint.progress")
    handler = _WeasyPrintSteps(progress)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    if handler.reached < WEASYPRINT_STEPS:
        progress(PDF, WEASYPRINT_STEPS, WEASYPRINT_STEPS)
