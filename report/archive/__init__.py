"""Archived report revisions: build in a temporary folder, publish atomically.

Layout of an archive folder::

    ARCHIVE_DIR/
        .lock                 flock target, held only while a revision is renamed into place
        ledger.jsonl          one line per published manifest, append-only (the hash chain)
        .tmp-2026-11-<pid>-<token>/   revision being built (ignored by everything else)
        2026-11/
            r1/               published revisions, never overwritten
                manifest.json     sha256 of every file + sha256 of the previous manifest
                manifest.sig      HMAC-SHA256 of manifest.json (only when a key is set)
                report.pdf ...
                deliveries/log.jsonl   appended by ``oneclick send`` (its own check)
            r2/

Crash safety (POSIX/Linux):

* A revision is written into a ``.tmp-*`` folder on the same filesystem and moved
  into ``PERIOD/rN`` with one ``os.rename`` once ``manifest.json`` and every file
  are on disk, so a reader sees a complete revision or none.
* The revision number is chosen and the rename done while holding ``flock`` on
  ``ARCHIVE_DIR/.lock``, so two concurrent runs get ``r1`` and ``r2``.  The kernel
  drops the lock when its holder dies (even by SIGKILL); the file itself means
  nothing.
* Under the same lock the manifest is sealed (it names ``PERIOD/rN`` and the
  sha256 of the ledger's last manifest), the folder renamed and the revision's line
  appended to ``ledger.jsonl`` with an fsync; if that line cannot be written the
  folder is moved back and nothing is published. A crash in the instant between the
  rename and the ledger line leaves a revision that ``archive verify`` reports as
  "not in the ledger".
* The builder also holds ``flock`` on its own ``.tmp-*`` folder.  A later run
  removes ``.tmp-*`` folders whose lock it can take (their owner is dead) and
  that have not been modified for :data:`report.archive.locks.STALE_TMP_MIN_AGE_S` seconds.

Modules, each owning its names (import from the module, not from this package):

- :mod:`report.archive.store`: :class:`~report.archive.store.RevisionBuilder`, which
  builds a revision in a temporary folder and publishes it (fsync, flock, rename).
- :mod:`report.archive.locks`: the publish lock and the removal of dead runs' folders.
- :mod:`report.archive.numbering`: periods and revision names (``YYYY-MM/rN``).
- :mod:`report.archive.manifest`: ``manifest.json`` (draft, seal) and the check of a
  revision (``archive verify REV``).
- :mod:`report.archive.schema`: manifest versions, required and reserved keys.
- :mod:`report.archive.contents`: hashing without following links; listed, unlisted
  and delivery files.
- :mod:`report.archive.ledger`: ``ledger.jsonl``, its lines and chain links.
- :mod:`report.archive.signing`: the optional HMAC key and ``manifest.sig``.
- :mod:`report.archive.audit`: ``archive verify --all``.
- :mod:`report.archive.provenance`: tool, git commit and package versions.
- :mod:`report.archive.listing`: published revisions, the latest one, the text table.
- :mod:`report.archive.errors`: :class:`~report.archive.errors.ArchiveError`.
"""
