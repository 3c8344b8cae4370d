"""SMTP transport for ``oneclick send``: connect, log in, send, retry temporary failures.

A failed attempt is classified as temporary (4xx replies, dropped connections,
timeouts: retried with exponential backoff) or final (5xx, authentication
refused, connection refused, unknown host, TLS verification failure). Reasons
are short Russian phrases; they never contain the credentials.

Two limits bound a delivery:

- **An overall deadline** (:func:`delivery_deadline`): ``timeout × (retries + 1)``
  plus the waits between attempts plus :data:`DEADLINE_SLACK_S`. A socket timeout
  bounds one read, so a server that drips a line a second never trips it; here
  every read and write gets at most the time left before the deadline, and no
  attempt starts or waits past it.
- **No resend of a message that may have arrived**: once the end of the message
  data (``<CRLF>.<CRLF>``) has been sent, a missing reply (a timeout, a dropped
  connection) leaves the outcome unknown; the attempt is not retried
  (:attr:`SendFailure.outcome_unknown`), since the server may have accepted it.
"""

from __future__ import annotations

import io
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `oneclick --help` does not load the configuration
    from analysis.config import EmailParams

__all__ = ["DEADLINE_SLACK_S", "ENV_PASSWORD", "ENV_USER", "Credentials", "DeadlineExceeded",
           "SendFailure", "classify", "deliver", "delivery_deadline"]

ENV_USER = "ONECLICK_SMTP_USER"
ENV_PASSWORD = "ONECLICK_SMTP_PASSWORD"
"""The SMTP login is read from these environment variables only (here, so that
``oneclick --help`` can name them without importing the configuration)."""

DEADLINE_SLACK_S = 1.0
"""Seconds added to the deadline for connecting and closing around the timed reads."""
_CLOCK_TOLERANCE_S = 0.01

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
    """A delivery attempt that ends the delivery: refused, unreachable, out of retries or time.

    ``outcome_unknown`` is true when the message data was sent in full and no reply
    came: the server may have accepted it, so it was not sent again.
    """

    def __init__(self, reason: str, attempts: int, *, outcome_unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.attempts = reason, attempts
        self.outcome_unknown = outcome_unknown


class DeadlineExceeded(TimeoutError):
    """The overall delivery deadline passed during a read or a write."""


class _OutcomeUnknown(Exception):
    """The end of the data was sent and no reply was read (wraps the error that ended it)."""

    def __init__(self, error: smtplib.SMTPException | OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _deadline_hit(exc: BaseException) -> bool:
    """The error is the deadline, or smtplib's wrapper around it."""
    return isinstance(exc, DeadlineExceeded) or isinstance(exc.__context__, DeadlineExceeded)


def delivery_deadline(params: EmailParams, base_delay: float) -> float:
    """Seconds the whole delivery may take: every attempt's timeout, the waits, the slack."""
    waits = sum(base_delay * 2 ** i for i in range(params.retries))
    return params.timeout * (params.retries + 1) + waits + DEADLINE_SLACK_S


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
    if _deadline_hit(exc):
        return False, "сервер отвечает слишком медленно"
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


class _Reader(io.RawIOBase):
    """The socket as a file, each read given at most the time left before the deadline."""

    def __init__(self, smtp: _TimedSMTP) -> None:
        super().__init__()
        self._smtp = smtp

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        sock = self._smtp.sock
        if sock is None:
            raise OSError("not connected")
        return self._smtp.timed(lambda: sock.recv_into(buffer))


class _TimedSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` whose every read and write ends by an overall deadline.

    It also notes whether the end of the message data was sent and whether its
    reply was read (:attr:`outcome_unknown`).
    """

    def __init__(self, deadline: float, **kwargs: Any) -> None:
        self.deadline = deadline
        self._in_data = self._data_sent = self._data_replied = False
        super().__init__(**kwargs)  # no host: connected by ``connect`` below

    @property
    def outcome_unknown(self) -> bool:
        """The whole message was sent and the server's reply to it never read."""
        return self._data_sent and not self._data_replied

    def timed(self, operation: Callable[[], Any]) -> Any:
        """Run one socket operation with ``min(timeout, time left)`` as its timeout."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("deadline passed")
        if self.sock is not None:
            self.sock.settimeout(min(float(self.timeout), left))
        return operation()

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("deadline passed")
        return super()._get_socket(host, port, min(timeout, left))

    def send(self, s: str | bytes) -> None:
        self.timed(lambda: None)  # the deadline check; sendall then keeps the timeout set
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self._data_sent = True

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = io.BufferedReader(_Reader(self))  # type: ignore[assignment]
        return super().getreply()

    def data(self, msg: Any) -> tuple[int, bytes]:
        self._in_data = True
        try:
            reply = super().data(msg)
        finally:
            self._in_data = False
        self._data_replied = True
        return reply


class _TimedSMTPSSL(_TimedSMTP, smtplib.SMTP_SSL):
    """:class:`_TimedSMTP` over implicit TLS."""


def _connect(params: EmailParams, context: ssl.SSLContext, deadline: float) -> _TimedSMTP:
    """Open a connection with the configured security; every step ends by ``deadline``."""
    smtp = (_TimedSMTPSSL(deadline, timeout=params.timeout, context=context)
            if params.security == "ssl" else _TimedSMTP(deadline, timeout=params.timeout))
    smtp._host = params.smtp_host  # set by __init__ only when it connects; TLS checks it
    try:
        smtp.connect(params.smtp_host, params.smtp_port)
        if params.security == "starttls":
            smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_once(msg: EmailMessage, params: EmailParams, creds: Credentials | None,
               context: ssl.SSLContext, deadline: float) -> dict[str, Any]:
    """One attempt; return the recipients refused while others accepted the message.

    Raises
    ------
    _OutcomeUnknown
        The message data was sent in full and no reply came.
    """
    smtp = _connect(params, context, deadline)
    try:
        if creds is not None:
            smtp.login(creds.user, creds.password)
        return smtp.send_message(msg, from_addr=params.sender, to_addrs=list(params.to))
    except (smtplib.SMTPException, OSError) as exc:
        if smtp.outcome_unknown:
            raise _OutcomeUnknown(exc) from exc
        raise
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
        A final failure, a temporary one still there after ``params.retries`` retries or
        at the deadline (:func:`delivery_deadline`), or an unknown outcome (the whole
        message sent, no reply: never retried, ``outcome_unknown`` set).
    """
    allowed = delivery_deadline(params, base_delay)
    deadline = time.monotonic() + allowed
    attempts = params.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return attempt, _send_once(msg, params, creds, context, deadline)
        except _OutcomeUnknown as unknown:
            reason = classify(unknown.error, params.timeout)[1]
            raise SendFailure(reason, attempt, outcome_unknown=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            temporary, reason = classify(exc, params.timeout)
            if _deadline_hit(exc) or time.monotonic() >= deadline - _CLOCK_TOLERANCE_S:
                raise SendFailure(f"сервер отвечает слишком медленно; общий срок доставки "
                                  f"{allowed:g} с истёк", attempt) from None
            if not temporary or attempt == attempts:
                raise SendFailure(reason, attempt) from None
            delay = base_delay * 2 ** (attempt - 1)
            if time.monotonic() + delay >= deadline:
                raise SendFailure(f"{reason}; до конца общего срока доставки {allowed:g} с "
                                  "повтор не успеть", attempt) from None
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover

