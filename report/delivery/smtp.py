"""SMTP transport for ``oneclick send``: connect, log in, send, retry temporary failures.

A failed attempt is classified as temporary (4xx replies, dropped connections,
timeouts: retried with exponential backoff) or final (5xx, authentication
refused, connection refused, unknown host, TLS verification failure). Reasons
are short Russian phrases; they never contain the credentials.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from analysis.config import EmailParams

__all__ = ["Credentials", "SendFailure", "classify", "deliver"]

_DROPPED = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


@dataclass(frozen=True)
class Credentials:
    """An SMTP login read from the environment; the password is kept out of ``repr``."""

    user: str
    password: str = field(repr=False)

    def scrub(self, text: str) -> str:
        """Return `text` with the user name and password masked."""
        for secret in (self.password, self.user):
            text = text.replace(secret, "***") if secret else text
        return text


class SendFailure(Exception):
    """A delivery attempt that ends the delivery: refused, unreachable or out of retries."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason, self.attempts = reason, attempts


def _reply(exc: smtplib.SMTPResponseException) -> str:
    """Return ``CODE text`` of a server reply."""
    text = exc.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{exc.smtp_code} {text}".strip()


def _timed_out(timeout: float) -> str:
    return f"сервер не ответил за {timeout:g} с"


def classify(exc: Exception, timeout: float) -> tuple[bool, str]:
    """Tell whether a failed attempt is worth retrying, and why it failed.

    Parameters
    ----------
    exc : Exception
        What ``smtplib`` or the socket layer raised.
    timeout : float
        The socket timeout in force, for the message.

    Returns
    -------
    tuple[bool, str]
        (temporary, reason as a short Russian phrase with the server's reply if any).
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        refused = "; ".join(f"{addr}: {code}" for addr, (code, _) in exc.recipients.items())
        return all(400 <= c < 500 for c in codes), f"все получатели отклонены ({refused})"
    if isinstance(exc, smtplib.SMTPResponseException):
        temporary = 400 <= exc.smtp_code < 500
        kind = "аутентификация не удалась" if isinstance(
            exc, smtplib.SMTPAuthenticationError) else "сервер отказал"
        return temporary, f"{'временная ошибка' if temporary else kind}: {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):  # smtplib wraps read timeouts
        timed_out = isinstance(exc.__context__, TimeoutError)
        return True, _timed_out(timeout) if timed_out else "сервер разорвал соединение"
    if isinstance(exc, smtplib.SMTPException):
        return False, f"сервер не поддерживает нужное ({exc})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False, f"сертификат сервера не прошёл проверку ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return False, f"ошибка TLS ({exc.reason or exc})"
    if isinstance(exc, TimeoutError):
        return True, _timed_out(timeout)
    if isinstance(exc, _DROPPED):
        return True, "соединение сброшено"
    if isinstance(exc, ConnectionRefusedError):
        return False, "соединение отклонено (сервер не запущен или порт закрыт)"
    if isinstance(exc, socket.gaierror):
        return False, f"имя сервера не найдено ({exc.strerror})"
    return False, f"сервер недоступен ({getattr(exc, 'strerror', None) or exc})"


def _connect(params: EmailParams, context: ssl.SSLContext) -> smtplib.SMTP:
    """Open a connection with the configured security."""
    host, port, timeout = params.smtp_host, params.smtp_port, params.timeout
    if params.security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if params.security == "starttls":
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _send_once(msg: EmailMessage, params: EmailParams, creds: Credentials | None,
               context: ssl.SSLContext) -> dict[str, Any]:
    """One attempt; return the recipients refused while others accepted the message."""
    smtp = _connect(params, context)
    try:
        if creds is not None:
            smtp.login(creds.user, creds.password)
        return smtp.send_message(msg, from_addr=params.sender, to_addrs=list(params.to))
    finally:
        try:
            smtp.quit()  # a failed QUIT after DATA must not cause a resend
        except (smtplib.SMTPException, OSError):
            smtp.close()


def deliver(msg: EmailMessage, params: EmailParams, creds: Credentials | None,
            context: ssl.SSLContext, base_delay: float,
            sleep: Callable[[float], None]) -> tuple[int, dict[str, Any]]:
    """Send `msg`, retrying temporary failures with exponential backoff.

    Parameters
    ----------
    msg : EmailMessage
        The complete message.
    params : EmailParams
        Server, security, sender, recipients, ``retries`` and socket ``timeout``.
    creds : Credentials or None
        Login, or None to send without AUTH.
    context : ssl.SSLContext
        TLS context for ``starttls`` and ``ssl``.
    base_delay : float
        Seconds before the first retry; doubled before each further one.
    sleep : Callable[[float], None]
        Waits between attempts.

    Returns
    -------
    tuple[int, dict[str, Any]]
        Attempts made, and the recipients refused while others accepted the message.

    Raises
    ------
    SendFailure
        A final failure, or a temporary one still there after ``params.retries`` retries.
    """
    attempts = params.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return attempt, _send_once(msg, params, creds, context)
        except (smtplib.SMTPException, OSError) as exc:
            temporary, reason = classify(exc, params.timeout)
            if not temporary or attempt == attempts:
                raise SendFailure(reason, attempt) from None
            sleep(base_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover

