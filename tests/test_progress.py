"""The stage clock and progress display: counts shown on a terminal, nothing otherwise."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from report.progress import WEASYPRINT_STEPS, StageClock, weasyprint_steps


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=100, highlight=False), out


def _run(clock: StageClock) -> None:
    with clock.stage("analyse", "Анализ"):
        for k in range(1, 4):
            clock.progress("search", k, 3)
        with clock.stage("inner", "Внутри"):
            clock.progress("figures", 1, 2)
            clock.progress("figures", 2, 2)


@pytest.mark.parametrize(("quiet", "terminal"), [(True, True), (False, False), (True, False)])
def test_nothing_is_printed_quiet_or_off_a_terminal(quiet: bool, terminal: bool) -> None:
    console, out = _console(terminal)
    clock = StageClock(quiet=quiet, console=console)
    _run(clock)
    assert out.getvalue() == ""
    assert not clock.shows
    assert set(clock.timings) == {"analyse", "inner"}
    log = "\n".join(clock.lines)
    assert "подбор модели, обучений: 3 из 3" in log  # the run log keeps the counts
    assert "графиков нарисовано: 2 из 2" in log


def test_a_terminal_sees_each_stage_finish() -> None:
    console, out = _console(terminal=True)
    clock = StageClock(console=console)
    _run(clock)
    shown = out.getvalue()
    assert clock.shows
    assert "✓" in shown and "Анализ" in shown and "Внутри" in shown
    assert clock._display is None  # the live display is stopped with the last stage


def test_the_display_stops_when_a_stage_fails() -> None:
    console, _ = _console(terminal=True)
    clock = StageClock(console=console)
    with pytest.raises(RuntimeError), clock.stage("pdf", "PDF"):
        clock.progress("pdf", 1, 7)
        raise RuntimeError("layout failed")
    assert clock._display is None
    assert "pdf" not in clock.timings


def test_weasyprint_messages_become_monotonic_step_counts() -> None:
    logger = logging.getLogger("weasyprint.progress")
    before = (logger.level, logger.propagate, list(logger.handlers))
    calls: list[tuple[str, int, int]] = []
    with weasyprint_steps(lambda *call: calls.append(call)):
        for message in ("Step 1 - Fetching and parsing HTML - x", "Step 2 - Parsing CSS",
                        "Step 2 - Parsing CSS", "Step 5 - Creating layout - Page 1",
                        "Step 5 - Creating layout - Page 2", "Step 4 - out of order",
                        "Step 6 - Creating PDF", "not a step"):
            logger.info(message)
    assert calls == [("pdf", 1, 7), ("pdf", 2, 7), ("pdf", 5, 7), ("pdf", 6, 7), ("pdf", 7, 7)]
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


def test_a_real_weasyprint_render_counts_up_to_its_last_step() -> None:
    from weasyprint import HTML

    calls: list[tuple[str, int, int]] = []
    with weasyprint_steps(lambda *call: calls.append(call)):
        HTML(string="<p>один</p>").write_pdf()
    counts = [done for _, done, _ in calls]
    assert counts == sorted(set(counts)) and counts[-1] == WEASYPRINT_STEPS
    assert {total for _, _, total in calls} == {WEASYPRINT_STEPS}
