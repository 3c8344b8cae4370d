"""analysis.workers: the model stage's pool started ahead of the stage."""

from __future__ import annotations

import os

import pytest
from joblib import Parallel, delayed

from analysis import workers


def test_the_pool_started_ahead_is_the_one_the_stage_uses() -> None:
    with workers.warm_workers(2):
        pass
    started = set(Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(8)))
    again = set(Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(8)))
    assert os.getpid() not in started
    assert started == again  # reused, not restarted


def test_one_job_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers.threading, "Thread", None)  # calling it would fail
    with workers.warm_workers(1):
        pass


def test_a_failing_start_is_waited_for_and_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def refuse() -> int:
        calls.append(1)
        raise OSError("no processes for you")

    monkeypatch.setattr(workers, "_ready", refuse)
    monkeypatch.setattr("joblib.Parallel", lambda n_jobs: lambda tasks: [t[0]() for t in tasks])
    with workers.warm_workers(2):
        pass
    assert calls == [1]  # the thread ran and finished before the block was left
