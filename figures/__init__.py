"""Charts of the report, drawn from the results bundle only.

:func:`figures.build.build_figures` is the entry point; what each figure shows
and its facts live in :mod:`figures.plans`, plot helpers in
:mod:`figures.behaviour`, :mod:`figures.model`, :mod:`figures.drivers` and
:mod:`figures.segments` (the blocks they share, drawn with seaborn, in
:mod:`figures.draw`), the palette and sizes in :mod:`figures.theme`.
"""
