"""Start the analysis's worker processes early, while this one does other work.

The phik matrix, the search, the cross-fitting and the explanations run in joblib's
reusable pool of ``model.n_jobs`` processes (the ``loky`` backend). A new pool
costs about 1.5 s before its first fit: the processes start and import
scikit-learn and this package. :func:`warm_workers` pays that cost on a
background thread at the start of a run, while this process imports its own
libraries, reads and validates the export and runs the behaviour tests, so the
first fit finds the pool ready. The pool is the one every later ``Parallel``
call with the same ``n_jobs`` reuses; nothing computed here reaches the
results, which are the same with or without it.

This module imports only joblib at import time: the command line calls it
before the rest of the run is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

__all__ = ["warm_workers"]


def _ready() -> int:
    """Import in a worker what the model stage's tasks will unpickle there."""
    import analysis.behaviour.correlation  # phik's pairs
    import analysis.explain.explanation
    import analysis.model.fit  # noqa: F401

    return 1


def _start(n_jobs: int) -> None:
    from joblib import Parallel, delayed

    # only a head start: a failure here shows again, and is reported, in the stage itself
    with suppress(Exception):
        Parallel(n_jobs=n_jobs)(delayed(_ready)() for _ in range(n_jobs))


@contextmanager
def warm_workers(n_jobs: int) -> Iterator[None]:
    """Start ``n_jobs`` worker processes on a background thread for the block's duration.

    With ``n_jobs`` 1 nothing is started (every fit runs in this process). On
    leaving the block the thread is waited for, so that a run which stops early
    (bad input) never leaves it half-way through starting the pool.
    """
    if n_jobs <= 1:
        yield
        return
    thread = threading.Thread(target=_start, args=(n_jobs,), name="warm-workers", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
