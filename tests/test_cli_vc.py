"""The credential commands: vc issue/verify, vp create/verify, status ...; every exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bid import cli, vc
from bid.cli_vc import SUITES

V2 = "https://www.w3.org/ns/credentials/v2"


class Shell:
    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        self.capsys = capsys
        self.tmp = tmp_path
        self.registry = f"sqlite:{tmp_path / 'registry.sqlite3'}"

    def run(self, *argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str) -> Any:
        code, out, err = self.run(*argv)
        assert code == 0, err
        return json.loads(out) if out.lstrip().startswith(("{", "[")) else out.strip()

    def write(self, name: str, data: Any) -> str:
        path = self.tmp / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return str(path)

    def key(self, name: str) -> str:
        path = str(self.tmp / f"{name}.json")
        self.ok("key", "generate", "-o", path)
        return path


@pytest.fixture
def sh(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Shell:
    return Shell(capsys, tmp_path)


def diploma(**members: Any) -> dict[str, Any]:
    return {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "degree": "BSc"},
        **members,
    }


def test_the_suite_choices_are_the_librarys() -> None:
    assert SUITES == vc.ISSUE_SUITES


@pytest.mark.parametrize("suite", SUITES)
def test_issue_and_verify_with_a_did_key_issuer(sh: Shell, suite: str) -> None:
    key = sh.key("issuer")
    source = sh.write("diploma.json", diploma())
    signed = sh.ok("vc", "issue", "--key", key, "--suite", suite, source)
    path = sh.write("signed.json", signed if isinstance(signed, str) else json.dumps(signed))
    if suite != "jwt":
        assert signed["issuer"].startswith("did:key:z6Mk")
    result = sh.ok("vc", "verify", path)
    assert result["verified"] is True
    # stdin works too
    assert json.loads(json.dumps(result))["checks"]


def test_issue_with_a_did_bid_issuer_from_the_registry(sh: Shell) -> None:
    key = sh.key("issuer")
    did = sh.ok("did", "create", "--key", key, "--registry", sh.registry)["did"]
    source = sh.write("diploma.json", diploma())
    signed = sh.ok("vc", "issue", "--key", key, "--issuer", did, "--registry", sh.registry, source)
    assert signed["issuer"] == did
    assert signed["proof"]["verificationMethod"] == f"{did}#key-1"
    path = sh.write("signed.json", signed)
    assert sh.ok("vc", "verify", path, "--registry", sh.registry)["verified"] is True
    # Another registry does not know the issuer: could not check (3), not "invalid" (1).
    code, out, _err = sh.run("vc", "verify", path, "--registry", "memory:")
    assert code == 3
    assert json.loads(out)["verified"] is False
    # A key the issuer's document does not list.
    other = sh.key("other")
    code, _out, err = sh.run(
        "vc", "issue", "--key", other, "--issuer", did, "--registry", sh.registry, source
    )
    assert code == 2
    assert "assertionMethod" in err


def test_verify_exit_codes(sh: Shell) -> None:
    key = sh.key("issuer")
    signed = sh.ok("vc", "issue", "--key", key, sh.write("d.json", diploma()))
    signed["credentialSubject"]["degree"] = "PhD"
    code, out, _err = sh.run("vc", "verify", sh.write("forged.json", signed))
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "invalidSignature"
    code, _out, err = sh.run("vc", "verify", sh.write("dup.json", '{"a": 1, "a": 2}'))
    assert code == 2
    assert "twice" in err or "duplicate" in err
    code, _out, err = sh.run("vc", "verify", str(sh.tmp / "missing.json"))
    assert code == 2
    code, _out, err = sh.run("vc", "issue", "--key", key, sh.write("bad.json", {"x": 1}))
    assert code == 2


def test_issue_refuses_an_sm2_key(sh: Shell) -> None:
    path = str(sh.tmp / "sm2.json")
    sh.ok("key", "generate", "--type", "sm2", "-o", path)
    code, _out, err = sh.run("vc", "issue", "--key", path, sh.write("d.json", diploma()))
    assert code == 2
    assert "SM2" in err


def test_presentations(sh: Shell) -> None:
    issuer, holder = sh.key("issuer"), sh.key("holder")
    signed = sh.ok("vc", "issue", "--key", issuer, sh.write("d.json", diploma()))
    credential = sh.write("signed.json", signed)
    vp = sh.ok(
        "vp", "create", "--key", holder, "--challenge", "c-1", "--domain", "v.example", credential
    )
    path = sh.write("vp.json", vp)
    result = sh.ok("vp", "verify", "--challenge", "c-1", "--domain", "v.example", path)
    assert result["verified"] is True
    assert result["credentials"][0]["verified"] is True
    code, out, _err = sh.run("vp", "verify", "--challenge", "c-2", path)
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "INVALID_CHALLENGE_ERROR"
    jwt = sh.ok("vp", "create", "--key", holder, "--suite", "jwt", "--challenge", "n", credential)
    assert sh.ok("vp", "verify", "--challenge", "n", sh.write("vp.jwt", jwt))["verified"] is True


def test_status_lists(sh: Shell) -> None:
    issuer = sh.key("issuer")
    url = "https://example.com/status/1"
    listed = sh.tmp / "list.json"
    sh.ok("status", "create", "--key", issuer, "--id", url, "-o", str(listed))
    entry = sh.ok("status", "entry", url, "42")
    assert entry["statusListIndex"] == "42"
    signed = sh.ok(
        "vc", "issue", "--key", issuer, sh.write("d.json", diploma(credentialStatus=entry))
    )
    credential = sh.write("signed.json", signed)
    assert sh.ok("status", "check", credential, "--status-list", str(listed))[0]["value"] == 0
    unchecked = sh.ok("vc", "verify", credential)
    assert unchecked["verified"] is True
    assert unchecked["warnings"][0]["check"] == "status"
    assert sh.ok("vc", "verify", credential, "--status-list", str(listed))["verified"] is True
    assert sh.ok("status", "revoke", str(listed), "42", "--key", issuer)["value"] == 1
    code, out, _err = sh.run("vc", "verify", credential, "--status-list", str(listed))
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "revoked"
    code, _out, err = sh.run("status", "check", credential, "--status-list", str(listed))
    assert code == 1
    assert "revoked" in err
    # A revocation cannot be undone; restore works on suspension lists only.
    code, _out, err = sh.run("status", "restore", str(listed), "42", "--key", issuer)
    assert code == 2
    assert "cannot be undone" in err
    suspended = sh.tmp / "suspend.json"
    sh.ok(
        "status",
        "create",
        "--key",
        issuer,
        "--id",
        url + "s",
        "--purpose",
        "suspension",
        "-o",
        str(suspended),
    )
    assert sh.ok("status", "suspend", str(suspended), "7", "--key", issuer)["value"] == 1
    assert sh.ok("status", "restore", str(suspended), "7", "--key", issuer)["value"] == 0
    # A list signed by someone else is refused.
    stranger = sh.key("stranger")
    sh.ok("status", "create", "--key", stranger, "--id", url, "-o", str(listed))
    code, _out, err = sh.run("status", "check", credential, "--status-list", str(listed))
    assert code == 1
    assert "issuer" in err


def test_every_command_has_an_example(sh: Shell) -> None:
    for argv in (
        ("vc", "issue"),
        ("vc", "verify"),
        ("vp", "create"),
        ("vp", "verify"),
        ("status", "create"),
        ("status", "revoke"),
        ("status", "suspend"),
        ("status", "restore"),
        ("status", "entry"),
        ("status", "check"),
    ):
        code, out, _err = sh.run(*argv, "--help")
        assert code == 0
        assert "example:" in out
