"""The atheris entry point: ``python fuzz/atheris_main.py TARGET [libFuzzer arguments...]``.

Runs one target of :mod:`fuzz.targets` under libFuzzer with coverage of ``bid`` (and of the
libraries it hands untrusted input to). ``fuzz/run.py`` starts this in a subprocess per
target with the right corpus directories and limits; run it directly for libFuzzer's own
options, e.g. ``python fuzz/atheris_main.py did -runs=100000 fuzz/corpus/did``.

The JSON targets and the JWS target mutate through :mod:`fuzz.mutators` (parse, change one
node, write back) as well as byte by byte.

An input is a crash when the target lets anything but a ``bid.errors.BidError`` escape, or
when one of its properties fails; libFuzzer then writes the input to ``-artifact_prefix``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Coverage feedback from these packages: bid itself, and where it passes untrusted data on.
INSTRUMENTED = ["bid", "fuzz", "rfc8785", "pyld", "multiformats"]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        raise SystemExit("usage: atheris_main.py TARGET [libFuzzer arguments...]")
    name = sys.argv[1]
    with atheris.instrument_imports(include=INSTRUMENTED):
        from fuzz.mutators import JSON_TARGETS, mutate_json, mutate_jws
        from fuzz.targets import TARGETS, run

        if name not in TARGETS:
            raise SystemExit(f"unknown target {name!r}; one of: {', '.join(TARGETS)}")
        target = TARGETS[name]
        # The library imports some modules on first use (rfc8785, pyld, the credential
        # suites): one pass over the seeds imports them here, where they get instrumented.
        for seed in sorted((ROOT / "fuzz" / "corpus" / name).glob("*")):
            try:
                run(target, seed.read_bytes())
            except Exception:  # noqa: S112 - the fuzzer reports crashing seeds itself
                continue

    def test_one_input(data: bytes) -> None:
        run(target, data)

    structured = None
    if name in JSON_TARGETS:
        structured = mutate_json
    elif name == "jws":
        structured = mutate_jws
    if structured is None:
        atheris.Setup([sys.argv[0], *sys.argv[2:]], test_one_input)
    else:
        mutate = structured

        def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
            return mutate(data, max_size, seed, atheris.Mutate)

        atheris.Setup([sys.argv[0], *sys.argv[2:]], test_one_input, custom_mutator=custom_mutator)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
