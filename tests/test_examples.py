"""The programs in ``examples/`` run, print what they claim, and exit 0.

Each example runs as a subprocess of this interpreter (the project's virtualenv), in a
temporary working directory, with a timeout. A small wrapper refuses any connection that
is not to the loopback interface (ending the process with status 97), so an example that
reached for the network fails here. The assertions read the examples' output: what
verified, what was refused and why.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 120
NETWORK_USED = 97

# Runs the example named by argv[1] as __main__, with connect() limited to loopback and
# local (Unix) sockets.
_GUARD = """
import os, runpy, socket, sys
_connect = socket.socket.connect
def connect(self, address):
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        sys.stderr.write(f"network use refused: {address!r}\\n")
        sys.stderr.flush()
        os._exit(97)
    return _connect(self, address)
socket.socket.connect = connect
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in examples/
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # where a default registry would go
    env.pop("BID_REGISTRY", None)
    return env


def run(tmp_path: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``examples/name`` guarded, in ``tmp_path``; the finished process."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    raw = subprocess.run(
        [sys.executable, "-c", _GUARD, str(EXAMPLES / name), *args],
        cwd=work,
        env=_env(tmp_path),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    # Decoded by hand: text mode would turn the progress line's "\r" into "\n".
    done = subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode(), raw.stderr.decode()
    )
    assert done.returncode != NETWORK_USED, done.stderr
    assert not (tmp_path / "data").exists(), "the example touched the default registry"
    return done


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_diploma_verifies_and_a_tampered_copy_does_not(tmp_path: Path) -> None:
    out = _ok(run(tmp_path, "diploma.py"))
    issuer = re.search(r"^issuer:  (did:bid:ef\w+)$", out, re.MULTILINE)
    assert issuer is not None, out
    assert re.search(r"^holder:  did:key:z6Mk\w+$", out, re.MULTILINE), out
    assert f"proof:   eddsa-jcs-2022 by {issuer[1]}#key-1" in out
    assert "genuine diploma verified: True" in out
    assert "tampered diploma verified: False\n  proof: invalidSignature" in out
    assert list((tmp_path / "work").iterdir()) == [], "the registry belongs in a temp dir"


def test_bid_lifecycle_prints_each_version_and_the_lost_key_is_refused(tmp_path: Path) -> None:
    out = _ok(run(tmp_path, "bid_lifecycle.py"))
    did = re.search(r"^registered (did:bid:ef\w+)$", out, re.MULTILINE)
    assert did is not None, out
    versions = re.findall(
        r"^version (\d): keys=(\[.*?\]) authentication=(\[.*?\]) services=(\[.*?\])",
        out,
        re.MULTILINE,
    )
    assert [v[0] for v in versions] == ["1", "2", "3"], out
    first, updated, recovered = (
        (ast.literal_eval(k), ast.literal_eval(a), ast.literal_eval(s)) for _, k, a, s in versions
    )
    assert first == (["key-1", "key-2"], ["key-1"], [])
    assert updated == (["key-1", "key-2"], ["key-1"], ["https://example.com/"])
    # After the recovery: the recovery key and one new key; the lost key-1 is gone.
    keys, authentication, services = recovered
    assert keys[0] == "key-2"
    assert len(keys) == 2
    assert keys[1].startswith("key-")
    assert "key-1" not in keys
    assert authentication == [keys[1]]
    assert services == ["https://example.com/"]
    assert f"the lost key is refused: Unauthorized: {did[1]}#key-1 is not listed" in out
    assert "the new key updated the BID to version 4" in out


def test_resolver_driver_serves_and_the_client_resolves_through_it(tmp_path: Path) -> None:
    out = _ok(run(tmp_path, "resolver_driver.py"))
    assert re.search(r"^driver:  http://127\.0\.0\.1:\d+/1\.0/identifiers/\{did\}$", out, re.M)
    assert re.search(r"^resolved did:bid:ef\w+\n  versionId 1\n  services \['https://", out, re.M)
    assert re.search(r"^resolved did:key:z6Mk\w+ \(1 method\(s\)\)$", out, re.MULTILINE), out
    assert re.search(r"^resolving did:bid:ef\w+: notFound$", out, re.MULTILINE), out
    assert out.endswith("driver stopped\n")


