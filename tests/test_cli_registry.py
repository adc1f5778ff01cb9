"""The registry commands of ``bid``: create, update, recover, deactivate, history, resolve,
dereference, on a real SQLite file, with every refusal's exit code and no partial writes."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

import bid
from bid import cli
from bid.backends.defaults import default_registry_url
from bid.ddo_proof import verify_document_proof
from bid.methods.bid import key_name


class Shell:
    """Runs ``bid`` in-process against one registry file, as a user would in a shell."""

    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        self.capsys = capsys
        self.tmp = tmp_path
        self.db = tmp_path / "registry.sqlite3"
        self.registry = f"sqlite:{self.db}"

    def run(self, *argv: str, registry: bool = True) -> tuple[int, str, str]:
        args = list(argv) + (["--registry", self.registry] if registry else [])
        try:
            code = cli.main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str, registry: bool = True) -> Any:
        code, out, err = self.run(*argv, registry=registry)
        assert code == 0, err
        return json.loads(out)

    def key(self, name: str, key_type: str = "ed25519") -> Path:
        path = self.tmp / f"{name}.json"
        self.ok("key", "generate", "--type", key_type, "-o", str(path), registry=False)
        return path

    def rows(self) -> int:
        if not self.db.exists():
            return 0
        with sqlite3.connect(self.db) as connection:
            (count,) = connection.execute("SELECT count(*) FROM operations").fetchone()
        connection.close()
        return int(count)


@pytest.fixture
def sh(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Shell:
    return Shell(capsys, tmp_path)


def test_full_lifecycle(sh: Shell) -> None:
    alice = sh.key("alice")
    rescue = sh.key("rescue")
    laptop = sh.key("laptop")
    created = sh.ok(
        "did",
        "create",
        "--key",
        str(alice),
        "--recovery-key",
        str(rescue),
        "--service",
        "hub",
        "LinkedDomains",
        "https://alice.example",
    )
    did = created["did"]
    assert created["operation"] == "create"
    assert created["versionId"] == "1"
    assert did == json.loads((alice).read_text())["bid"]
    assert created["document"]["service"][0]["id"] == f"{did}#hub"
    proven = bid.BIDDocument.from_json(created["document"])
    assert verify_document_proof(proven) == "rfc"  # BIF tools that check proofs accept it

    resolved = sh.ok("resolve", did)
    assert resolved["didDocument"]["id"] == did
    assert resolved["didDocumentMetadata"]["versionId"] == "1"
    assert resolved["didResolutionMetadata"]["contentType"] == "application/did+ld+json"

    updated = sh.ok(
        "did",
        "update",
        did,
        "--key",
        str(alice),
        "--remove-service",
        "hub",
        "--service",
        "inbox",
        "Messaging",
        "https://alice.example/inbox",
        "--add-key",
        str(laptop),
    )
    assert updated["versionId"] == "2"
    assert [s["id"] for s in updated["document"]["service"]] == [f"{did}#inbox"]
    laptop_key = bid.parse_private_key(json.loads(laptop.read_text())["privateKey"])
    assert f"{did}#{key_name(laptop_key.public_key)}" in updated["document"]["authentication"]

    recovered = sh.ok(
        "did", "recover", did, "--recovery-key", str(rescue), "--new-key", str(laptop)
    )
    assert recovered["operation"] == "recover"
    assert len(recovered["document"]["authentication"]) == 1
    assert verify_document_proof(bid.BIDDocument.from_json(recovered["document"])) == "rfc"

    # The old authentication key lost its power with the recovery.
    code, out, err = sh.run("did", "update", did, "--key", str(alice), "--remove-service", "inbox")
    assert (code, out) == (3, "")
    assert "not a key of" in err or "not listed" in err

    deactivated = sh.ok("did", "deactivate", did, "--key", str(laptop))
    assert deactivated["deactivated"] is True
    assert "document" not in deactivated

    final = sh.ok("resolve", did)
    assert final["didDocumentMetadata"]["deactivated"] is True
    assert final["didDocument"] == {"@context": ["https://www.w3.org/ns/did/v1"], "id": did}

    history = sh.ok("did", "history", did)
    assert [h["operation"] for h in history] == ["create", "update", "recover", "deactivate"]
    assert [h["versionId"] for h in history] == ["1", "2", "3", "4"]
    assert all(len(h["hash"]) == 64 for h in history)

    old = sh.ok("resolve", f"{did}?versionId=1")
    assert old["didDocumentMetadata"]["nextVersionId"] == "2"
    assert [s["id"] for s in old["didDocument"]["service"]] == [f"{did}#hub"]

    code, out, err = sh.run("did", "update", did, "--key", str(laptop))
    assert code == 3
    assert "deactivated" in err
    assert sh.rows() == 4


def test_resolve_representations_and_dereference(sh: Shell) -> None:
    alice = sh.key("alice")
    did = sh.ok(
        "did",
        "create",
        "--key",
        str(alice),
        "--service",
        "hub",
        "LinkedDomains",
        "https://alice.example/",
    )["did"]
    plain = sh.ok("resolve", did, "--accept", "application/did+json")
    assert "@context" not in plain
    assert plain["id"] == did
    ld = sh.ok("resolve", did, "--accept", "application/did+ld+json")
    assert ld["@context"] == ["https://www.w3.org/ns/did/v1"]

    key_1 = sh.ok("dereference", f"{did}#key-1")["contentStream"]
    assert key_1["publicKeyHex"] == json.loads(alice.read_text())["publicKey"]
    url = sh.ok("dereference", f"{did}?service=hub&relativeRef=/inbox")["contentStream"]
    assert url == "https://alice.example/inbox"

    code, out, _ = sh.run("dereference", f"{did}#key-9")
    assert code == 3
    assert json.loads(out)["dereferencingMetadata"]["error"]["type"].endswith("#NOT_FOUND")


def test_resolve_did_key_needs_no_registry(sh: Shell) -> None:
    did_key = bid.Ed25519PrivateKey.from_seed(bytes(32)).did_key
    result = sh.ok("resolve", did_key, "--registry", "memory:", registry=False)
    assert result["didDocument"]["id"] == did_key
    assert "keyAgreement" in result["didDocument"]


@pytest.mark.parametrize(
    ("did", "problem"),
    [
        ("did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE", "NOT_FOUND"),
        ("did:bid:efdPP4", "INVALID_DID"),
        ("did:web:example.com", "METHOD_NOT_SUPPORTED"),
    ],
)
def test_resolve_failures_exit_3_with_the_error_object(sh: Shell, did: str, problem: str) -> None:
    code, out, err = sh.run("resolve", did)
    assert code == 3
    result = json.loads(out)
    assert result["didDocument"] is None
    assert (
        result["didResolutionMetadata"]["error"]["type"] == f"https://www.w3.org/ns/did#{problem}"
    )
    assert err.splitlines()[-1].startswith("bid: error: ")


def test_refusals_store_nothing(sh: Shell) -> None:
    alice = sh.key("alice")
    mallory = sh.key("mallory")
    did = sh.ok("did", "create", "--key", str(alice))["did"]
    assert sh.rows() == 1

    # Another key cannot update, recover or deactivate Alice's BID.
    for argv in (
        ["did", "update", did, "--key", str(mallory), "--service", "x", "T", "https://x"],
        ["did", "recover", did, "--recovery-key", str(mallory), "--new-key", str(mallory)],
        ["did", "deactivate", did, "--key", str(mallory)],
    ):
        code, out, err = sh.run(*argv)
        assert (code, out) == (3, ""), argv
        assert "Traceback" not in err
    # Creating the same BID again with another document is a conflict, not a second row.
    code, _, err = sh.run(
        "did", "create", "--key", str(alice), "--service", "x", "T", "https://x.example"
    )
    assert code == 3
    assert "already" in err
    # Bad input: an unknown DID, a malformed one, a missing key file, removing a missing service.
    for argv, expected in (
        (["did", "update", "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE", "--key", str(alice)], 3),
        (["did", "update", "did:bid:x!", "--key", str(alice)], 2),
        (["did", "update", did, "--key", str(sh.tmp / "missing.json")], 2),
        (["did", "update", did, "--key", str(alice), "--remove-service", "ghost"], 2),
        (["did", "history", "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE"], 3),
    ):
        code, out, err = sh.run(*argv)
        assert (code, out) == (expected, ""), argv
        assert err.startswith("bid: error: ")
    assert sh.rows() == 1


def test_sm2_lifecycle(sh: Shell) -> None:
    key = sh.key("sm2", "sm2")
    did = sh.ok("did", "create", "--key", str(key), "--ac", "ab12")["did"]
    assert did.startswith("did:bid:ab12:zf")
    sh.ok("did", "update", did, "--key", str(key), "--service", "s", "T", "https://s.example")
    assert sh.ok("resolve", did)["didDocumentMetadata"]["versionId"] == "2"


def test_registry_from_environment_and_default_location(
    sh: Shell, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    alice = sh.key("alice")
    monkeypatch.setenv("BID_REGISTRY", sh.registry)
    did = sh.ok("did", "create", "--key", str(alice), registry=False)["did"]
    assert sh.ok("resolve", did, registry=False)["didDocument"]["id"] == did
    monkeypatch.delenv("BID_REGISTRY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert default_registry_url() == f"sqlite:{tmp_path / 'data' / 'bid' / 'registry.sqlite3'}"
    sh.ok("did", "create", "--key", str(alice), registry=False)
    assert (tmp_path / "data" / "bid" / "registry.sqlite3").is_file()


def test_bad_registry_url_exits_2(sh: Shell) -> None:
    code, out, err = sh.run("resolve", "did:bid:byo1", "--registry", "postgres://x", registry=False)
    assert (code, out) == (2, "")
    assert "unknown registry" in err


def test_resolve_rejects_fragments_and_unknown_parameters(sh: Shell) -> None:
    for text in (
        "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE#key-1",
        "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE?hl=abc",
    ):
        code, out, err = sh.run("resolve", text)
        assert (code, out) == (2, "")
        assert "resolve" in err


def test_demo_registers_and_resolves(sh: Shell) -> None:
    code, out, err = sh.run("demo", registry=False)
    assert (code, err) == (0, "")
    assert "registered" in out
    assert '"versionId": "1"' in out
    assert '"verificationMethod"' in out
    # The credential flow: issued, presented once, refused the second time, then revoked.
    assert "verify credential           verified" in out
    assert "verify presentation         verified" in out
    assert "the same presentation again replayDetected" in out
    assert out.rstrip().splitlines()[-2].split() == ["verify", "credential", "NOT", "verified"]
    assert out.rstrip().splitlines()[-1].split()[0] == "revoked"
