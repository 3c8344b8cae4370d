"""Tests for report.delivery.send: ``oneclick send`` against a real SMTP server on loopback."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import logging
import shutil
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from analysis.config import EmailParams
from analysis.errors import InputError
from report.archive.manifest import verify_revision
from report.archive.store import RevisionBuilder
from report.cli import main as oneclick
from report.delivery import send as delivery
from report.delivery.message import compose, key_numbers, subject
from report.delivery.send import DeliveryError, send_revision
from report.delivery.smtp import classify

HOST = "127.0.0.1"
PDF = b"%PDF-1.4\n% fake report \xd0\x9e\xd1\x82\xd1\x87\xd1\x91\xd1\x82\n" + bytes(range(256)) * 4
RESULTS = {
    "facts": {"decline_share": 0.3831, "clients_total": 1300},
    "segments": {"profit_at_risk_total": 1234.5},
    "model": {"test_roc_auc": 0.9157},
    "actions": {"clients_with_offer": 412},
    "params": {"profit_unit": "тыс. ₽"},
}
SUBJECT = "Отчёт об активности клиентов «В один клик» — ноябрь 2026 (r1)"
PASSWORD = "Zx9-very-distinct-p4ss-QQ"
USER = "reporter"


# ------------------------------------------------------------------- fixtures


@dataclass
class Handler:
    """Stores every accepted message; answers DATA with queued replies first."""

    replies: list[str] = field(default_factory=list)
    refuse_rcpt: frozenset[str] = frozenset()
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def message(self) -> EmailMessage:
        """The one message received, parsed."""
        assert len(self.envelopes) == 1
        return email.message_from_bytes(self.envelopes[0].content, policy=email.policy.default)


def free_port() -> int:
    """A port nobody listens on (older Controller cannot take port=0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """Factory: start an aiosmtpd Controller on a free loopback port; stopped afterwards."""
    started: list[Controller] = []

    def start(handler: Handler, **kwargs: Any) -> int:
        for _ in range(5):  # another test may take the free port before we bind it
            port = free_port()
            controller = Controller(handler, hostname=HOST, port=port, **kwargs)
            try:
                controller.start()
            except OSError:
                continue
            started.append(controller)
            return port
        raise RuntimeError("no free port for the test SMTP server")

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem), made by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """The test-only context that trusts the self-signed certificate."""
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials and no ./oneclick.toml from the developer's shell."""
    monkeypatch.delenv(delivery.ENV_USER, raising=False)
    monkeypatch.delenv(delivery.ENV_PASSWORD, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def revision(tmp_path: Path) -> Path:
    """A tiny published revision ``reports/2026-11/r1`` with a PDF and results.json."""
    with RevisionBuilder(tmp_path / "reports", "2026-11") as build:
        (build.path / "report.pdf").write_bytes(PDF)
        (build.path / "report.html").write_text("<html>отчёт</html>", encoding="utf-8")
        (build.path / "results.json").write_text(json.dumps(RESULTS), encoding="utf-8")
        return build.publish({"seed": 1})


def params(port: int, **changes: Any) -> EmailParams:
    base = {"to": ("boss@example.ru",), "smtp_host": HOST, "smtp_port": port,
            "sender": "report@example.ru", "retries": 3, "timeout": 5.0}
    return EmailParams(**{**base, **changes})


def log_lines(revision_dir: Path) -> list[dict[str, Any]]:
    path = revision_dir / "deliveries" / "log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def auth_as(user: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting exactly one login."""
    def authenticator(server: Any, session: Session, envelope: Envelope,
                      mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == user.encode() \
            and data.password == password.encode()
        return AuthResult(success=ok, handled=False)
    return authenticator


# ------------------------------------------------------------------- message


def test_subject_and_key_numbers_tolerate_missing_keys() -> None:
    assert subject("2026-11", "r1") == SUBJECT
    assert subject("2027-01", "r3").endswith("— январь 2027 (r3)")
    assert key_numbers(None) == []
    assert key_numbers({"facts": {"decline_share": 0.5, "clients_total": True}}) == [
        ("Снизили покупательскую активность", "50,0\u00a0%")]
    money = dict(key_numbers({"segments": {"profit_at_risk_total": 1500}}))
    assert money == {"Прибыль под угрозой в месяц": "1\u202f500\u00a0тыс. ₽"}


def test_text_from_results_is_escaped_in_html(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11" / "r2"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(
        {"params": {"profit_unit": "<script>x</script>"},
         "segments": {"profit_at_risk_total": 1.0}}), encoding="utf-8")
    msg = compose(folder, PDF, "r@example.ru", ["a@example.ru"])
    assert msg["Subject"].endswith("ноябрь 2026 (r2)")
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_cli_sends_subject_bodies_and_pdf_byte_for_byte(
        smtp_server: Any, revision: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = Handler()
    port = smtp_server(handler)
    status = oneclick(["send", str(revision), "--to", "a@example.ru", "--to", "b@example.ru",
                      "--smtp-host", HOST, "--smtp-port", str(port), "--security", "none"])
    assert status == 0, capsys.readouterr()
    assert handler.envelopes[0].rcpt_tos == ["a@example.ru", "b@example.ru"]
    msg = handler.message()
    assert msg["Subject"] == SUBJECT
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    for body in (html, text):
        assert "38,3\u00a0%" in body and "1\u202f300" in body and "0,916" in body
        assert "1\u202f234\u00a0тыс. ₽" in body or "1\u202f235\u00a0тыс. ₽" in body
        assert "412" in body and "ноябрь 2026" in body
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "report-2026-11-r1.pdf"
    assert attachment.get_content() == PDF
    assert verify_revision(revision) == []
    [entry] = log_lines(revision)
    assert entry["status"] == "sent" and entry["attempts"] == 1
    assert entry["subject"] == SUBJECT and entry["message_id"] == msg["Message-ID"]
    assert entry["attachment_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert entry["smtp"] == f"{HOST}:{port}" and entry["recipients"] == ["a@example.ru",
                                                                         "b@example.ru"]
    assert SUBJECT in capsys.readouterr().out


def test_config_gives_defaults_and_flags_override(
        smtp_server: Any, revision: Path, tmp_path: Path) -> None:
    handler = Handler()
    port = smtp_server(handler)
    (tmp_path / "oneclick.toml").write_text(
        f'[email]\nto = ["cfg@example.ru"]\nsmtp_host = "{HOST}"\nsmtp_port = {port}\n'
        'sender = "cfg-sender@example.ru"\n', encoding="utf-8")
    assert oneclick(["send", str(revision)]) == 0
    assert oneclick(["send", str(revision), "--to", "flag@example.ru"]) == 0
    assert [e.rcpt_tos for e in handler.envelopes] == [["cfg@example.ru"], ["flag@example.ru"]]
    assert {e.mail_from for e in handler.envelopes} == {"cfg-sender@example.ru"}


def test_missing_results_json_still_sends(smtp_server: Any, tmp_path: Path) -> None:
    with RevisionBuilder(tmp_path / "reports", "2026-12") as build:
        (build.path / "report.pdf").write_bytes(PDF)
        bare = build.publish()
    handler = Handler()
    send_revision(bare, params(smtp_server(handler)))
    assert "нет данных" in handler.message().get_body(("html",)).get_content()


def test_tampered_revision_is_not_sent(
        smtp_server: Any, revision: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = Handler()
    port = smtp_server(handler)
    (revision / "report.pdf").write_bytes(PDF + b"changed")
    assert oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                    "--smtp-port", str(port)]) == 1
    err = capsys.readouterr().err
    assert "не прошла проверку" in err and "report.pdf" in err and "Traceback" not in err
    assert handler.envelopes == [] and not (revision / "deliveries").exists()


def test_unwritable_delivery_log_refuses_before_sending(
        smtp_server: Any, revision: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handler = Handler()
    port = smtp_server(handler)
    (revision / "deliveries").write_text("not a folder", encoding="utf-8")
    assert oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                    "--smtp-port", str(port)]) == 1
    assert "Журнал доставки" in capsys.readouterr().err and handler.envelopes == []


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