def test_login_with_bid_logs_in_once_and_refuses_a_replay(tmp_path: Path) -> None:
    out = _ok(run(tmp_path, "login_with_bid.py"))
    user = re.search(r"^user: (did:bid:ef\w+)$", out, re.MULTILINE)
    assert user is not None, out
    assert "before login, /me: 401" in out
    assert f"login: 200, /me: 200 {{'did': '{user[1]}'}}" in out
    assert "replayed presentation: 401 {'errors': ['replayDetected']}" in out
    forged = re.search(r"^presentation by another key: 401 \{'errors': (\[.*\])\}$", out, re.M)
    assert forged is not None, out
    assert "invalidSignature" in ast.literal_eval(forged[1])


def test_batch_verify_counts_the_tampered_credentials(tmp_path: Path) -> None:
    done = run(tmp_path, "batch_verify.py", "--count", "40", "--workers", "2")
    out = _ok(done)
    assert "workers:  2\nverified: 36/40\nfailed:   4\n  invalidSignature: 4\n" in out
    assert re.search(r"^time:     \d+\.\d\d s", out, re.MULTILINE)
    # The progress line goes to stderr, rewritten in place, and ends complete.
    frames = done.stderr.split("\r")
    assert len(frames) > 2, done.stderr
    assert re.fullmatch(r"\[#{30}\] 40/40 100% [\d,]+/s\n", frames[-1]), done.stderr


def test_batch_verify_rejects_a_bad_count(tmp_path: Path) -> None:
    done = run(tmp_path, "batch_verify.py", "--count", "0")
    assert done.returncode == 2
    assert "--count must be at least 1" in done.stderr
    assert done.stdout == ""


def _pytest(tmp_path: Path, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path), *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_my_verifier_properties_pass(tmp_path: Path) -> None:
    done = _pytest(tmp_path, EXAMPLES / "test_my_verifier.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^6 passed", done.stdout, re.MULTILINE), done.stdout


def test_my_verifier_properties_catch_a_verifier_that_skips_the_signature(
    tmp_path: Path,
) -> None:
    source = (EXAMPLES / "test_my_verifier.py").read_text(encoding="utf-8")
    check = "method.public_key().verify(signature, message)"
    assert source.count(check) == 1
    broken = tmp_path / "test_broken_verifier.py"
    # Without shrinking (slow on these documents): the first failing example will do.
    source = source.replace("deadline=None)", "deadline=None, phases=[Phase.generate])")
    source = source.replace(
        "from hypothesis import", "from hypothesis import Phase\nfrom hypothesis import", 1
    )
    broken.write_text(source.replace(check, "method.public_key()"), encoding="utf-8")
    done = _pytest(tmp_path, broken, "-k", "changed_message or another_key")
    assert done.returncode == 1, done.stdout + done.stderr
    failed = set(re.findall(r"^FAILED \S+::(\w+)", done.stdout, re.MULTILINE))
    assert {"test_a_changed_message_fails", "test_another_key_fails"} <= failed, done.stdout


def test_every_example_says_what_it_shows_and_is_listed_in_the_readme() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    programs = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert programs == [
        "batch_verify.py",
        "bid_lifecycle.py",
        "diploma.py",
        "login_with_bid.py",
        "resolver_driver.py",
        "test_my_verifier.py",
    ]
    for name in programs:
        docstring = ast.get_docstring(ast.parse((EXAMPLES / name).read_text(encoding="utf-8")))
        assert docstring is not None, name
        assert "Run it with" in docstring, name
        assert f"examples/{name}" in docstring, name
        assert f"examples/{name}" in readme, name
