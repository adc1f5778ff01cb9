"""Run the fuzz targets under atheris, one subprocess per target.

    python fuzz/run.py --smoke                       # every target a few seconds (CI)
    python fuzz/run.py --target jws --time 600       # one target, ten minutes
    python fuzz/run.py --list                        # the target names
    python fuzz/run.py --replay fuzz/crashes/jws/crash-*  # re-run inputs, no atheris

Each run reads ``fuzz/corpus/<target>/`` (the seeds) and ``fuzz/regressions/<target>/``
(kept crash inputs), writes what it learns to a working corpus (a temporary directory for
``--smoke``, ``fuzz/work/<target>/`` otherwise, so that long runs build on each other) and
crash inputs to ``fuzz/crashes/<target>/``. The exit status is 1 when any target crashed.

atheris is an optional dependency (``pip install -e '.[fuzz]'``). Without it this script
says so and exits 2; with ``--smoke --allow-missing`` it exits 0, for CI machines where
atheris has no wheel.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz.targets import TARGETS, run  # noqa: E402

SMOKE_SECONDS = 5
RSS_LIMIT_MB = 2048
TIMEOUT_SECONDS = 10  # one input; the libraries' own work bounds are far below this
GRACE_SECONDS = 60  # start-up and the final report, beyond -max_total_time
INSTALL_HINT = "pip install -e '.[fuzz]'"


@dataclass
class Outcome:
    target: str
    returncode: int
    seconds: float
    runs: int | None
    crashes: list[Path]
    log: Path

    @property
    def crashed(self) -> bool:
        return self.returncode != 0 or bool(self.crashes)


def atheris_available() -> bool:
    """Whether this interpreter (the one the subprocesses run) can import atheris."""
    try:
        return importlib.util.find_spec("atheris") is not None
    except (ImportError, ValueError):
        return False


def fuzz_one(
    target: str,
    seconds: int,
    work: Path,
    *,
    rss_limit_mb: int = RSS_LIMIT_MB,
    timeout: int = TIMEOUT_SECONDS,
    verbose: bool = False,
) -> Outcome:
    """Fuzz ``target`` for ``seconds`` in a subprocess; libFuzzer's output goes to a log
    beside ``work`` (or to the terminal with ``verbose``)."""
    crashes = FUZZ / "crashes" / target
    crashes.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    before = set(crashes.iterdir())
    inputs = [work] + [
        d for d in (FUZZ / "corpus" / target, FUZZ / "regressions" / target) if d.is_dir()
    ]
    command = [
        sys.executable,
        str(FUZZ / "atheris_main.py"),
        target,
        *map(str, inputs),
        f"-max_total_time={seconds}",
        f"-rss_limit_mb={rss_limit_mb}",
        f"-timeout={timeout}",
        f"-artifact_prefix={crashes}/",
        "-print_final_stats=1",
    ]
    log = work.parent / f"{target}.log"
    started = time.monotonic()
    with log.open("wb") as sink:
        try:
            completed = subprocess.run(  # noqa: S603 - our own script, no shell
                command,
                cwd=ROOT,
                stdout=None if verbose else sink,
                stderr=None if verbose else subprocess.STDOUT,
                timeout=seconds + timeout + GRACE_SECONDS,
                check=False,
            )
            returncode = completed.returncode
        except subprocess.TimeoutExpired:
            returncode = -1
    elapsed = time.monotonic() - started
    found = re.search(r"stat::number_of_executed_units:\s*(\d+)", log.read_text(errors="replace"))
    runs = int(found.group(1)) if found else None
    new = sorted(set(crashes.iterdir()) - before)
    return Outcome(target, returncode, elapsed, runs, new, log)


def replay(paths: list[Path]) -> int:
    """Run each file through the target its directory is named after, without atheris."""
    failed = 0
    for path in paths:
        name = path.resolve().parent.name
        if name not in TARGETS:
            print(f"{path}: its directory names no target ({', '.join(TARGETS)})")
            failed += 1
            continue
        try:
            run(TARGETS[name], path.read_bytes())
        except Exception:
            failed += 1
            print(f"{path}: CRASH in target {name}")
            traceback.print_exc()
        else:
            print(f"{path}: ok ({name})")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--smoke", action="store_true", help="every target for a few seconds")
    mode.add_argument("--target", choices=sorted(TARGETS), action="append", help="fuzz these")
    mode.add_argument("--list", action="store_true", help="print the target names")
    mode.add_argument(
        "--replay", type=Path, nargs="+", metavar="FILE", help="run inputs without atheris"
    )
    parser.add_argument("--time", type=int, help="seconds per target (smoke: %(default)s)")
    parser.add_argument("--rss-limit-mb", type=int, default=RSS_LIMIT_MB)
    parser.add_argument("--timeout", type=int, default=TIMEOUT_SECONDS, help="seconds per input")
    parser.add_argument(
        "--allow-missing", action="store_true", help="with --smoke: exit 0 without atheris"
    )
    parser.add_argument("--verbose", action="store_true", help="show libFuzzer's output")
    args = parser.parse_args(argv)

    if args.list:
        print("\n".join(TARGETS))
        return 0
    if args.replay:
        return replay(args.replay)
    if not atheris_available():
        print(f"atheris is not installed for {sys.executable}; install it with: {INSTALL_HINT}")
        if args.smoke and args.allow_missing:
            print("--allow-missing: skipping the fuzz smoke run")
            return 0
        return 2

    names = list(TARGETS) if args.smoke else args.target
    seconds = args.time or (SMOKE_SECONDS if args.smoke else 60)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bid-fuzz-") as scratch:
        for name in names:
            work = Path(scratch) / name if args.smoke else FUZZ / "work" / name
            outcome = fuzz_one(
                name,
                seconds,
                work,
                rss_limit_mb=args.rss_limit_mb,
                timeout=args.timeout,
                verbose=args.verbose,
            )
            outcomes.append(outcome)
            runs = "?" if outcome.runs is None else f"{outcome.runs:,}"
            status = "CRASH" if outcome.crashed else "ok"
            print(f"{name:16} {status:5} {runs:>12} runs in {outcome.seconds:5.1f} s", flush=True)
            if outcome.crashed:
                for path in outcome.crashes:
                    print(f"    crash input: {path.relative_to(ROOT)}")
                if not args.verbose:
                    tail = outcome.log.read_text(errors="replace").splitlines()[-40:]
                    print("\n".join("    | " + line for line in tail))
    failed = [o.target for o in outcomes if o.crashed]
    if failed:
        print(f"crashed: {', '.join(failed)}; reproduce with python fuzz/run.py --replay FILE...")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
