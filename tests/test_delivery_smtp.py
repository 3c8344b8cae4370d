"""Tests of report.delivery.smtp: TLS, failures, retries and their classification."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _smtp_server import (
    HOST,
    PASSWORD,
    SUBJECT,
    USER,
    Handler,
    auth_as,
    free_port,
    log_lines,
    params,
)
from aiosmtpd.smtp import Envelope, Session

from report.archive.manifest import verify_revision
from report.cli import main as oneclick
from report.delivery import send as delivery
from report.delivery.send import DeliveryError, send_revision
from report.delivery.smtp import classify

#: No credentials and no ./oneclick.toml from the developer's shell (see ``_smtp_server``).
pytestmark = pytest.mark.usefixtures("clean_delivery_env")

# ----------------------------------------------------------------------- TLS


def test_starttls_with_injected_context(smtp_server: Any, revision: Path,
                                        server_tls: ssl.SSLContext,
                                        client_tls: ssl.SSLContext) -> None:
    handler = Handler()
    port = smtp_server(handler, tls_context=server_tls, require_starttls=True)
    record = send_revision(revision, params(port, security="starttls"), ssl_context=client_tls)
    assert record["status"] == "sent" and handler.message()["Subject"] == SUBJECT


def test_default_context_rejects_self_signed_certificate(
        smtp_server: Any, revision: Path, server_tls: ssl.SSLContext,
        capsys: pytest.CaptureFixture[str]) -> None:
    handler = Handler()
    port = smtp_server(handler, tls_context=server_tls, require_starttls=True)
    assert oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                    "--smtp-port", str(port), "--security", "starttls"]) == 3
    err = capsys.readouterr().err
    assert f"{HOST}:{port}" in err and "сертификат" in err and "Traceback" not in err
    assert handler.envelopes == [] and log_lines(revision)[0]["status"] == "failed"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_ssl_with_auth(smtp_server: Any, revision: Path, server_tls: ssl.SSLContext,
                                client_tls: ssl.SSLContext,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(delivery.ENV_USER, USER)
    monkeypatch.setenv(delivery.ENV_PASSWORD, PASSWORD)
    handler = Handler()
    port = smtp_server(handler, ssl_context=server_tls, authenticator=auth_as(USER, PASSWORD),
                       auth_required=True, auth_require_tls=False)  # TLS from the start
    record = send_revision(revision, params(port, security="ssl"), ssl_context=client_tls)
    assert record["auth"] is True and handler.message()["Subject"] == SUBJECT
    assert PASSWORD not in (revision / "deliveries" / "log.jsonl").read_text(encoding="utf-8")



# ------------------------------------------------------------ failures, retries


def test_closed_port_exit_3_without_retry(revision: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                    "--smtp-port", str(port)]) == 3
    err = capsys.readouterr().err
    assert f"{HOST}:{port}" in err and "соединение отклонено" in err and "Traceback" not in err
    [entry] = log_lines(revision)
    assert entry["status"] == "failed" and entry["attempts"] == 1
    assert "отклонено" in entry["error"]


def test_451_twice_then_accepted_is_retried(smtp_server: Any, revision: Path) -> None:
    handler = Handler(replies=["451 4.3.0 try later", "451 4.3.0 try later"])
    delays: list[float] = []
    record = send_revision(revision, params(smtp_server(handler)), base_delay=0.01,
                           sleep=delays.append)
    assert record["attempts"] == 3 and delays == [0.01, 0.02]
    assert handler.message().get_body(("html",)) is not None
    assert [e["status"] for e in log_lines(revision)] == ["sent"]
    assert verify_revision(revision) == []


def test_temporary_failures_give_up_after_retries(smtp_server: Any, revision: Path) -> None:
    handler = Handler(replies=["451 4.3.0 busy"] * 5)
    delays: list[float] = []
    with pytest.raises(DeliveryError, match="451") as info:
        send_revision(revision, params(smtp_server(handler), retries=2), base_delay=0.01,
                      sleep=delays.append)
    assert "попыток: 3" in str(info.value) and len(delays) == 2
    assert log_lines(revision)[0]["attempts"] == 3


def test_permanent_refusal_is_not_retried(smtp_server: Any, revision: Path) -> None:
    handler = Handler(replies=["554 5.7.1 rejected"])
    delays: list[float] = []
    with pytest.raises(DeliveryError, match=r"554 5\.7\.1 rejected"):
        send_revision(revision, params(smtp_server(handler)), sleep=delays.append)
    assert delays == [] and handler.envelopes == []


def test_some_recipients_refused_is_partial(smtp_server: Any, revision: Path) -> None:
    handler = Handler(refuse_rcpt=frozenset({"gone@example.ru"}))
    port = smtp_server(handler)
    with pytest.raises(DeliveryError, match=r"gone@example\.ru"):
        send_revision(revision, params(port, to=("boss@example.ru", "gone@example.ru")))
    assert handler.envelopes[0].rcpt_tos == ["boss@example.ru"]
    assert log_lines(revision)[0]["status"] == "partial"


def test_silent_server_times_out_and_is_retried(revision: Path) -> None:
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)  # accepts connections, never says hello
        port = listener.getsockname()[1]
        delays: list[float] = []
        with pytest.raises(DeliveryError, match=r"не ответил за 0\.2 с") as info:
            send_revision(revision, params(port, timeout=0.2, retries=1), base_delay=0,
                          sleep=delays.append)
    assert f"{HOST}:{port}" in str(info.value) and delays == [0]
    assert log_lines(revision)[0]["attempts"] == 2


@pytest.mark.parametrize(("exc", "temporary"), [
    (ConnectionResetError(104, "reset"), True),
    (smtplib.SMTPServerDisconnected("closed"), True),
    (TimeoutError(), True),
    (socket.gaierror(-2, "Name or service not known"), False),
    (ConnectionRefusedError(111, "refused"), False),
    (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
    (smtplib.SMTPRecipientsRefused({"a@b.ru": (450, b"busy")}), True),
])
def test_classification(exc: Exception, temporary: bool) -> None:
    assert classify(exc, 1.0)[0] is temporary


def test_unreachable_server_exits_3(revision: Path) -> None:
    status = oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                       "--smtp-port", str(free_port())])
    assert status == 3



# ------------------------------------------------ overall deadline, unknown outcome


class _DrippingServer:
    """Accepts one connection and sends a never-ending greeting, one line per ``pause``.

    It gives up after ``lines`` lines (so that a regression fails instead of hanging) and
    notes whether the client hung up first.
    """

    def __init__(self, pause: float = 0.05, lines: int = 200) -> None:
        self.pause, self.lines = pause, lines
        self.sent, self.client_hung_up = 0, False
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            try:
                while self.sent < self.lines:
                    conn.sendall(b"220-still greeting you\r\n")
                    self.sent += 1
                    time.sleep(self.pause)
            except OSError:
                self.client_hung_up = True

    def close(self) -> None:
        self.thread.join(timeout=15)
        self.listener.close()


def test_dripping_server_is_cut_at_the_overall_deadline(revision: Path) -> None:
    server = _DrippingServer()
    try:
        with pytest.raises(DeliveryError, match="общий срок доставки") as info:
            send_revision(revision, params(server.port, timeout=0.2, retries=0), base_delay=0)
    finally:
        server.close()
    assert f"{HOST}:{server.port}" in str(info.value)
    assert server.client_hung_up and server.sent < server.lines  # cut mid-drip
    [entry] = log_lines(revision)
    assert entry["status"] == "failed" and "общий срок доставки" in entry["error"]
    assert verify_revision(revision) == []


@dataclass
class _SilentAfterData(Handler):
    """Takes the whole message, then keeps the client waiting for the reply."""

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        await asyncio.sleep(2)
        return "250 Message accepted (too late)"


def test_no_reply_after_the_data_is_not_retried(smtp_server: Any, revision: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    handler = _SilentAfterData()
    port = smtp_server(handler)
    status = oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                       "--smtp-port", str(port), "--timeout", "0.3", "--retries", "3"])
    err = capsys.readouterr().err
    assert status == 3, err
    assert len(handler.envelopes) == 1  # exactly one copy reached the server
    assert "неизвестен" in err and "могла быть доставлена" in err and f"{HOST}:{port}" in err
    [entry] = log_lines(revision)
    assert entry["status"] == "unknown" and entry["attempts"] == 1
    assert delivery.OUTCOME_UNKNOWN in entry["error"]
    assert verify_revision(revision) == []


def test_a_refusal_after_the_data_is_still_retried(smtp_server: Any, revision: Path) -> None:
    handler = Handler(replies=["451 4.3.0 try later"])  # the reply came: outcome known
    record = send_revision(revision, params(smtp_server(handler)), base_delay=0,
                           sleep=lambda _: None)
    assert record["status"] == "sent" and record["attempts"] == 2
    assert len(handler.envelopes) == 1
