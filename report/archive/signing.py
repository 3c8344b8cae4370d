"""Optional signing of manifests: HMAC-SHA256 with a key from the environment.

When :data:`ENV_KEY` holds a key at publication, the manifest records a
``signature`` claim (algorithm and key id; covered by the hash chain) and the
sidecar ``manifest.sig`` holds the HMAC-SHA256 of the exact bytes of
``manifest.json`` (canonical JSON, see :mod:`report.archive.manifest`).

Why HMAC and not Ed25519: Ed25519 would let an auditor check signatures with a
public key that cannot sign, which is nicer, but the standard library has no
Ed25519, so it would add ``cryptography`` or PyNaCl (compiled dependencies not in
this project's environment) plus key-file handling, for a tool whose one signer
and one checker are the same operator. ``hmac`` is in the standard library,
well reviewed, and :func:`hmac.compare_digest` compares in constant time. The
price: whoever can check can also sign, so the key must be kept away from the
archive (e.g. in the scheduler's secret store), never written beside it.

The key itself is never written, printed or put in a message; the ``key_id`` is
an HMAC of a fixed label, so it names the key without revealing it (it gives an
attacker nothing the MAC does not already give: both only allow guessing a weak
key, hence the minimum length).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from analysis.errors import InputError

__all__ = [
    "ALGORITHM",
    "ENV_KEY",
    "MIN_KEY_BYTES",
    "SIDECAR",
    "archive_key",
    "check_signature",
    "key_id",
    "sidecar_text",
    "signature_claim",
]

ENV_KEY = "ONECLICK_ARCHIVE_KEY"
MIN_KEY_BYTES = 16
ALGORITHM = "hmac-sha256"
SIDECAR = "manifest.sig"
"""The signature file beside ``manifest.json`` (not listed in the manifest it signs)."""

_KEY_ID_LABEL = b"oneclick archive key id"
_HEX = re.compile(r"^[0-9a-f]+$")


def archive_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The signing key from :data:`ENV_KEY`, or None when unset or empty.

    Raises
    ------
    InputError
        The key is shorter than :data:`MIN_KEY_BYTES` bytes (the message never shows it).
    """
    text = (os.environ if environ is None else environ).get(ENV_KEY, "")
    if not text:
        return None
    key = text.encode("utf-8", "surrogateescape")
    if len(key) < MIN_KEY_BYTES:
        raise InputError("окружение", f"ключ подписи архива {ENV_KEY} короче "
                         f"{MIN_KEY_BYTES} байт", "случайная строка, например "
                         "`openssl rand -hex 32`")
    return key


def key_id(key: bytes) -> str:
    """A short name of the key (16 hex digits) that does not reveal it."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def _mac(key: bytes, manifest_bytes: bytes) -> str:
    """HMAC-SHA256 of the manifest's bytes, hex."""
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def signature_claim(key: bytes | None) -> dict[str, str] | None:
    """The manifest's ``signature`` entry: algorithm and key id, or None when unsigned."""
    return None if key is None else {"algorithm": ALGORITHM, "key_id": key_id(key)}


def sidecar_text(key: bytes, manifest_bytes: bytes) -> str:
    """The content of ``manifest.sig`` for these manifest bytes."""
    body = {"algorithm": ALGORITHM, "key_id": key_id(key), "mac": _mac(key, manifest_bytes)}
    return json.dumps(body, sort_keys=True) + "\n"


def _valid_claim(claim: Any) -> bool:
    """A ``signature`` entry this tool can check."""
    return (isinstance(claim, dict) and claim.get("algorithm") == ALGORITHM
            and isinstance(claim.get("key_id"), str) and len(claim["key_id"]) == 16
            and bool(_HEX.match(claim["key_id"])))


def _read_sidecar(sidecar: bytes) -> dict[str, Any] | None:
    """The parsed sidecar, or None when it is not one."""
    try:
        body = json.loads(sidecar.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    good = (isinstance(body, dict) and isinstance(body.get("mac"), str)
            and bool(_HEX.match(body["mac"])))
    return body if good else None


def check_signature(claim: Any, sidecar: bytes | None, manifest_bytes: bytes,
                    key: bytes | None) -> tuple[list[str], list[str]]:
    """Check a signed manifest; return (problems, notes).

    An unsigned manifest (``claim`` None, no sidecar) gives nothing here: whether it
    may be unsigned depends on the archive (see :mod:`report.archive.manifest`).
    Without a key a signed manifest gives a note, not a problem.
    """
    if claim is None:
        return ([f"{SIDECAR} is present but the manifest claims no signature"]
                if sidecar is not None else [], [])
    if not _valid_claim(claim):
        return [f"the manifest's signature entry is not {ALGORITHM} with a key id"], []
    body = None if sidecar is None else _read_sidecar(sidecar)
    if body is None:
        what = "missing" if sidecar is None else "unreadable"
        return [f"the manifest claims a signature but {SIDECAR} is {what}"], []
    if body.get("algorithm") != ALGORITHM or body.get("key_id") != claim["key_id"]:
        return [f"{SIDECAR} does not match the manifest's signature entry"], []
    if key is None:
        return [], [f"signed (key id {claim['key_id']}), but {ENV_KEY} is not set: "
                    "the signature was not checked"]
    if key_id(key) != claim["key_id"]:
        return [f"signed with another key (key id {claim['key_id']}; the key in {ENV_KEY} "
                f"has id {key_id(key)})"], []
    if not hmac.compare_digest(body["mac"], _mac(key, manifest_bytes)):
        return [f"signature does not match: manifest.json was changed after signing "
                f"or {SIDECAR} was forged"], []
    return [], [f"signature valid (key id {claim['key_id']})"]
