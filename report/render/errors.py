"""Errors of the rendering stage, in one place."""

from __future__ import annotations

__all__ = ["RenderError", "URLRefusedError"]


class RenderError(Exception):
    """The report could not be rendered; the message says which step failed and why."""


class URLRefusedError(PermissionError):
    """A resource outside the run folder was requested while laying out the PDF."""
