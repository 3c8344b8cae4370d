"""Email an archived revision's PDF to management (``oneclick send``).

The revision is verified against its manifest first; a revision that fails is
never sent. The message has a Russian subject naming the period, a short HTML
body with a plain-text alternative (key numbers from ``results.json``) and
``report.pdf`` attached byte for byte. Temporary failures (4xx replies, dropped
connections, timeouts) are retried with exponential backoff; refusals (5xx,
authentication) and unreachable servers are not. The whole delivery has a
deadline, ``timeout × (retries + 1)`` plus the waits between attempts and a second
(:func:`~report.delivery.smtp.delivery_deadline`), which a server dripping its
replies cannot stretch. A message whose data was sent in full but whose reply
never came is not sent again: the delivery is recorded with status ``unknown``
(«исход неизвестен, повтор не выполнялся»: a copy may have been delivered).
Every delivery, sent, failed or unknown, appends one JSON line to
``REVISION/deliveries/log.jsonl``; files listed in the manifest are never touched.
SMTP credentials come only from the environment (:data:`ENV_USER`,
:data:`ENV_PASSWORD`) and are written nowhere.

``oneclick send`` (registered in :mod:`report.cli`) exits 1 on
:class:`RevisionNotSendable`, 2 on :class:`~analysis.errors.InputError` and 3 on
:class:`DeliveryError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from analysis.config import EmailParams
from analysis.errors import InputError
from analysis.results import files
from report.archive.manifest import verify_revision
from report.delivery.message import compose
from report.delivery.smtp import ENV_PASSWORD, ENV_USER, Credentials, SendFailure, deliver

__all__ = [
    "ENV_PASSWORD",
    "ENV_USER",
    "OUTCOME_UNKNOWN",
    "DeliveryError",
    "RevisionNotSendable",
    "send_revision",
]

OUTCOME_UNKNOWN = "исход неизвестен, повтор не выполнялся (копия письма могла быть доставлена)"
"""What the delivery record and the message say when the data was sent and no reply came."""
BASE_DELAY_S = 2.0
"""First retry waits this long, then twice as long each time."""

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class RevisionNotSendable(Exception):
    """The revision fails verification or its delivery log is not writable; nothing sent."""


class DeliveryError(Exception):
    """The message was not delivered (to everyone); the text names host:port and the reason."""


# ---------------------------------------------------------------------- checks


def _credentials(params: EmailParams) -> Credentials | None:
    """Read the SMTP login from the environment; refuse half a login or plain-text AUTH."""
    user, password = os.environ.get(ENV_USER, ""), os.environ.get(ENV_PASSWORD, "")
    if not user and not password:
        return None
    if not (user and password):
        raise InputError("окружение", f"задана только одна из переменных {ENV_USER}, "
                         f"{ENV_PASSWORD}", "обе переменные или ни одной")
    if params.security == "none" and params.smtp_host.lower() not in _LOOPBACK:
        raise InputError("--security", f"пароль не передаётся открытым текстом на "
                         f"{params.smtp_host}:{params.smtp_port}", "--security starttls или ssl")
    return Credentials(user, password)


def _check_addresses(params: EmailParams) -> None:
    """Refuse an empty recipient list and anything that is not one plain address."""
    if not params.to:
        raise InputError("--to", "не указан ни один получатель", "--to АДРЕС или email.to")
    for flag, address in [*(("--to", a) for a in params.to), ("--from", params.sender)]:
        parsed = parseaddr(address)[1]
        if "\r" in address or "\n" in address or "@" not in parsed or parsed != address.strip():
            raise InputError(flag, f"«{address}» — не адрес электронной почты",
                             "адрес вида name@example.ru")


def _load_revision(revision_dir: Path) -> bytes:
    """Verify the revision and return the bytes of its manifest-listed PDF."""
    if not revision_dir.is_dir():
        raise InputError(str(revision_dir), "папка ревизии не найдена",
                         "путь к ревизии, например reports/2026-11/r1")
    problems = verify_revision(revision_dir)
    if problems:
        raise RevisionNotSendable(f"Ревизия {revision_dir} не прошла проверку по манифесту "
                                  f"({'; '.join(problems)}); письмо не отправлено.")
    manifest = json.loads((revision_dir / files.MANIFEST).read_text(encoding="utf-8"))
    entry = manifest["files"].get(files.REPORT_PDF)
    pdf = (revision_dir / files.REPORT_PDF).read_bytes() if entry else b""
    if not entry or hashlib.sha256(pdf).hexdigest() != entry.get("sha256"):
        raise RevisionNotSendable(f"В ревизии {revision_dir} нет {files.REPORT_PDF}, заверенного "
                                  "манифестом; письмо не отправлено.")
    return pdf


def _open_log(revision_dir: Path) -> Path:
    """Create ``deliveries/`` and check the log can be appended to, before sending."""
    path = revision_dir / files.DELIVERY_LOG
    try:
        path.parent.mkdir(exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    except OSError as exc:
        raise RevisionNotSendable(f"Журнал доставки {path} недоступен для записи "
                                  f"({exc.strerror or exc}); письмо не отправлено.") from None
    return path


# ---------------------------------------------------------------------- record


def _append(path: Path, entry: Mapping[str, Any]) -> None:
    """Append one JSON line with a single write; warn on stderr if that fails after sending."""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        print(f"Внимание: доставка не записана в {path} ({exc.strerror or exc}).",
              file=sys.stderr)


def send_revision(
    revision_dir: Path,
    params: EmailParams,
    *,
    ssl_context: ssl.SSLContext | None = None,
    base_delay: float = BASE_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Verify a revision, email its PDF and record the delivery beside it.

    Parameters
    ----------
    revision_dir : Path
        A published revision, e.g. ``reports/2026-11/r1``.
    params : EmailParams
        Recipients, sender, server, security, retries and socket timeout.
    ssl_context : ssl.SSLContext, optional
        TLS context for ``starttls``/``ssl``; default :func:`ssl.create_default_context`
        (certificate and host name verified). Tests inject one trusting their own CA.
    base_delay : float
        Seconds before the first retry; doubled before each further one.
    sleep : Callable[[float], None]
        Waits between retries (injectable for tests).

    Returns
    -------
    dict[str, Any]
        The delivery record appended to ``deliveries/log.jsonl`` (``status`` ``sent``).

    Raises
    ------
    InputError
        No recipients, a malformed address, half a login, or a password over ``none``
        to a non-loopback host.
    RevisionNotSendable
        The revision fails :func:`~report.archive.manifest.verify_revision`, has no verified
        ``report.pdf``, or its delivery log cannot be written.
    DeliveryError
        Refused, unreachable, still failing after ``params.retries`` retries or at the
        deadline; some recipients refused; or the outcome unknown (data sent, no reply:
        not retried, recorded as ``unknown``). The failure is recorded first.
    """
    revision_dir = Path(revision_dir)
    _check_addresses(params)
    creds = _credentials(params)
    pdf = _load_revision(revision_dir)
    log_path = _open_log(revision_dir)
    msg = compose(revision_dir.resolve(), pdf, params.sender, params.to)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=params.sender.rpartition("@")[2] or "localhost")
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "recipients": list(params.to), "sender": params.sender, "subject": str(msg["Subject"]),
        "smtp": f"{params.smtp_host}:{params.smtp_port}", "security": params.security,
        "auth": creds is not None, "message_id": str(msg["Message-ID"]),
        "attachment": next(msg.iter_attachments()).get_filename(),
        "attachment_sha256": hashlib.sha256(pdf).hexdigest(),
    }
    context = ssl_context or ssl.create_default_context()
    where = f"SMTP-сервер {params.smtp_host}:{params.smtp_port}"
    try:
        attempts, refused = deliver(msg, params, creds, context, base_delay, sleep)
    except SendFailure as failure:
        reason = creds.scrub(failure.reason) if creds else failure.reason
        tries = f" (попыток: {failure.attempts})" if failure.attempts > 1 else ""
        if failure.outcome_unknown:
            _append(log_path, {**record, "status": "unknown", "attempts": failure.attempts,
                               "error": f"{reason} после отправки письма; {OUTCOME_UNKNOWN}"})
            raise DeliveryError(f"Исход отправки неизвестен: {where} — {reason} после того, как "
                                f"письмо было передано целиком{tries}; {OUTCOME_UNKNOWN}. "
                                "Проверьте у получателей, прежде чем отправлять снова.") from None
        _append(log_path, {**record, "status": "failed", "attempts": failure.attempts,
                           "error": reason})
        raise DeliveryError(f"Письмо не отправлено: {where} — {reason}{tries}.") from None
    status = "partial" if refused else "sent"
    refused_text = ", ".join(sorted(refused))
    error = f"отклонены адреса: {refused_text}" if refused else None
    record = {**record, "status": status, "attempts": attempts, "error": error}
    _append(log_path, record)
    if refused:
        raise DeliveryError(f"Письмо доставлено не всем: {where} отклонил {refused_text}.")
    return record
