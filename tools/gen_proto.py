"""Generate the Python protobuf modules of the BIF transaction from our own chain.proto.

Run from anywhere with the dev environment's interpreter::

    .venv/bin/python tools/gen_proto.py             # rewrite src/bid/backends/proto/
    .venv/bin/python tools/gen_proto.py --out DIR   # write somewhere else (the test does)

It runs protoc from ``grpcio-tools`` (``python -m grpc_tools.protoc``) with the
``mypy-protobuf`` plugin, so it writes ``chain_pb2.py`` and its typed stub ``chain_pb2.pyi``.
The output depends on those two tools' versions: after upgrading either, regenerate and
commit; ``tests/test_bif_tx.py`` fails while the committed files differ from a fresh run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parent.parent / "src" / "bid" / "backends" / "proto"
PROTO_FILES = ("chain.proto",)
GENERATED = ("chain_pb2.py", "chain_pb2.pyi")


def _mypy_plugin() -> str:
    """The protoc-gen-mypy executable of this interpreter's environment (or on PATH)."""
    name = "protoc-gen-mypy.exe" if sys.platform == "win32" else "protoc-gen-mypy"
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which("protoc-gen-mypy")
    if found is None:
        raise SystemExit("protoc-gen-mypy not found: pip install mypy-protobuf (the dev extra)")
    return found


def generate(out_dir: Path) -> list[Path]:
    """Write the generated modules into ``out_dir``; returns their paths."""
    try:
        from grpc_tools import protoc  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SystemExit("grpc_tools not found: pip install grpcio-tools (the dev extra)") from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_DIR}",
        f"--python_out={out_dir}",
        f"--plugin=protoc-gen-mypy={_mypy_plugin()}",
        f"--mypy_out={out_dir}",
        *PROTO_FILES,
    ]
    status = protoc.main(args)
    if status != 0:
        raise SystemExit(f"protoc failed with status {status}")
    return [out_dir / name for name in GENERATED]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROTO_DIR, help="output directory")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        sys.stderr.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
