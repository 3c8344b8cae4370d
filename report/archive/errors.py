"""The one error the archive raises for a folder it cannot write or read."""

from __future__ import annotations

__all__ = ["ArchiveError"]


class ArchiveError(Exception):
    """The archive folder cannot be written; the message names the folder."""
