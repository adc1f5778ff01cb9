"""bid.batch: verify_many / iter_verify in threads and processes, against verify_credential.

Every batch result must equal what :func:`bid.vc.verify_credential` says about the same
input, in the same order, whatever the mode, the chunking or the input's troubles.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import bid
from bid import batch
from bid.errors import InvalidInput, Unsupported
from bid.keys import Ed25519PrivateKey
from bid.methods.key import KeyMethod
from bid.resolver import MethodRouter, Resolver
from bid.vc import VerificationResult, issue, verify_credential

VECTORS = json.loads((Path(__file__).parent / "vectors" / "w3c-vectors.json").read_text())
UNSIGNED: dict[str, Any] = VECTORS["vc_di_eddsa"]["unsigned_credential"]["document"]
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
KEYS = [Ed25519PrivateKey.from_seed(bytes([n + 1]) * 32) for n in range(4)]


def _signed(key: Ed25519PrivateKey, suite: str = "eddsa-jcs-2022") -> Any:
    did = key.public_key.did_key
    unsigned = dict(UNSIGNED, issuer=did)
    return issue(unsigned, key, verification_method=f"{did}#{did.split(':')[-1]}", suite=suite)


GOOD = [_signed(key) for key in KEYS]
JWT = _signed(KEYS[0], "jwt")


def _tampered() -> dict[str, Any]:
    credential = copy.deepcopy(GOOD[1])
    credential["credentialSubject"]["alumniOf"] = "Another School"
    return dict(credential)


def mixed(n: int) -> list[Any]:
    """``n`` inputs: mostly good credentials, with a bad one of each kind here and there."""
    bad: list[Any] = [_tampered(), 42, None, "not.a.jwt", {"@context": []}, JWT, b"{}"]
    out: list[Any] = []
    for index in range(n):
        if index % 7 == 3:
            out.append(bad[(index // 7) % len(bad)])
        else:
            out.append(copy.deepcopy(GOOD[index % len(GOOD)]))
    return out


def key_resolver() -> Resolver:
    """A module-level resolver factory: picklable by reference, rebuilt in each worker."""
    return MethodRouter([KeyMethod()])


def expected(inputs: list[Any]) -> list[dict[str, Any]]:
    resolver = key_resolver()
    return [_summary(verify_credential(c, resolver=resolver, now=NOW)) for c in inputs]


def _summary(result: VerificationResult) -> dict[str, Any]:
    return result.to_json() | {"document": result.document}


@pytest.fixture
def small_process_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start a process pool for any batch of two chunks or more (tests stay quick)."""
    monkeypatch.setattr(batch, "_PROCESS_MIN", 2)
    monkeypatch.setattr(batch, "_PROCESS_MIN_SPAWNED", 2)


def test_the_serial_path_agrees_with_verify_credential() -> None:
    inputs = mixed(30)
    results = batch.verify_many(inputs, resolver=key_resolver(), workers=1, now=NOW)
    assert [_summary(r) for r in results] == expected(inputs)
    verdicts = [r.verified for r in results]
    assert verdicts.count(True) > 20
    assert not all(verdicts)


def test_threads_keep_order_and_agree() -> None:
    inputs = mixed(100)
    results = batch.verify_many(
        inputs, resolver=key_resolver(), workers=3, mode="threads", chunk_size=4, now=NOW
    )
    assert [_summary(r) for r in results] == expected(inputs)


@pytest.mark.usefixtures("small_process_batches")
def test_processes_keep_order_and_agree() -> None:
    inputs = mixed(60)
    results = batch.verify_many(
        inputs,
        resolver_factory=key_resolver,
        workers=2,
        mode="processes",
        chunk_size=5,
        now=NOW,
    )
    assert [_summary(r) for r in results] == expected(inputs)


@pytest.mark.usefixtures("small_process_batches")
def test_processes_with_a_picklable_resolver_and_the_default_resolver() -> None:
    inputs = mixed(24)
    want = expected(inputs)
    choices: list[dict[str, Any]] = [{"resolver": key_resolver()}, {}]
    for options in choices:
        results = batch.verify_many(
            inputs, workers=2, mode="processes", chunk_size=4, now=NOW, **options
        )
        assert [_summary(r) for r in results] == want


