"""Shared fixtures of the delivery tests: a real SMTP server on loopback, a revision.

The fixtures are registered in ``conftest.py``; the delivery test modules request
``clean_delivery_env`` for every test (``pytestmark``).
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil
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
from report.archive.store import RevisionBuilder
from report.delivery import send as delivery

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


@pytest.fixture
def clean_delivery_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
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