# ---------------------------------------------------------------------- AUTH


def _texts_under(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_refused_auth_exit_3_and_password_leaks_nowhere(
        smtp_server: Any, revision: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(delivery.ENV_USER, USER)
    monkeypatch.setenv(delivery.ENV_PASSWORD, PASSWORD)
    handler = Handler()
    port = smtp_server(handler, authenticator=auth_as(USER, "other"), auth_require_tls=False)
    status = oneclick(["send", str(revision), "--to", "a@example.ru", "--smtp-host", HOST,
                      "--smtp-port", str(port), "--security", "none"])
    out, err = capsys.readouterr()
    assert status == 3 and f"{HOST}:{port}" in err and "аутентификация" in err
    assert "Traceback" not in err and handler.envelopes == []
    own_logs = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    encoded = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())
    for blob in (out.encode(), err.encode(), own_logs.encode(), _texts_under(tmp_path)):
        assert PASSWORD.encode() not in blob and encoded not in blob
    assert log_lines(revision)[0]["status"] == "failed" and verify_revision(revision) == []


def test_password_is_not_sent_in_clear_to_a_remote_host(revision: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(delivery.ENV_USER, USER)
    monkeypatch.setenv(delivery.ENV_PASSWORD, PASSWORD)
    with pytest.raises(InputError, match="starttls") as info:
        send_revision(revision, params(25, smtp_host="mail.example.ru"))
    assert PASSWORD not in info.value.message


def test_half_a_login_and_bad_addresses_are_input_errors(
        revision: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="получател"):
        send_revision(revision, params(25, to=()))
    with pytest.raises(InputError, match="не адрес"):
        send_revision(revision, params(25, to=("a@example.ru\r\nBcc: x@evil.ru",)))
    monkeypatch.setenv(delivery.ENV_PASSWORD, PASSWORD)
    with pytest.raises(InputError, match=delivery.ENV_USER) as info:
        send_revision(revision, params(25))
    assert PASSWORD not in info.value.message


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