@pytest.mark.slow
@pytest.mark.usefixtures("small_process_batches")
def test_processes_with_spawn_rebuild_everything_in_the_worker() -> None:
    inputs = mixed(16)
    results = batch.verify_many(
        inputs,
        resolver_factory=key_resolver,
        workers=2,
        mode="processes",
        chunk_size=4,
        mp_context="spawn",
        now=NOW,
    )
    assert [_summary(r) for r in results] == expected(inputs)


def test_the_default_mode_is_one_of_the_modes() -> None:
    assert batch.DEFAULT_MODE in batch.MODES


def test_small_batches_do_not_start_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> Iterator[VerificationResult]:
        raise AssertionError("a pool was started for a small batch")

    monkeypatch.setattr(batch, "_processes", no_pool)
    monkeypatch.setattr(batch, "_threads", no_pool)
    inputs = mixed(20)
    for mode in batch.MODES:
        results = batch.verify_many(inputs, resolver=key_resolver(), mode=mode, now=NOW)
        assert [_summary(r) for r in results] == expected(inputs)
    assert batch.verify_many([], now=NOW) == []


class Exploding(Mapping[str, Any]):
    """A mapping that raises something no verification code expects."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("boom")

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("mode", batch.MODES)
@pytest.mark.usefixtures("small_process_batches")
def test_a_credential_that_raises_is_a_failed_result(mode: batch.Mode) -> None:
    # Exploding is a local class of this module: picklable by reference, so in process
    # mode it travels to the worker and blows up there.
    inputs: list[Any] = [copy.deepcopy(GOOD[0]), Exploding(), copy.deepcopy(GOOD[2])] * 4
    results = batch.verify_many(
        inputs, resolver_factory=key_resolver, workers=2, mode=mode, chunk_size=2, now=NOW
    )
    assert [r.verified for r in results] == [True, False, True] * 4
    failure = results[1]
    assert failure.errors == [
        {"check": "verify", "code": "internalError", "message": "RuntimeError: boom"}
    ]
    assert failure.checks == ["verify"]


def test_a_bid_error_keeps_its_code() -> None:
    result = batch._failure(Unsupported("no such suite"))
    assert result.errors == [{"check": "verify", "code": "unsupported", "message": "no such suite"}]
    assert not result.verified


@pytest.mark.usefixtures("small_process_batches")
def test_an_unpicklable_credential_is_verified_in_this_process() -> None:
    class Local(dict[str, Any]):  # a local class cannot be pickled
        pass

    odd = Local(copy.deepcopy(GOOD[3]))
    inputs = [copy.deepcopy(GOOD[0]), odd, copy.deepcopy(GOOD[1]), copy.deepcopy(GOOD[2])] * 3
    results = batch.verify_many(
        inputs, resolver_factory=key_resolver, workers=2, mode="processes", chunk_size=3, now=NOW
    )
    assert [_summary(r) for r in results] == expected(inputs)
    assert all(r.verified for r in results)


class KillsTheWorker:
    """Unpickling this ends the process that does it: a worker that dies mid-chunk."""

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return (os._exit, (3,))


@pytest.mark.usefixtures("small_process_batches")
def test_a_dead_worker_does_not_stop_the_batch() -> None:
    inputs: list[Any] = [copy.deepcopy(GOOD[n % 4]) for n in range(12)]
    inputs[5] = KillsTheWorker()
    results = batch.verify_many(
        inputs, resolver_factory=key_resolver, workers=2, mode="processes", chunk_size=2, now=NOW
    )
    assert [r.verified for r in results] == [n != 5 for n in range(12)]
    assert results[5].errors[0]["check"] == "model"


@pytest.mark.usefixtures("small_process_batches")
def test_when_every_worker_dies_the_rest_is_verified_here() -> None:
    inputs: list[Any] = [copy.deepcopy(GOOD[n % 4]) for n in range(20)]
    inputs[0] = inputs[2] = inputs[4] = KillsTheWorker()
    results = batch.verify_many(
        inputs, resolver_factory=key_resolver, workers=2, mode="processes", chunk_size=2, now=NOW
    )
    assert [r.verified for r in results] == [n not in (0, 2, 4) for n in range(20)]


@pytest.mark.parametrize("mode", batch.MODES)
@pytest.mark.usefixtures("small_process_batches")
def test_a_stream_is_read_lazily(mode: batch.Mode) -> None:
    pulled = 0

    def stream() -> Iterator[Any]:
        nonlocal pulled
        for index in itertools.count():
            pulled += 1
            yield copy.deepcopy(GOOD[index % 4])

    chunk, workers = 4, 2
    results = batch.iter_verify(
        stream(),
        resolver_factory=key_resolver,
        workers=workers,
        mode=mode,
        chunk_size=chunk,
        now=NOW,
    )
    assert pulled == 0  # nothing happens before the first result is asked for
    first = list(itertools.islice(results, 50))
    assert all(r.verified for r in first)
    # in flight: the window of chunks, one pickled ahead, one being cut, and the read-ahead
    window = workers * max(batch._DEPTH + 1, batch._CHUNKS_PER_WORKER)
    bound = 50 + (window + 2) * chunk + max(batch._PROCESS_MIN, 2 * chunk)
    assert pulled <= bound
    results.close()  # cancels the rest and stops the pool
    with pytest.raises(StopIteration):
        next(results)


def test_iter_verify_yields_in_order_across_chunks() -> None:
    inputs = mixed(70)
    results = batch.iter_verify(
        iter(inputs), resolver=key_resolver(), workers=2, mode="threads", chunk_size=3, now=NOW
    )
    assert [_summary(r) for r in results] == expected(inputs)


def test_wrong_options_raise_before_any_work() -> None:
    def never() -> Iterator[Any]:
        raise AssertionError("the input was read")
        yield  # pragma: no cover

    with pytest.raises(InvalidInput, match="timezone"):
        batch.iter_verify(never(), now=datetime(2025, 1, 1))
    with pytest.raises(TypeError):
        batch.iter_verify(never(), no_such_option=1)
    with pytest.raises(Unsupported):
        batch.iter_verify(never(), suites=["no-such-suite"])
    with pytest.raises(ValueError, match="mode"):
        batch.iter_verify(never(), mode="fibers")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers"):
        batch.iter_verify(never(), workers=0)
    with pytest.raises(ValueError, match="chunk_size"):
        batch.iter_verify(never(), chunk_size=0)
    with pytest.raises(ValueError, match="not both"):
        batch.iter_verify(never(), resolver=key_resolver(), resolver_factory=key_resolver)
    with pytest.raises(TypeError, match="resolver_factory"):
        batch.iter_verify(never(), mode="processes", resolver_factory=lambda: key_resolver())
    with pytest.raises(TypeError, match="resolver_factory"):
        batch.iter_verify(never(), mode="processes", resolver=_LocalResolver())


class _LocalResolver:
    """Holds a lock: cannot be pickled."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def resolve(self, did: str, options: Mapping[str, Any] | None = None) -> Any:
        return key_resolver().resolve(did, options)


def test_worker_count_defaults_to_the_usable_cpus() -> None:
    assert batch._worker_count(None) >= 1
    assert batch._worker_count(3) == 3
    with pytest.raises(ValueError, match="workers"):
        batch._worker_count(True)


def test_the_batch_api_is_at_the_top_level() -> None:
    assert bid.verify_many is batch.verify_many
    assert bid.iter_verify is batch.iter_verify
    assert {"verify_many", "iter_verify"} <= set(bid.__all__)


def test_the_default_resolver_caches_did_key_only() -> None:
    resolver = batch._BatchResolver()
    did = KEYS[0].public_key.did_key
    first = resolver.resolve(did)
    assert first.error is None
    assert resolver.resolve(did) is first
    assert resolver.resolve("did:example:123").error is not None


def test_the_option_probe_resolves_nothing() -> None:
    assert batch._NO_RESOLVER.resolve("did:key:z6Mk").error == "notFound"
