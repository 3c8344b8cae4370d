"""Benchmark of the monthly report: ``python -m bench`` from the repository root.

Not part of the installed packages (``pyproject.toml`` lists ``analysis``,
``figures`` and ``report`` only). One run times the whole ``oneclick report``
on the real export and on synthetic exports made by the project's own
generator (:func:`analysis.data.demo.write.write_demo_export`), reads the per-stage
timings from each revision's ``manifest.json``, measures peak memory, times
ydata-profiling's minimal profile of the same client table as a peer figure,
profiles every stage with cProfile, and writes ``BENCHMARKS.md``.

Modules
-------
:mod:`bench.machine`
    Cores, memory, CPU model, Python and package versions, load average.
:mod:`bench.runner`
    One report in a fresh subprocess: wall time, stage timings, peak memory, PDF size.
:mod:`bench.peer`
    ydata-profiling in its own virtual environment (``.venv-bench``).
:mod:`bench.profile`
    cProfile of every stage of one in-process report (``python -m bench.profile``).
:mod:`bench.table`
    The Markdown of ``BENCHMARKS.md``.
"""
