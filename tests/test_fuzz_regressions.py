"""The fuzz targets (fuzz/targets.py) in the normal suite, without atheris.

Every target runs over its seed corpus (``fuzz/corpus/<target>/``) and over every crash
input the fuzzers found (``fuzz/regressions/<target>/``, minimized), so a fixed crash stays
fixed. The oracle is the targets' own: only ``bid.errors.BidError`` may escape the library,
and the round-trip properties must hold. The bugs the fuzzers found are also pinned here
through the public API, and ``fuzz/run.py`` is checked for what it promises when atheris is
missing.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz import make_corpus  # noqa: E402
from fuzz import run as fuzz_run  # noqa: E402
from fuzz.minimize import crash_signature, minimize  # noqa: E402
from fuzz.mutators import JSON_TARGETS, ByteMutator, mutate_json, mutate_jws  # noqa: E402
from fuzz.targets import TARGETS, PropertyFailed, Target, _only, run  # noqa: E402

from bid.credentials import check_credential  # noqa: E402
from bid.data_integrity import Proof  # noqa: E402
from bid.errors import (  # noqa: E402
    BidError,
    InvalidCredential,
    InvalidDID,
    InvalidKey,
    ProofVerificationError,
)
from bid.methods.key import KeyMethod  # noqa: E402
from bid.resolver import MethodRouter  # noqa: E402
from bid.vc import verify_credential  # noqa: E402

FUZZ = ROOT / "fuzz"
CORPUS = FUZZ / "corpus"
REGRESSIONS = FUZZ / "regressions"
V2 = "https://www.w3.org/ns/credentials/v2"


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []


def _crashes(target: Target, files: list[Path]) -> list[str]:
    """``file: traceback`` for every file on which the target crashes."""
    found = []
    for path in files:
        try:
            run(target, path.read_bytes())
        except Exception:
            found.append(f"{path.relative_to(ROOT)}:\n{traceback.format_exc()}")
    return found


REGRESSION_FILES = [p for d in sorted(REGRESSIONS.iterdir()) if d.is_dir() for p in _files(d)]


# -- the corpora ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seed_corpus(name: str) -> None:
    files = _files(CORPUS / name)
    assert 5 <= len(files) <= 60, f"{name}: {len(files)} seeds; a handful to a few dozen"
    assert all(p.stat().st_size <= 16 * 1024 for p in files), "seeds are small files"
    crashes = _crashes(TARGETS[name], files)
    assert not crashes, "\n".join(crashes)


@pytest.mark.parametrize(
    "path", REGRESSION_FILES, ids=[f"{p.parent.name}/{p.name}" for p in REGRESSION_FILES]
)
def test_regression(path: Path) -> None:
    assert path.parent.name in TARGETS, f"{path.parent} names no target"
    crashes = _crashes(TARGETS[path.parent.name], [path])
    assert not crashes, "\n".join(crashes)


def test_regression_directories_name_targets() -> None:
    assert REGRESSION_FILES, "the crash inputs found so far are kept here"
    for directory in REGRESSIONS.iterdir():
        assert directory.is_dir(), directory
        assert directory.name in TARGETS, directory


def test_seed_corpus_holds_every_seed_make_corpus_writes() -> None:
    # Names, not bytes: a seed's bytes may drift with the library (a document gains a
    # member) and stay a good seed; a seed added to the script must be written out.
    assert set(make_corpus.SEEDS) == set(TARGETS)
    for name, make in make_corpus.SEEDS.items():
        assert set(make()) == {p.name for p in _files(CORPUS / name)}, name


# -- the oracle -----------------------------------------------------------------------------------


def test_run_lets_only_bid_errors_pass() -> None:
    def refuses(data: bytes) -> None:
        raise InvalidDID("refused")

    def breaks(data: bytes) -> None:
        raise IndexError(data[5])

    def lies(data: bytes) -> None:
        raise PropertyFailed("round trip")

    run(refuses, b"x")  # an answer, not a crash
    with pytest.raises(IndexError):
        run(breaks, b"x")
    with pytest.raises(PropertyFailed):
        run(lies, b"x")
    assert not issubclass(PropertyFailed, BidError)


def test_an_undocumented_bid_error_breaks_the_promise() -> None:
    with pytest.raises(InvalidDID), _only(InvalidDID):
        raise InvalidDID("documented")
    with pytest.raises(PropertyFailed, match="InvalidKey"), _only(InvalidDID):
        raise InvalidKey("not documented")


def test_minimize_keeps_the_crash_and_shrinks_it() -> None:
    def target(data: bytes) -> None:
        value = json.loads(data)
        if isinstance(value, dict) and value.get("b") == [1]:
            raise KeyError("b")

    crash = json.dumps({"a": "x" * 50, "b": [1], "c": {"d": [2, 3]}}).encode()
    small = minimize(target, crash)
    assert json.loads(small) == {"b": [1]}
    assert crash_signature(target, small) == crash_signature(target, crash)
    with pytest.raises(ValueError, match="does not crash"):
        minimize(target, b"{}")


# -- the mutators ---------------------------------------------------------------------------------


def _byte_mutate(rng: random.Random) -> ByteMutator:
    def mutate(data: bytes, max_size: int) -> bytes:
        out = bytearray(data)
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out[:max_size])

    return mutate


@pytest.mark.parametrize("name", [*sorted(JSON_TARGETS), "jws"])
def test_structured_mutators_stay_in_bounds(name: str) -> None:
    rng = random.Random(name)
    mutate = mutate_jws if name == "jws" else mutate_json
    still_json = 0
    for path in _files(CORPUS / name):
        data = path.read_bytes()
        for seed in range(12):
            out = mutate(data, 20_000, seed, _byte_mutate(rng))
            assert len(out) <= 20_000
            if name != "jws":
                try:
                    json.loads(out)
                    still_json += 1
                except (ValueError, RecursionError):
                    pass
    if name != "jws":
        assert still_json > 0, "tree mutations give JSON"


# -- bugs the fuzzers found, through the public API -------------------------------------------


@pytest.mark.parametrize(
    ("member", "when"),
    [("validFrom", "0001-01-01T00:00:00+01:00"), ("validUntil", "9999-12-31T23:59:59-01:00")],
)
def test_a_date_outside_the_utc_range_is_an_invalid_credential(member: str, when: str) -> None:
    credential: dict[str, Any] = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        member: when,
    }
    with pytest.raises(InvalidCredential, match="out of range in UTC"):
        check_credential(credential)
    result = verify_credential(credential, resolver=MethodRouter([KeyMethod()]))
    assert not result.verified
    assert "invalidCredential" in [e["code"] for e in result.errors]


def test_a_proof_created_before_year_1_in_utc_is_a_proof_error() -> None:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "0001-01-01T00:00:00+01:00",
        "verificationMethod": "did:example:issuer#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 64,  # 64 zero bytes: a signature's length
    }
    with pytest.raises(ProofVerificationError, match="out of range in UTC"):
        Proof.parse(proof)


# -- fuzz/run.py ----------------------------------------------------------------------------------


def test_run_without_atheris_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fuzz_run, "atheris_available", lambda: False)
    assert fuzz_run.main(["--smoke"]) == 2
    assert "pip install -e '.[fuzz]'" in capsys.readouterr().out
    assert fuzz_run.main(["--target", "did", "--allow-missing"]) == 2  # only with --smoke
    assert fuzz_run.main(["--smoke", "--allow-missing"]) == 0
    assert "skipping" in capsys.readouterr().out


def test_replay_reports_a_crashing_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "did" / "input"
    seed.parent.mkdir()
    seed.write_bytes(b"did:example:123")
    assert fuzz_run.main(["--replay", str(seed)]) == 0

    def crashes(data: bytes) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setitem(TARGETS, "did", crashes)  # the dict fuzz/run.py reads
    assert fuzz_run.main(["--replay", str(seed)]) == 1
    assert "OverflowError" in capsys.readouterr().err


@pytest.mark.slow
def test_atheris_entry_point_runs_a_target(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    completed = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "atheris_main.py"),
            "did",
            str(tmp_path),
            str(CORPUS / "did"),
            "-runs=2000",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Done 2000 runs" in completed.stderr
    assert not list(tmp_path.glob("crash-*"))
