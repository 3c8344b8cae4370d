"""Optional HMAC signing of manifests with ONECLICK_ARCHIVE_KEY."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, publish

from analysis.errors import InputError
from report import cli
from report.archive.audit import verify_archive
from report.archive.ledger import LEDGER_NAME, read_ledger
from report.archive.manifest import check_revision
from report.archive.signing import ENV_KEY, SIDECAR, key_id
from report.archive.store import RevisionBuilder

KEY = "k3y-held-by-the-scheduler-0123456789abcdef"
OTHER = "another-key-of-the-same-length-0123456789ab"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)


def signed(archive: Path, monkeypatch: pytest.MonkeyPatch, period: str = PERIOD) -> Path:
    """Publish one revision with the key set, then unset it again."""
    monkeypatch.setenv(ENV_KEY, KEY)
    try:
        return publish(archive, period)
    finally:
        monkeypatch.delenv(ENV_KEY)


def manifest_of(rev: Path) -> dict:
    return json.loads((rev / "manifest.json").read_text(encoding="utf-8"))


def rewrite_consistently(rev: Path, change: dict, *, unsign: bool = False) -> None:
    """What an editor without the key can do: edit, re-hash, update the ledger line."""
    manifest = {**manifest_of(rev), **change}
    if unsign:
        manifest["signature"] = None
        (rev / SIDECAR).unlink()
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (rev / "manifest.json").write_text(text, encoding="utf-8")
    archive, label = rev.parent.parent, f"{rev.parent.name}/{rev.name}"
    lines = [json.loads(line) for line in (archive / LEDGER_NAME).read_text().splitlines()]
    for line in lines:
        if line["revision"] == label:
            line["manifest_sha256"] = hashlib.sha256(text.encode()).hexdigest()
            line["signed"] = not unsign and line["signed"]
    (archive / LEDGER_NAME).write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_a_signed_revision_verifies_with_its_key_and_is_noted_without(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rev = signed(tmp_path / "reports", monkeypatch)
    claim = manifest_of(rev)["signature"]
    assert claim == {"algorithm": "hmac-sha256", "key_id": key_id(KEY.encode())}
    assert (rev / SIDECAR).is_file() and read_ledger(tmp_path / "reports").entries[0].signed

    with_key = check_revision(rev, key=KEY.encode())
    assert with_key.ok and f"signature valid (key id {claim['key_id']})" in with_key.notes
    without = check_revision(rev, key=None)
    assert without.ok and any("the signature was not checked" in n for n in without.notes)
    assert not check_revision(rev, key=OTHER.encode()).ok


def test_a_consistent_rewrite_of_the_last_revision_needs_the_key_to_be_seen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Manifest re-hashed and ledger updated: invisible without the key, caught with it."""
    rev = signed(tmp_path / "reports", monkeypatch)
    rewrite_consistently(rev, {"seed": 999})
    assert check_revision(rev, key=None).ok  # the documented limit
    [problem] = check_revision(rev, key=KEY.encode()).problems
    assert problem.startswith("signature does not match")


def test_stripping_the_signature_is_caught_with_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "reports"
    signed(archive, monkeypatch, "2026-10")
    rev = signed(archive, monkeypatch)
    rewrite_consistently(rev, {"seed": 999}, unsign=True)
    monkeypatch.setenv(ENV_KEY, KEY)
    [problem] = check_revision(rev).problems
    assert problem == "not signed, although signing began with 2026-10/r1 (ledger line 1)"

    rewrite_consistently(archive / "2026-10" / "r1", {}, unsign=True)  # strip every signature
    assert any("no revision of the archive is" in p
               for _, v in verify_archive(archive).revisions for p in v.problems)


def test_revisions_from_before_signing_began_are_a_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "reports"
    old = publish(archive, "2026-10")
    signed(archive, monkeypatch)
    verdict = check_revision(old, key=KEY.encode())
    assert verdict.ok
    assert "not signed: published before signing began with 2026-11/r1" in verdict.notes
    assert verify_archive(archive, key=KEY.encode()).ok


def test_a_missing_or_unexpected_sidecar_fails(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "reports"
    rev = signed(archive, monkeypatch)
    sidecar = (rev / SIDECAR).read_bytes()
    (rev / SIDECAR).unlink()
    assert check_revision(rev, key=None).problems == (
        f"the manifest claims a signature but {SIDECAR} is missing",)
    unsigned = publish(archive)
    (unsigned / SIDECAR).write_bytes(sidecar)
    assert check_revision(unsigned, key=None).problems == (
        f"{SIDECAR} is present but the manifest claims no signature",)


def test_the_key_is_never_printed_or_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "reports"
    rev = signed(archive, monkeypatch)
    rewrite_consistently(rev, {"seed": 999})
    monkeypatch.setenv(ENV_KEY, OTHER)
    capsys.readouterr()
    assert cli.main(["archive", "verify", str(rev)]) == 1
    assert cli.main(["archive", "verify", "--all", str(archive)]) == 1
    out, err = capsys.readouterr()
    assert "signed with another key" in err
    written = b"".join(p.read_bytes() for p in archive.rglob("*") if p.is_file())
    for secret in (KEY, OTHER):
        assert secret not in out + err and secret.encode() not in written


def test_a_short_key_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(InputError, match=ENV_KEY):
        RevisionBuilder(tmp_path / "reports", PERIOD).__enter__()
    assert not (tmp_path / "reports").exists()
    (tmp_path / "rev").mkdir()
    capsys.readouterr()
    assert cli.main(["archive", "verify", str(tmp_path / "rev")]) == 2
    err = capsys.readouterr().err
    assert ENV_KEY in err and "short" not in err
