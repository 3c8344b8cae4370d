"""Archived report revisions: build in a temporary folder, publish atomically.

Layout of an archive folder::

    ARCHIVE_DIR/
        .lock                 flock target, held only while a revision is renamed into place
        .tmp-2026-11-<pid>-<token>/   revision being built (ignored by everything else)
        2026-11/
            r1/               published revisions, never overwritten
                manifest.json
                report.pdf ...
            r2/

Crash safety (POSIX/Linux):

* A revision is written into a ``.tmp-*`` folder on the same filesystem and moved
  into ``PERIOD/rN`` with one ``os.rename`` once ``manifest.json`` and every file
  are on disk, so a reader sees a complete revision or none.
* The revision number is chosen and the rename done while holding ``flock`` on
  ``ARCHIVE_DIR/.lock``, so two concurrent runs get ``r1`` and ``r2``.  The kernel
  drops the lock when its holder dies (even by SIGKILL); the file itself means
  nothing.
* The builder also holds ``flock`` on its own ``.tmp-*`` folder.  A later run
  removes ``.tmp-*`` folders whose lock it can take (their owner is dead) and
  that have not been modified for :data:`report.archive.locks.STALE_TMP_MIN_AGE_S` seconds.

Modules, each owning its names (import from the module, not from this package):

- :mod:`report.archive.store`: :class:`~report.archive.store.RevisionBuilder`, which
  builds a revision in a temporary folder and publishes it (fsync, flock, rename).
- :mod:`report.archive.locks`: the publish lock and the removal of dead runs' folders.
- :mod:`report.archive.numbering`: periods and revision names (``YYYY-MM/rN``).
- :mod:`report.archive.manifest`: hashing, ``manifest.json`` and its verification.
- :mod:`report.archive.provenance`: tool, git commit and package versions.
- :mod:`report.archive.listing`: published revisions, the latest one, the text table.
- :mod:`report.archive.files`: the names of the files a revision holds.
- :mod:`report.archive.errors`: :class:`~report.archive.errors.ArchiveError`.
"""
