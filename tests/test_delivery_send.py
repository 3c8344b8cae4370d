"""Tests of report.delivery.send: ``oneclick send`` against a real SMTP server on loopback."""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest
from _smtp_server import HOST, PASSWORD, PDF, SUBJECT, USER, Handler, auth_as, log_lines, params

from analysis.errors import InputError
from report.archive.manifest import verify_revision
from report.archive.store import RevisionBuilder
from report.cli import main as oneclick
from report.delivery import send as delivery
from report.delivery.send import send_revision

#: No credentials and no ./oneclick.toml from the developer's shell (see ``_smtp_server``).
pytestmark = pytest.mark.usefixtures("clean_delivery_env")

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
    err = capsys.readouterr().err  # `deliveries` as a file is refused by verify already
    assert "deliveries is not a real folder" in err and handler.envelopes == []



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


