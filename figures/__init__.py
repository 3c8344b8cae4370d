"""Charts of the report, drawn from the results bundle only.

:func:`figures.build.build_figures` is the entry point; plot helpers live in
:mod:`figures.behaviour`, :mod:`figures.model`, :mod:`figures.drivers` and
:mod:`figures.segments`, captions in :mod:`figures.plans`, the look in
:mod:`figures.theme`.
"""
