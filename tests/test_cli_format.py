"""The ``bid`` command as a whole: ``--format``, stdout/stderr, exit codes, progress, completion.

Every command is run here with ``--format json`` and ``--format text``, and for every exit
code it can give (0 ok, 1 not verified, 2 bad input, 3 resolution/registry failure) there is
a case that produces it. Terminals are real pseudo-terminals (``pty``) around a real ``bid``
process; registries are real SQLite files.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

import bid._sm2
from bid import cli
from bid.cli_output import Progress, to_text
from bid.errors import MissingExtra, NotFound, RegistryError

V2 = "https://www.w3.org/ns/credentials/v2"
BID_EXE = str(Path(sys.executable).with_name("bid"))
FIXED_DID = "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE"
FIXED_PRIVATE = "priSPKt2hVqYmUoyJ24vYb8uzhu7VCab9X9BHz8K68sQZ61Yy5"
STATUS_URL = "https://example.com/status/1"


class World:
    """One user's files, built on demand: keys, a registered BID, credentials, a status list."""

    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        self.capsys = capsys
        self.tmp = tmp_path
        self.registry = f"sqlite:{tmp_path / 'registry.sqlite3'}"
        self.empty = f"sqlite:{tmp_path / 'empty' / 'registry.sqlite3'}"

    def run(self, *argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse's own exits
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str) -> Any:
        code, out, err = self.run("--format", "json", *argv)
        assert code == 0, err
        return json.loads(out) if out.lstrip().startswith(("{", "[")) else out.strip()

    def write(self, name: str, data: Any) -> str:
        path = self.tmp / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
        return str(path)

    def key(self, name: str) -> str:
        path = str(self.tmp / f"{name}.json")
        self.ok("key", "generate", "-o", path)
        return path

    @cached_property
    def issuer(self) -> str:
        return self.key("issuer")

    @cached_property
    def alice(self) -> str:
        return self.key("alice")

    @cached_property
    def alice_did(self) -> str:
        did: str = self.ok("did", "create", "--key", self.alice, "--registry", self.registry)["did"]
        return did

    @property
    def registered_alice(self) -> str:
        """Alice's key file, once her DID is registered."""
        assert self.alice_did
        return self.alice

    @cached_property
    def unregistered_did(self) -> str:
        did: str = self.ok("key", "inspect", self.key("nobody"))["bid"]
        return did

    @cached_property
    def message(self) -> str:
        return self.write("message.bin", "hello")

    @cached_property
    def signature(self) -> str:
        signature: str = self.ok("sign", "--key", self.issuer, self.message)
        return signature

    def diploma(self, **members: Any) -> dict[str, Any]:
        return {
            "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:alice", "degree": "BSc"},
            **members,
        }

    @cached_property
    def unsigned(self) -> str:
        return self.write("diploma.json", self.diploma())

    @cached_property
    def signed(self) -> str:
        return self.write(
            "signed.json", self.ok("vc", "issue", "--key", self.issuer, self.unsigned)
        )

    @cached_property
    def forged(self) -> str:
        credential = json.loads(Path(self.signed).read_text("utf-8"))
        credential["credentialSubject"]["degree"] = "PhD"
        return self.write("forged.json", credential)

    @cached_property
    def signed_by_alice(self) -> str:
        signed = self.ok(
            "vc",
            "issue",
            "--key",
            self.alice,
            "--issuer",
            self.alice_did,
            "--registry",
            self.registry,
            self.unsigned,
        )
        return self.write("alice-signed.json", signed)

    @cached_property
    def presentation(self) -> str:
        vp = self.ok("vp", "create", "--key", self.key("holder"), "--challenge", "c1", self.signed)
        return self.write("vp.json", vp)

    @cached_property
    def presentation_by_alice(self) -> str:
        vp = self.ok(
            "vp",
            "create",
            "--key",
            self.alice,
            "--holder",
            self.alice_did,
            "--registry",
            self.registry,
            "--challenge",
            "c1",
            self.signed,
        )
        return self.write("vp-alice.json", vp)

    @cached_property
    def status_list(self) -> str:
        path = str(self.tmp / "list.json")
        self.ok("status", "create", "--key", self.issuer, "--id", STATUS_URL, "-o", path)
        return path

    @cached_property
    def alice_list(self) -> str:
        path = str(self.tmp / "alice-list.json")
        self.ok(
            "status",
            "create",
            "--key",
            self.alice,
            "--issuer",
            self.alice_did,
            "--registry",
            self.registry,
            "--id",
            STATUS_URL,
            "-o",
            path,
        )
        return path

    @cached_property
    def with_status(self) -> str:
        entry = self.ok("status", "entry", STATUS_URL, "42")
        credential = self.write("with-status.json", self.diploma(credentialStatus=entry))
        return self.write(
            "status-signed.json", self.ok("vc", "issue", "--key", self.issuer, credential)
        )

    def revoked(self) -> tuple[str, str]:
        credential, listed = self.with_status, self.status_list
        self.ok("status", "revoke", listed, "42", "--key", self.issuer)
        return credential, listed


