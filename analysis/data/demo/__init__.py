"""Synthetic demo export of the «В один клик» store.

The project cannot ship the real customer export, so it ships a synthetic one
made by this package: the same four tables, column names, long/wide shapes,
dialects (CRLF line endings; ``money.csv`` with ``;`` and decimal comma) and
plausible distributions, with a learnable but imperfect relation between the
behaviour of a client and the target ``Покупательская активность``.

No row, id or value list of the real export is contained here: only the
schema (column, category and period names) and plausible ranges.

Modules, each owning its names (import from the module, not from this package):

- :mod:`analysis.data.demo.schema`: table, column, period and category names of the export.
- :mod:`analysis.data.demo.generate`: the latent-variable model drawing the columns,
  :func:`~analysis.data.demo.generate.generate_demo_export`.
- :mod:`analysis.data.demo.defects`: the planted data-quality defects,
  :data:`~analysis.data.demo.defects.PLANTED_DEFECTS` and how to find them again.
- :mod:`analysis.data.demo.write`: the CSV files and README,
  :func:`~analysis.data.demo.write.write_demo_export`.
"""