@pytest.fixture(autouse=True)
def _private_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default registry lives under the test's directory, never the user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("BID_REGISTRY", raising=False)


@pytest.fixture
def world(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> World:
    return World(capsys, tmp_path)


# -- every exit code of every command ------------------------------------------------------

Case = Callable[[World], list[str]]
CASES: list[tuple[str, int, Case]] = [
    ("key generate", 0, lambda w: ["key", "generate"]),
    ("key generate", 2, lambda w: ["key", "generate", "--ac", "toolong"]),
    ("key inspect", 0, lambda w: ["key", "inspect", FIXED_PRIVATE]),
    ("key inspect", 2, lambda w: ["key", "inspect", "b065zz"]),
    ("did parse", 0, lambda w: ["did", "parse", FIXED_DID + "#key-1"]),
    ("did parse", 2, lambda w: ["did", "parse", "did:bid:"]),
    ("did create", 0, lambda w: ["did", "create", "--key", w.alice, "--registry", w.registry]),
    ("did create", 2, lambda w: ["did", "create", "--key", str(w.tmp / "none.json")]),
    (
        "did create",
        3,
        lambda w: [  # a second, different create of a registered DID
            "did",
            "create",
            "--key",
            w.registered_alice,
            "--registry",
            w.registry,
            "--service",
            "hub",
            "LinkedDomains",
            "https://alice.example",
        ],
    ),
    ("did create", 2, lambda w: ["did", "create", "--batch", "0", "--key-dir", str(w.tmp)]),
    (
        "did update",
        0,
        lambda w: [
            "did",
            "update",
            w.alice_did,
            "--key",
            w.alice,
            "--service",
            "hub",
            "LinkedDomains",
            "https://alice.example",
            "--registry",
            w.registry,
        ],
    ),
    (
        "did update",
        2,
        lambda w: ["did", "update", "did:bid:x", "--key", w.alice, "--registry", w.registry],
    ),
    (
        "did update",
        3,
        lambda w: ["did", "update", w.unregistered_did, "--key", w.alice, "--registry", w.registry],
    ),
    (
        "did recover",
        0,
        lambda w: [
            "did",
            "recover",
            w.alice_did,
            "--recovery-key",
            w.alice,
            "--new-key",
            w.issuer,
            "--registry",
            w.registry,
        ],
    ),
    (
        "did recover",
        2,
        lambda w: [
            "did",
            "recover",
            w.alice_did,
            "--recovery-key",
            w.alice,
            "--new-key",
            "did:bid:efx",
            "--registry",
            w.registry,
        ],
    ),
    (
        "did recover",
        3,
        lambda w: [
            "did",
            "recover",
            w.unregistered_did,
            "--recovery-key",
            w.alice,
            "--new-key",
            w.issuer,
            "--registry",
            w.registry,
        ],
    ),
    (
        "did deactivate",
        0,
        lambda w: ["did", "deactivate", w.alice_did, "--key", w.alice, "--registry", w.registry],
    ),
    ("did deactivate", 2, lambda w: ["did", "deactivate", w.alice_did, "--key", w.message]),
    (
        "did deactivate",
        3,
        lambda w: [
            "did",
            "deactivate",
            w.unregistered_did,
            "--key",
            w.alice,
            "--registry",
            w.registry,
        ],
    ),
    ("did history", 0, lambda w: ["did", "history", w.alice_did, "--registry", w.registry]),
    ("did history", 2, lambda w: ["did", "history", "did:key:z6Mk", "--registry", w.registry]),
    ("did history", 3, lambda w: ["did", "history", w.unregistered_did, "--registry", w.empty]),
    ("resolve", 0, lambda w: ["resolve", w.alice_did, "--registry", w.registry]),
    ("resolve", 2, lambda w: ["resolve", FIXED_DID + "#key-1"]),
    ("resolve", 3, lambda w: ["resolve", w.unregistered_did, "--registry", w.empty]),
    (
        "dereference",
        0,
        lambda w: ["dereference", w.alice_did + "#key-1", "--registry", w.registry],
    ),
    ("dereference", 2, lambda w: ["dereference", FIXED_DID, "--registry", "nosuch:x"]),
    ("dereference", 3, lambda w: ["dereference", w.alice_did + "#key-1", "--registry", w.empty]),
    ("sign", 0, lambda w: ["sign", "--key", w.issuer, w.message]),
    ("sign", 2, lambda w: ["sign", "--key", w.issuer, str(w.tmp / "no-message")]),
    (
        "verify",
        0,
        lambda w: ["verify", "--public-key", w.issuer, "--signature", w.signature, w.message],
    ),
    (
        "verify",
        1,
        lambda w: ["verify", "--public-key", w.alice, "--signature", w.signature, w.message],
    ),
    ("verify", 2, lambda w: ["verify", "--public-key", w.issuer, "--signature", "00", w.message]),
    ("demo", 0, lambda w: ["demo"]),
    ("completion", 0, lambda w: ["completion", "fish"]),
    ("completion", 2, lambda w: ["completion", "powershell"]),
    ("serve", 2, lambda w: ["serve", "--port", "70000", "--registry", "memory:"]),
    ("vc issue", 0, lambda w: ["vc", "issue", "--key", w.issuer, w.unsigned]),
    ("vc issue", 2, lambda w: ["vc", "issue", "--key", w.issuer]),
    (
        "vc issue",
        3,
        lambda w: [
            "vc",
            "issue",
            "--key",
            w.alice,
            "--issuer",
            w.unregistered_did,
            "--registry",
            w.registry,
            w.unsigned,
        ],
    ),
    ("vc verify", 0, lambda w: ["vc", "verify", w.signed]),
    ("vc verify", 1, lambda w: ["vc", "verify", w.forged]),
    ("vc verify", 2, lambda w: ["vc", "verify", str(w.tmp / "missing.json")]),
    ("vc verify", 3, lambda w: ["vc", "verify", w.signed_by_alice, "--registry", w.empty]),
    ("vp create", 0, lambda w: ["vp", "create", "--key", w.issuer, w.signed]),
    ("vp create", 2, lambda w: ["vp", "create", "--key", w.message, w.signed]),
    (
        "vp create",
        3,
        lambda w: [
            "vp",
            "create",
            "--key",
            w.alice,
            "--holder",
            w.unregistered_did,
            "--registry",
            w.registry,
            w.signed,
        ],
    ),
    ("vp verify", 0, lambda w: ["vp", "verify", "--challenge", "c1", w.presentation]),
    ("vp verify", 1, lambda w: ["vp", "verify", "--challenge", "c2", w.presentation]),
    ("vp verify", 2, lambda w: ["vp", "verify", w.unsigned, "--at", "yesterday"]),
    (
        "vp verify",
        3,
        lambda w: [
            "vp",
            "verify",
            "--challenge",
            "c1",
            w.presentation_by_alice,
            "--registry",
            w.empty,
        ],
    ),
    ("status create", 0, lambda w: ["status", "create", "--key", w.issuer, "--id", STATUS_URL]),
    (
        "status create",
        2,
        lambda w: ["status", "create", "--key", w.issuer, "--id", STATUS_URL, "--length", "8"],
    ),
    (
        "status create",
        3,
        lambda w: [
            "status",
            "create",
            "--key",
            w.alice,
            "--id",
            STATUS_URL,
            "--issuer",
            w.unregistered_did,
            "--registry",
            w.registry,
        ],
    ),
    ("status revoke", 0, lambda w: ["status", "revoke", w.status_list, "7", "--key", w.issuer]),
    ("status revoke", 2, lambda w: ["status", "revoke", w.unsigned, "7", "--key", w.issuer]),
    (
        "status revoke",
        3,
        lambda w: ["status", "revoke", w.alice_list, "7", "--key", w.alice, "--registry", w.empty],
    ),
    ("status suspend", 2, lambda w: ["status", "suspend", w.status_list, "7", "--key", w.issuer]),
    ("status restore", 2, lambda w: ["status", "restore", w.status_list, "7", "--key", w.issuer]),
    ("status entry", 0, lambda w: ["status", "entry", STATUS_URL, "7"]),
    ("status entry", 2, lambda w: ["status", "entry", STATUS_URL, "-7"]),
    (
        "status check",
        0,
        lambda w: ["status", "check", w.with_status, "--status-list", w.status_list],
    ),
    (
        "status check",
        1,
        lambda w: ["status", "check", *w.revoked()[:1], "--status-list", w.status_list],
    ),
    (
        "status check",
        2,
        lambda w: ["status", "check", w.with_status, "--status-list", w.message],
    ),
]


@pytest.mark.parametrize(
    ("command", "expected", "case"),
    CASES,
    ids=[
        f"{command.replace(' ', '-')}-exit{code}-{n}" for n, (command, code, _) in enumerate(CASES)
    ],
)
def test_exit_codes(world: World, command: str, expected: int, case: Case) -> None:
    argv = case(world)
    assert " ".join(argv).startswith(command)
    code, out, err = world.run(*argv)
    assert code == expected, err
    if expected == 0:
        assert "bid: error" not in err
    else:  # one message on stderr, in the one format; stdout holds a result or nothing
        assert err.strip(), argv
        assert "bid: error: " in err.splitlines()[-1] or err.startswith("usage:"), err
        if out.strip() and out.lstrip().startswith(("{", "[")):
            json.loads(out)


def test_every_command_has_an_exit_code_case() -> None:
    covered = {command for command, _, _ in CASES}
    assert covered >= set(_commands(cli.build_parser()))


def test_suspension_lists_suspend_and_restore(world: World) -> None:
    path = str(world.tmp / "suspension.json")
    world.ok(
        "status",
        "create",
        "--key",
        world.issuer,
        "--id",
        STATUS_URL,
        "--purpose",
        "suspension",
        "-o",
        path,
    )
    assert world.ok("status", "suspend", path, "7", "--key", world.issuer)["value"] == 1
    assert world.ok("status", "restore", path, "7", "--key", world.issuer)["value"] == 0


# -- --format, both ways, for every command --------------------------------------------------

#: Commands whose result is not a JSON value: a signature, a tour, a script.
RAW = {"sign", "demo", "completion"}


def _success_cases() -> list[tuple[str, Case]]:
    return [(command, case) for command, code, case in CASES if code == 0]


@pytest.mark.parametrize(
    ("command", "case"), _success_cases(), ids=[c for c, _ in _success_cases()]
)
def test_format_json_and_text(world: World, command: str, case: Case) -> None:
    argv = case(world)
    code, as_json, err = world.run("--format", "json", *argv)
    assert code == 0, err
    if command in ("did create", "did update", "did recover", "did deactivate"):
        return _assert_text_of_registry_write(world, command)
    code, as_text, err = world.run(*argv, "--format", "text")
    assert code == 0, err
    if command in RAW:
        assert as_text.split("\n")[0] == as_json.split("\n")[0] or command == "demo"
        return
    value = json.loads(as_json)
    with pytest.raises(json.JSONDecodeError):
        json.loads(as_text)
    assert as_text.strip()
    # Each member of the first object (or item) has its "name:" line; verdicts read alike.
    first = value[0] if isinstance(value, list) else value
    lines = as_text.splitlines()
    for name in first:
        assert any(line.lstrip("- ").startswith(f"{name}:") for line in lines), (name, as_text)
    if "verified" in first:
        assert f"verified: {str(first['verified']).lower()}" in lines


def _assert_text_of_registry_write(world: World, command: str) -> None:
    """A registry write runs once per state; run a second one in text and read it back."""
    key = world.key(f"text-{command.split()[1]}")
    code, out, err = world.run(
        "--format", "text", "did", "create", "--key", key, "--registry", world.registry
    )
    assert code == 0, err
    did = world.ok("key", "inspect", key)["bid"]
    assert f"did: {did}" in out.splitlines()
    assert "operation: create" in out.splitlines()


def test_default_format_is_json_off_a_terminal_and_text_on_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _err = world.run("did", "parse", FIXED_DID)
    assert code == 0
    assert json.loads(out)["did"] == FIXED_DID
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _err = world.run("did", "parse", FIXED_DID)
    assert code == 0
    assert f"did: {FIXED_DID}" in out.splitlines()
    code, out, _err = world.run("--format", "json", "did", "parse", FIXED_DID)
    assert json.loads(out)["method"] == "bid"


def test_format_is_refused_when_unknown(world: World) -> None:
    code, out, err = world.run("--format", "yaml", "did", "parse", FIXED_DID)
    assert code == 2
    assert out == ""
    assert "invalid choice" in err


def test_resolve_prints_representations_as_they_are(world: World) -> None:
    did = world.alice_did
    code, out, _err = world.run(
        "--format",
        "text",
        "resolve",
        did,
        "--registry",
        world.registry,
        "--accept",
        "application/did+json",
    )
    assert code == 0
    assert json.loads(out)["id"] == did
    code, out, _err = world.run("--format", "text", "resolve", did, "--registry", world.registry)
    assert code == 0
    assert f"  id: {did}" in out.splitlines()


def test_to_text_shapes() -> None:
    assert to_text({"a": 1, "b": {"c": None}, "d": [True, {"e": "f"}], "g": []}) == (
        "a: 1\nb:\n  c: null\nd:\n  - true\n  - e: f\ng: []"
    )
    assert to_text([]) == "[]"
    assert to_text({}) == "{}"


# -- terminals: format default and progress bars, in a real process --------------------------


def _run_with_terminal(
    argv: list[str], *, tty_stdout: bool, tty_stderr: bool
) -> tuple[int, str, str]:
    """Run ``bid`` with stdout and/or stderr on a pseudo-terminal; the rest on pipes."""
    leader, follower = pty.openpty()
    stdout = follower if tty_stdout else subprocess.PIPE
    stderr = follower if tty_stderr else subprocess.PIPE
    process = subprocess.Popen([BID_EXE, *argv], stdout=stdout, stderr=stderr)
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    piped_out, piped_err = process.communicate(timeout=30)  # reads and closes the pipes
    out = piped_out.decode() if piped_out else ""
    err = piped_err.decode() if piped_err else ""
    code = process.returncode
    terminal = b"".join(chunks).decode().replace("\r\n", "\n")
    return code, out if not tty_stdout else terminal, err if not tty_stderr else terminal


def test_a_terminal_gets_text_and_a_pipe_gets_json() -> None:
    code, out, _err = _run_with_terminal(
        ["did", "parse", FIXED_DID], tty_stdout=True, tty_stderr=False
    )
    assert code == 0
    assert f"did: {FIXED_DID}" in out.splitlines()
    code, out, _err = _run_with_terminal(
        ["did", "parse", FIXED_DID], tty_stdout=False, tty_stderr=False
    )
    assert json.loads(out)["did"] == FIXED_DID


def test_batch_verify_shows_progress_on_a_terminal_only(world: World) -> None:
    files = [world.signed, world.forged, world.signed]
    code, out, err = _run_with_terminal(["vc", "verify", *files], tty_stdout=False, tty_stderr=True)
    assert code == 1
    assert "vc verify 3/3 [" in err
    assert "100%" in err
    results = json.loads(out)
    assert [r["verified"] for r in results] == [True, False, True]
    assert [r["file"] for r in results] == files
    code, out, err = _run_with_terminal(
        ["vc", "verify", *files], tty_stdout=False, tty_stderr=False
    )
    assert code == 1
    assert err == "bid: error: not verified: 1 of 3 credentials\n"  # and no progress
    assert len(json.loads(out)) == 3


def test_progress_line_draws_only_on_a_terminal(tmp_path: Path) -> None:
    with (tmp_path / "log").open("w") as stream:
        progress = Progress(4, "work", stream=stream)
        assert not progress.enabled
        progress.advance(2)
        assert progress.line(width=8) == "work 2/4 [####----]  50%"
        progress.close()
    assert (tmp_path / "log").read_text() == ""


# -- batch commands -------------------------------------------------------------------------


def test_vc_verify_many_exit_codes(world: World) -> None:
    code, out, _err = world.run("vc", "verify", world.signed, world.signed)
    assert code == 0
    assert [r["verified"] for r in json.loads(out)] == [True, True]
    code, out, err = world.run(
        "vc", "verify", world.signed, world.signed_by_alice, "--registry", world.empty
    )
    assert code == 3
    assert "no registry at" in err
    results = json.loads(out)
    assert results[1]["errors"][0]["code"] == "notFound"
    code, out, _err = world.run(
        "vc", "verify", world.forged, world.signed_by_alice, "--registry", world.empty
    )
    assert code == 1  # a credential that does not verify outweighs one that could not resolve
    code, _out, err = world.run("vc", "verify", world.signed, str(world.tmp / "missing.json"))
    assert code == 2
    code, _out, err = world.run("vc", "verify", world.signed, "-")
    assert code == 2
    assert "standard input" in err


def test_vc_verify_many_matches_one_by_one(world: World) -> None:
    files = [world.signed, world.forged]
    code, out, _err = world.run("vc", "verify", *files)
    assert code == 1
    batch = json.loads(out)
    for path, result in zip(files, batch, strict=True):
        code, out, _err = world.run("vc", "verify", path)
        single = json.loads(out)
        assert {**single, "file": path} == result


def test_vc_issue_batch(world: World) -> None:
    source = world.tmp / "diplomas"
    source.mkdir()
    for name in ("b", "a", "c"):
        (source / f"{name}.json").write_text(json.dumps(world.diploma(id=f"urn:{name}")))
    (source / "notes.txt").write_text("not a credential")
    out = world.ok("vc", "issue", "--key", world.issuer, "--batch", str(source))
    assert [c["id"] for c in out] == ["urn:a", "urn:b", "urn:c"]
    target = world.tmp / "signed"
    listed = world.ok(
        "vc",
        "issue",
        "--key",
        world.issuer,
        "--suite",
        "jwt",
        "--batch",
        str(source),
        "--output-dir",
        str(target),
    )
    assert [Path(e["output"]).name for e in listed] == ["a.jwt", "b.jwt", "c.jwt"]
    files = [e["output"] for e in listed]
    verified = world.ok("vc", "verify", *files)
    assert [r["verified"] for r in verified] == [True, True, True]


def test_vc_issue_batch_refusals(world: World) -> None:
    empty = world.tmp / "nothing"
    empty.mkdir()
    for argv, words in (
        (["--batch", str(empty)], "no *.json"),
        (["--batch", str(world.tmp / "absent")], "no such directory"),
        (["--batch", str(empty), world.unsigned], "not both"),
        (["--output-dir", str(empty), world.unsigned], "goes with --batch"),
    ):
        code, out, err = world.run("vc", "issue", "--key", world.issuer, *argv)
        assert code == 2, argv
        assert out == ""
        assert words in err
    bad = world.tmp / "bad"
    bad.mkdir()
    (bad / "a.json").write_text(json.dumps(world.diploma()))
    (bad / "b.json").write_text('{"a": 1, "a": 2}')
    code, out, err = world.run("vc", "issue", "--key", world.issuer, "--batch", str(bad))
    assert code == 2
    assert out == ""
    # With --output-dir too: the good credential before the bad one is not written either.
    written = world.tmp / "written"
    code, out, err = world.run(
        "vc", "issue", "--key", world.issuer, "--batch", str(bad), "--output-dir", str(written)
    )
    assert code == 2
    assert out == ""
    assert not written.exists() or not any(written.iterdir())


def test_did_create_batch(world: World) -> None:
    keys = world.tmp / "keys"
    created = world.ok(
        "did", "create", "--batch", "3", "--key-dir", str(keys), "--registry", world.registry
    )
    assert len(created) == 3
    assert len({c["did"] for c in created}) == 3
    for entry in created:
        key_file = Path(entry["keyFile"])
        assert key_file.parent == keys
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert world.ok("key", "inspect", str(key_file))["bid"] == entry["did"]
        resolved = world.ok("resolve", entry["did"], "--registry", world.registry)
        assert resolved["didDocument"]["id"] == entry["did"]


def test_did_create_batch_refusals(world: World) -> None:
    for argv, words in (
        (["--batch", "2"], "--key-dir"),
        (["--batch", "2", "--key-dir", str(world.tmp), "--key", world.issuer], "own keys"),
        (["--batch", "100001", "--key-dir", str(world.tmp)], "from 1 to 100000"),
        (["--key-dir", str(world.tmp), "--key", world.issuer], "goes with --batch"),
        ([], "needs --key"),
    ):
        code, out, err = world.run("did", "create", *argv, "--registry", world.registry)
        assert code == 2, argv
        assert out == ""
        assert words in err, err


# -- helpful errors -------------------------------------------------------------------------


def test_a_missing_extra_names_what_to_install(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bid._sm2, "_lib", None)
    monkeypatch.setitem(sys.modules, "gmssl_pyx", None)  # import fails as if not installed
    code, out, err = world.run("key", "generate", "--type", "sm2")
    assert code == 2
    assert out == ""
    assert "pip install 'bid[sm2]'" in err
    assert cli._exit_code(MissingExtra("x")) == 2


def test_registry_errors_say_what_is_wrong(world: World) -> None:
    damaged = world.tmp / "damaged.sqlite3"
    damaged.write_text("not a database")
    code, out, err = world.run("did", "history", FIXED_DID, "--registry", f"sqlite:{damaged}")
    assert code == 3
    assert out == ""
    assert str(damaged) in err
    assert "not a database" in err
    code, _out, err = world.run("did", "history", FIXED_DID, "--registry", "nosuch:")
    assert code == 2
    assert "sqlite:PATH" in err
    code, _out, err = world.run("resolve", FIXED_DID, "--registry", world.empty)
    assert code == 3
    assert "no registry at" in err
    assert not Path(world.empty[len("sqlite:") :]).exists()  # reading creates nothing
    assert cli._exit_code(NotFound("x")) == cli._exit_code(RegistryError("x")) == 3


def test_serve_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [BID_EXE, "serve", "--port", "0", "--registry", "memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        for _ in range(50):
            line = process.stderr.readline()
            if "running on" in line.lower() or not line:
                break
        assert "running on" in line.lower()
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=20)


# -- help and completion --------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[str]:
    """Every leaf command path of the parser, as "vc issue"."""
    out: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                out.extend(_commands(child, (*path, name)) or [" ".join((*path, name))])
    return out


def _paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                out.extend(_paths(child, (*path, name)))
    return out


def test_every_command_and_group_has_an_example_in_help(world: World) -> None:
    paths = _paths(cli.build_parser())
    assert ("completion",) in paths
    assert len(paths) > 25
    for path in paths:
        code, out, _err = world.run(*path, "--help")
        assert code == 0
        assert "example:" in out, path
        assert "\n  bid " in out.split("example:")[1], path
        assert "--format" in out, path


def test_completion_scripts_come_from_the_parser(world: World) -> None:
    for shell in ("bash", "zsh", "fish"):
        script = world.ok("completion", shell)
        for command in ("vc", "issue", "status", "revoke", "batch", "format", "key-dir"):
            assert command in script, (shell, command)
    assert world.ok("completion", "zsh").startswith("#compdef bid")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["bid", ""], {"key", "did", "vc", "vp", "status", "completion", "resolve"}),
        (["bid", "vc", "i"], {"issue"}),
        (["bid", "--format", "json", "vc", "verify", "--s"], {"--status-list", "--schema"}),
        (["bid", "did", "create", "--b"], {"--batch"}),
        (["bid", "status", ""], {"create", "revoke", "suspend", "restore", "entry", "check"}),
    ],
)
def test_bash_completion_completes(world: World, words: list[str], expected: set[str]) -> None:
    script = world.ok("completion", "bash")
    array = " ".join(f"'{w}'" for w in words)
    program = (
        f"{script}\nCOMP_WORDS=({array}); COMP_CWORD={len(words) - 1}\n"
        '_bid_complete; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    offered = set(result.stdout.split())
    assert expected <= offered
    assert not {"issue", "generate"} & offered - expected  # another level's commands


def test_batch_issue_and_create_show_progress_on_a_terminal(world: World) -> None:
    source = world.tmp / "diplomas"
    source.mkdir()
    for name in ("a", "b"):
        (source / f"{name}.json").write_text(json.dumps(world.diploma(id=f"urn:{name}")))
    issue = ["vc", "issue", "--key", world.issuer, "--batch", str(source)]
    keys = str(world.tmp / "keys")
    create = ["did", "create", "--batch", "2", "--key-dir", keys, "--registry", world.registry]
    for argv, label in ((issue, "vc issue"), (create, "did create")):
        code, out, err = _run_with_terminal(argv, tty_stdout=False, tty_stderr=True)
        assert code == 0, err
        assert f"{label} 2/2 [" in err
        assert len(json.loads(out)) == 2
        code, out, err = _run_with_terminal(argv, tty_stdout=False, tty_stderr=False)
        assert code == 0, err
        assert err == ""  # off a terminal: no progress
        assert len(json.loads(out)) == 2
