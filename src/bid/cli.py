"""The ``bid`` command: keys, identifiers and signatures from the shell.

Results go to stdout, one per command, in the format of ``--format json|text`` (JSON
by default when stdout is not a terminal, text on a terminal); a signature, a JWT or a
resolved representation is printed as it is. Messages, and progress bars for batch work
(on a terminal only), go to stderr. Exit codes are a contract that scripts rely on:

- 0 success
- 1 a verification that failed (the signature does not verify)
- 2 bad input (malformed key, DID, signature, file; a key that fails the strict check)
- 3 a resolution or registry failure
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, NoReturn

# Only what ``import bid`` has loaded anyway is imported here, so that ``bid --version``
# costs no more than the package import; each command imports the rest (JSON, paths, the
# registry, the resolvers, argparse itself) when it runs.
from ._codec import b58decode_bif, b58encode_bif, hex_decode
from ._version import __version__
from .bif import BID
from .cli_output import FORMATS, Progress, completion_script, emit, set_format
from .did import DIDURL
from .errors import (
    BidError,
    InvalidInput,
    NotFound,
    ParseError,
    RegistryError,
    ResolutionError,
    VerificationError,
)
from .keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PrivateKey,
    PublicKey,
    SM2PrivateKey,
    parse_private_key,
    parse_public_key,
)

if TYPE_CHECKING:
    import argparse
    from datetime import datetime
    from pathlib import Path

    from ._json import JSONValue
    from .registry import Registry, Version
    from .resolver import MethodRouter, Resolver

__all__ = ["main"]

EXIT_OK = 0
EXIT_VERIFICATION_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_RESOLUTION_FAILED = 3

_MAX_KEY_FILE_BYTES = 64 * 1024
_MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class _UsageError(Exception):
    """Bad command-line input found outside argparse (a file, a combination of options)."""


# -- input helpers ------------------------------------------------------------------------


def _read_key_file(path: Path) -> dict[str, str]:
    """A key file: the JSON object ``bid key generate -o`` writes, or one key string."""
    import json

    try:
        if path.stat().st_size > _MAX_KEY_FILE_BYTES:
            raise _UsageError(f"{path}: too large to be a key file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _UsageError(f"cannot read key file {path}: {exc}") from exc
    stripped = text.strip()
    if not stripped.startswith("{"):
        return {"key": stripped}
    try:
        data = json.loads(stripped, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise _UsageError(f"{path}: not a key file (invalid JSON: {exc.msg})") from exc
    except ValueError as exc:
        raise _UsageError(f"{path}: not a key file ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise _UsageError(f"{path}: not a key file (expected a JSON object of strings)")
    return data


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object hook that refuses duplicate names (two readers, two different keys)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("a name appears twice in one JSON object")
    return data


def _public_of(key: PrivateKey | PublicKey) -> PublicKey:
    return key.public_key if isinstance(key, Ed25519PrivateKey | SM2PrivateKey) else key


def _key_from_file(path: Path) -> PrivateKey | PublicKey:
    data = _read_key_file(path)
    if "key" in data:
        return _key_from_text(data["key"])
    if "privateKey" in data:
        private = parse_private_key(data["privateKey"])
        key: PrivateKey | PublicKey = private
        public: PublicKey = private.public_key
    elif "publicKey" in data:
        key = public = parse_public_key(data["publicKey"])
    else:
        raise _UsageError(f"{path}: the key file has neither privateKey nor publicKey")
    # A key file whose fields disagree was edited by hand or corrupted: refuse it.
    if "publicKey" in data and parse_public_key(data["publicKey"]) != public:
        raise _UsageError(f"{path}: publicKey does not belong to privateKey")
    if "bid" in data:
        stated = BID.parse(data["bid"])
        if not stated.derives_from(public.key_type, public.public_bytes()):
            raise _UsageError(f"{path}: bid {data['bid']} does not derive from the key")
    return key


def _key_from_text(text: str) -> PrivateKey | PublicKey:
    text = text.strip()
    if text.startswith("did:bid:"):
        raise _UsageError(
            "a BID is a hash of a public key and cannot be turned back into a key; "
            "give the BIF public key (b065.../b07a...) or a key file"
        )
    if text.startswith("pri"):
        return parse_private_key(text)
    return parse_public_key(text)


def _load_key(arg: str) -> PrivateKey | PublicKey:
    """KEY on the command line: a key file, a BIF private or public key, or a did:key."""
    from pathlib import Path

    path = Path(arg)
    if len(arg) < 4096 and path.is_file():
        return _key_from_file(path)
    try:
        return _key_from_text(arg)
    except InvalidInput as exc:
        if os.sep in arg or arg.endswith(".json"):
            raise _UsageError(f"no such key file: {arg}") from exc
        raise


def _read_message(arg: str, *, is_hex: bool) -> bytes:
    try:
        if arg == "-":
            data = sys.stdin.buffer.read(_MAX_MESSAGE_BYTES + 1)
        else:
            with open(arg, "rb") as handle:
                data = handle.read(_MAX_MESSAGE_BYTES + 1)
    except OSError as exc:
        raise _UsageError(f"cannot read message {arg}: {exc.strerror or exc}") from exc
    if len(data) > _MAX_MESSAGE_BYTES:
        raise _UsageError(f"message {arg} is larger than {_MAX_MESSAGE_BYTES} bytes")
    if not is_hex:
        return data
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ParseError("the message is not hex text (non-ASCII byte)") from exc
    return hex_decode("".join(text.split()), what="message", max_chars=2 * _MAX_MESSAGE_BYTES)


def _decode_signature(text: str) -> bytes:
    """A signature in hex (either case, as the Java SDK writes upper case) or BIF Base58."""
    text = text.strip()
    if len(text) == 128 and all(c in "0123456789abcdefABCDEF" for c in text):
        return hex_decode(text, what="signature")
    return b58decode_bif(text, what="signature (neither 128 hex digits nor BIF Base58)")


def _key_fields(key: PrivateKey | PublicKey, ac: str | None, *, sdk_compat: bool) -> dict[str, str]:
    public = _public_of(key)
    fields = {
        "type": public.key_type,
        "bid": str(public.bid(ac, sdk_compat=sdk_compat)),
        "publicKey": public.to_bif(),
    }
    if isinstance(public, Ed25519PublicKey):
        fields["didKey"] = public.did_key
    if isinstance(key, Ed25519PrivateKey | SM2PrivateKey):
        fields["privateKey"] = key.to_bif()
    return fields


def _print_json(data: object) -> None:
    """One result on stdout, in the ``--format`` chosen (JSON, or text on a terminal)."""
    emit(data)


# -- commands -----------------------------------------------------------------------------


def _cmd_key_generate(args: argparse.Namespace) -> int:
    from pathlib import Path

    key: PrivateKey = (
        SM2PrivateKey.generate() if args.type == "sm2" else Ed25519PrivateKey.generate()
    )
    fields = _key_fields(key, args.ac, sdk_compat=args.sdk_compat)
    if args.output is None:
        _print_json(fields)
        return EXIT_OK
    _write_private_file(Path(args.output), fields, force=args.force)
    _print_json({k: v for k, v in fields.items() if k != "privateKey"})
    return EXIT_OK


def _write_private_file(path: Path, fields: dict[str, str], *, force: bool) -> None:
    """Write a key file readable by its owner only (mode 0600), all or nothing.

    The key goes to a fresh temporary file beside ``path`` first; it then takes the name
    atomically (a hard link, which fails if ``path`` exists, or with ``--force`` a rename),
    so a failure at any point leaves no partial key file and never loses an existing one.
    """
    import json
    import tempfile
    from pathlib import Path

    body = (json.dumps(fields, indent=2) + "\n").encode()
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=".bid-key-", dir=directory)  # mode 0600
    except OSError as exc:
        raise _UsageError(f"cannot create {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    except FileExistsError as exc:
        raise _UsageError(f"{path} exists; refusing to overwrite a key file (use --force)") from exc
    except OSError as exc:
        raise _UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        Path(temporary).unlink(missing_ok=True)


def _cmd_key_inspect(args: argparse.Namespace) -> int:
    key = _load_key(args.key)
    _print_json(_key_fields(key, args.ac, sdk_compat=args.sdk_compat))
    return EXIT_OK


def _cmd_did_parse(args: argparse.Namespace) -> int:
    url = DIDURL.parse(args.did)
    out: dict[str, object] = {
        "did": str(url.did),
        "method": url.did.method,
        "methodSpecificId": url.did.method_specific_id,
    }
    if str(url) != str(url.did):
        out.update(didUrl=str(url), path=url.path, query=url.query, fragment=url.fragment)
    if url.did.method == "bid":
        bid = BID.parse(str(url.did))
        out["bid"] = {
            "ac": bid.ac,
            "keyType": bid.key_type,
            "encoding": bid.encoding if not bid.is_ac_only else None,
            "suffix": bid.suffix or None,
            "acOnly": bid.is_ac_only,
        }
    elif url.did.method == "key":
        key = Ed25519PublicKey.from_did_key(url.did)
        out["key"] = {"type": "ed25519", "publicKey": key.to_bif(), "bid": str(key.bid())}
    _print_json(out)
    return EXIT_OK


def _cmd_sign(args: argparse.Namespace) -> int:
    from pathlib import Path

    path = Path(args.key)
    if not path.is_file():
        raise _UsageError(f"no such key file: {args.key}")
    key = _key_from_file(path)
    if not isinstance(key, Ed25519PrivateKey | SM2PrivateKey):
        raise _UsageError(f"{args.key} holds no private key; signing needs one")
    message = _read_message(args.message, is_hex=args.hex)
    signature = key.sign(message)
    text = signature.hex() if args.encoding == "hex" else b58encode_bif(signature)
    sys.stdout.write(text + "\n")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    public = _public_of(_load_key(args.public_key))
    signature = _decode_signature(args.signature)
    message = _read_message(args.message, is_hex=args.hex)
    public.verify(signature, message)
    _print_json({"verified": True, "bid": str(public.bid()), "publicKey": public.to_bif()})
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from ._demo import run_demo
    from .registry import load_registry

    with tempfile.TemporaryDirectory(prefix="bid-demo-") as directory:
        url = f"sqlite:{Path(directory) / 'registry.sqlite3'}"
        registry = load_registry(url)
        try:
            run_demo(sys.stdout.write, registry=registry, where=url, now=_now())
        finally:
            _close(registry)
    return EXIT_OK


# -- registry commands ---------------------------------------------------------------------


def _open_registry(args: argparse.Namespace, *signers: PrivateKey, writes: bool = True) -> Registry:
    """The registry of ``--registry``; a BIF chain registry gets the account keys to send with.

    On the BIF chain a DID's transactions come from its own account: ``signers`` (the keys
    of the command) and ``--account-key`` are offered; the registry uses the one the DID's
    BID derives from. A command that only reads (``writes=False``) does not create a
    SQLite registry that does not exist yet: it reads an empty one (and says so on stderr
    when the registry was named by ``--registry`` or ``$BID_REGISTRY``).
    """
    from pathlib import Path

    from .backends.defaults import default_registry_url
    from .registry import load_registry

    named = args.registry or os.environ.get("BID_REGISTRY")
    url = named or default_registry_url()
    if not writes and url.startswith("sqlite:") and url != "sqlite:":
        path = Path(url[len("sqlite:") :]).expanduser()
        if not path.exists():
            if named:  # a path the user gave: perhaps a typo, so say it (the default: silent)
                sys.stderr.write(
                    f"bid: note: no registry at {path} yet (nothing is registered there; "
                    "'bid did create' makes it, --registry or $BID_REGISTRY picks another)\n"
                )
            return load_registry("memory:")
    if url.startswith("sqlite:") and url != "sqlite:":
        try:
            Path(url[len("sqlite:") :]).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _UsageError(f"cannot create the registry directory: {exc}") from exc
    keys = list(signers)
    account_key = getattr(args, "account_key", None)
    if account_key:
        keys.append(_private_key_file(account_key, "--account-key"))
    registry = load_registry(url)
    add_account_key = getattr(registry, "add_account_key", None)
    if callable(add_account_key):
        for key in keys:
            add_account_key(key)
    return registry


def _close(registry: Registry) -> None:
    close = getattr(registry, "close", None)
    if callable(close):
        close()


def _private_key_file(path_text: str, option: str) -> PrivateKey:
    from pathlib import Path

    path = Path(path_text)
    if not path.is_file():
        raise _UsageError(f"{option}: no such key file: {path_text}")
    key = _key_from_file(path)
    if not isinstance(key, Ed25519PrivateKey | SM2PrivateKey):
        raise _UsageError(f"{option}: {path_text} holds no private key; signing needs one")
    return key


def _public_key_arg(text: str) -> PublicKey:
    return _public_of(_load_key(text))


def _now() -> datetime:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _version_json(version: Version, *, with_document: bool = True) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {
        "did": version.did,
        "operation": version.operation.type,
        "versionId": str(version.seq),
        "hash": version.hash,
        "time": version.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "signer": version.operation.signer,
    }
    if version.deactivated:
        out["deactivated"] = True
    if with_document and not version.deactivated:
        out["document"] = version.document.to_json()
    return out


def _head(registry: Registry, did: str) -> Version:
    BID.parse(did)
    head = registry.read(did)
    if head is None:
        raise NotFound(f"{did} is not registered in this registry")
    return head


def _services(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    return [(name, kind, url) for name, kind, url in (args.service or [])]


def _cmd_did_create(args: argparse.Namespace) -> int:
    from .methods.bid import create_operation, new_document, with_proof

    if args.batch is not None:
        return _did_create_batch(args)
    if args.key is None:
        raise _UsageError("did create needs --key FILE (or --batch N --key-dir DIR)")
    if args.key_dir is not None:
        raise _UsageError("--key-dir goes with --batch")
    key = _private_key_file(args.key, "--key")
    recovery = _public_key_arg(args.recovery_key) if args.recovery_key else None
    document = new_document(
        key, now=_now(), ac=args.ac, services=_services(args), recovery_key=recovery
    )
    document = with_proof(document, key)
    registry = _open_registry(args, key)
    try:
        version = registry.submit(create_operation(document, key))
    finally:
        _close(registry)
    _print_json(_version_json(version))
    return EXIT_OK


def _did_create_batch(args: argparse.Namespace) -> int:
    """Register ``--batch N`` new BIDs, each with a fresh Ed25519 key written to ``--key-dir``."""
    from pathlib import Path

    from .methods.bid import create_operation, new_document, with_proof

    if args.key is not None:
        raise _UsageError("--batch makes its own keys; it does not take --key")
    if not 1 <= args.batch <= 100_000:
        raise _UsageError(f"--batch {args.batch}: give a number from 1 to 100000")
    if args.key_dir is None:
        raise _UsageError("--batch needs --key-dir DIR, where the new key files go")
    directory = Path(args.key_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _UsageError(f"cannot create {directory}: {exc.strerror or exc}") from exc
    recovery = _public_key_arg(args.recovery_key) if args.recovery_key else None
    registry = _open_registry(args)
    add_account_key = getattr(registry, "add_account_key", None)
    out: list[JSONValue] = []
    try:
        with Progress(args.batch, "did create") as progress:
            for _ in range(args.batch):
                key = Ed25519PrivateKey.generate()
                fields = _key_fields(key, args.ac, sdk_compat=False)
                key_file = directory / (fields["bid"].rsplit(":", 1)[-1] + ".json")
                _write_private_file(key_file, fields, force=False)
                if callable(add_account_key):
                    add_account_key(key)
                document = new_document(
                    key, now=_now(), ac=args.ac, services=_services(args), recovery_key=recovery
                )
                version = registry.submit(create_operation(with_proof(document, key), key))
                entry = _version_json(version, with_document=False)
                entry["keyFile"] = str(key_file)
                out.append(entry)
                progress.advance()
    finally:
        _close(registry)
    _print_json(out)
    return EXIT_OK


def _cmd_did_update(args: argparse.Namespace) -> int:
    from .methods.bid import next_operation, updated_document, with_proof

    key = _private_key_file(args.key, "--key")
    added = [_public_key_arg(text) for text in args.add_key or []]
    registry = _open_registry(args, key)
    try:
        head = _head(registry, args.did)
        document = updated_document(
            head.document,
            now=_now(),
            services=_services(args),
            remove_services=args.remove_service or [],
            add_keys=added,
        )
        document = with_proof(document, key)
        version = registry.submit(next_operation("update", head, key, document=document))
    finally:
        _close(registry)
    _print_json(_version_json(version))
    return EXIT_OK


def _cmd_did_recover(args: argparse.Namespace) -> int:
    from .methods.bid import next_operation, recovered_document, with_proof

    recovery_key = _private_key_file(args.recovery_key, "--recovery-key")
    new_key = _public_key_arg(args.new_key)
    registry = _open_registry(args, recovery_key)
    try:
        head = _head(registry, args.did)
        document = with_proof(recovered_document(head.document, new_key, now=_now()), recovery_key)
        version = registry.submit(next_operation("recover", head, recovery_key, document=document))
    finally:
        _close(registry)
    _print_json(_version_json(version))
    return EXIT_OK


def _cmd_did_deactivate(args: argparse.Namespace) -> int:
    from .methods.bid import next_operation

    key = _private_key_file(args.key, "--key")
    registry = _open_registry(args, key)
    try:
        version = registry.submit(next_operation("deactivate", _head(registry, args.did), key))
    finally:
        _close(registry)
    _print_json(_version_json(version))
    return EXIT_OK


def _cmd_did_history(args: argparse.Namespace) -> int:
    BID.parse(args.did)
    registry = _open_registry(args, writes=False)
    try:
        versions = registry.history(args.did)
    finally:
        _close(registry)
    if not versions:
        raise NotFound(f"{args.did} is not registered in this registry")
    _print_json([_version_json(v, with_document=False) for v in versions])
    return EXIT_OK


def _router(registry: Registry) -> MethodRouter:
    from .methods.bid import BidMethod
    from .methods.key import KeyMethod
    from .resolver import MethodRouter

    return MethodRouter([KeyMethod(), BidMethod(registry)])


@contextmanager
def _resolver(args: argparse.Namespace) -> Iterator[Resolver]:
    """The resolver of ``resolve`` / ``dereference``: a remote one or the registry's."""
    from .methods.key import KeyMethod
    from .resolver import MethodRouter

    if not args.resolver:
        registry = _open_registry(args, writes=False)
        try:
            yield _router(registry)
        finally:
            _close(registry)
        return
    from .backends.bif_resolver import BifResolverClient
    from .backends.http import HttpPolicy
    from .backends.uniresolver import UniversalResolverClient

    policy = HttpPolicy(allow_private_networks=args.allow_private_networks)
    client: BifResolverClient | UniversalResolverClient
    if args.resolver.startswith("bif+"):
        client = BifResolverClient(args.resolver[len("bif+") :], policy=policy)
        resolver: Resolver = MethodRouter([KeyMethod(), client])
    else:
        client = UniversalResolverClient(args.resolver, policy=policy)
        resolver = client
    try:
        yield resolver
    finally:
        client.close()


def _error_detail(error: JSONValue) -> str:
    return str(error.get("detail", "")) if isinstance(error, Mapping) else str(error)


def _cmd_resolve(args: argparse.Namespace) -> int:
    from urllib.parse import parse_qsl

    url = DIDURL.parse(args.did)
    if url.path or url.fragment is not None:
        raise _UsageError(
            "resolve takes a DID (with ?versionId= or ?versionTime=); "
            "use 'bid dereference' for paths and fragments"
        )
    options: dict[str, JSONValue] = {}
    if args.accept != "application/did-resolution":  # that one is the result, not a document
        options["accept"] = args.accept
    for name, value in parse_qsl(url.query or "", keep_blank_values=True):
        if name not in ("versionId", "versionTime"):
            raise _UsageError(f"resolve does not take the DID parameter {name!r}")
        options[name] = value
    with _resolver(args) as resolver:
        result = resolver.resolve(str(url.did), options)
    if result.error is not None:
        _print_json(result.to_json())
        detail = _error_detail(result.did_resolution_metadata.get("error"))
        return _fail(f"{result.error}: {detail}", EXIT_RESOLUTION_FAILED)
    if args.accept == "application/did-resolution":
        _print_json(result.to_json())  # the resolution result is JSON: follow --format
    else:  # a representation is printed as the media type asks
        sys.stdout.write(result.representation(args.accept).decode("utf-8") + "\n")
    return EXIT_OK


def _cmd_dereference(args: argparse.Namespace) -> int:
    from .resolver import dereference

    with _resolver(args) as resolver:
        result = dereference(args.did_url, resolver)
    _print_json(result.to_json())
    if result.error is not None:
        detail = _error_detail(result.dereferencing_metadata.get("error"))
        return _fail(f"{result.error}: {detail}", EXIT_RESOLUTION_FAILED)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from .resolver import CachedResolver
    from .server import create_app, run  # MissingExtra without the server extra

    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port {args.port} is not a TCP port (0-65535)")
    registry = _open_registry(args)
    try:
        resolver = CachedResolver(_router(registry), ttl=60, max_size=10_000)
        run(create_app(resolver), host=args.host, port=args.port)
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal
        pass
    except OSError as exc:
        raise _UsageError(str(exc)) from exc
    finally:
        _close(registry)
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------


@cache
def _parser_class() -> type[argparse.ArgumentParser]:
    """argparse's parser, with errors in our one-line format and exit code 2.

    Made on first use: argparse is imported only by the commands that parse arguments.
    """
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            self.exit(EXIT_BAD_INPUT, f"bid: error: {message} (see '{self.prog} --help')\n")

    return _Parser


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    example: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    import argparse

    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog="example:\n  " + example.replace("\n", "\n  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    _format_option(parser, default=argparse.SUPPRESS)  # also after the command name
    return parser


def _format_option(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=default,
        help="how to print results (default: text on a terminal, else json)",
    )


def _registry_option(parser: argparse.ArgumentParser, *, writes: bool = False) -> None:
    parser.add_argument(
        "--registry",
        metavar="URL",
        help="sqlite:PATH, memory:, or a BIF node bif+https://HOST:PORT "
        "(default: $BID_REGISTRY, else a SQLite file in the user data directory)",
    )
    if writes:
        parser.add_argument(
            "--account-key",
            metavar="FILE",
            help="BIF registry only: the key of the DID's chain account, which sends the "
            "transaction (default: the signing key, when the DID derives from it)",
        )


def _resolver_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolver",
        metavar="URL",
        help="resolve remotely: a DIF Universal Resolver (https://...) or a BIF resolver "
        "(bif+https://...) instead of the registry",
    )
    parser.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="let --resolver reach loopback and private addresses (refused by default)",
    )


def _service_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--service",
        nargs=3,
        metavar=("ID", "TYPE", "URL"),
        action="append",
        help="add (or replace) a service; repeatable",
    )


def _ac_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ac", metavar="CODE", help="4-character sub-chain AC code for the BID")
    parser.add_argument(
        "--sdk-compat",
        action="store_true",
        help="write 'ef' after the AC code for SM2 keys, as the official SDKs do",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``bid`` command."""
    import argparse

    from .resolver import MEDIA_TYPES

    parser_class = _parser_class()
    parser = parser_class(
        prog="bid",
        description="Decentralized identity from the shell: did:bid, did:key, keys, signatures.",
        epilog="example:\n  bid key generate --type ed25519 -o alice.json\n  bid demo\n"
        "  bid --format text did parse did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE\n\n"
        "output: results on stdout (--format json|text; json unless stdout is a terminal), "
        "messages on stderr\n"
        "exit codes: 0 ok, 1 verification failed, 2 bad input, 3 resolution/registry failure",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bid {__version__}")
    _format_option(parser, default=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=parser_class)
    commands.required = True

    key = _add(
        commands, "key", "generate and inspect keys", "bid key generate -o alice.json", _no_handler
    )
    key_commands = key.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=parser_class
    )
    key_commands.required = True
    generate = _add(
        key_commands,
        "generate",
        "generate a key pair and print its BID, public key and private key as JSON",
        "bid key generate --type sm2 --ac ab12\nbid key generate -o alice.json   "
        "# private key to alice.json (mode 0600), not to stdout",
        _cmd_key_generate,
    )
    generate.add_argument("--type", choices=["ed25519", "sm2"], default="ed25519")
    _ac_option(generate)
    generate.add_argument("-o", "--output", metavar="FILE", help="write the key file here")
    generate.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    inspect = _add(
        key_commands,
        "inspect",
        "show what a key derives: type, BID, BIF public key, did:key",
        "bid key inspect b06566...   (or a priSPK... string, a did:key, a key file)",
        _cmd_key_inspect,
    )
    inspect.add_argument("key", metavar="KEY")
    _ac_option(inspect)

    did = _add(commands, "did", "work with DIDs", "bid did parse did:bid:ef...", _no_handler)
    did_commands = did.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=parser_class
    )
    did_commands.required = True
    parse = _add(
        did_commands,
        "parse",
        "parse a DID or DID URL and print its parts as JSON",
        "bid did parse 'did:bid:ab12:efdPP4ympm36RxTYQJPber1PRKmLWZE#key-1'",
        _cmd_did_parse,
    )
    parse.add_argument("did", metavar="DID_OR_URL")

    create = _add(
        did_commands,
        "create",
        "register the did:bid of a key in the registry (or --batch N new ones)",
        "bid did create --key alice.json --service hub LinkedDomains https://alice.example\n"
        "bid did create --batch 100 --key-dir keys/   # 100 new keys and BIDs",
        _cmd_did_create,
    )
    create.add_argument("--key", metavar="FILE", help="key file (private key)")
    create.add_argument(
        "--batch", metavar="N", type=int, help="register N new BIDs, each with a fresh key"
    )
    create.add_argument("--key-dir", metavar="DIR", help="with --batch: where the keys go")
    _service_option(create)
    create.add_argument("--recovery-key", metavar="KEY", help="a separate key for recovery")
    create.add_argument("--ac", metavar="CODE", help="register on sub-chain CODE")
    _registry_option(create, writes=True)

    update = _add(
        did_commands,
        "update",
        "change services or add keys (signed by an authentication key)",
        "bid did update did:bid:ef... --key alice.json --remove-service hub",
        _cmd_did_update,
    )
    update.add_argument("did", metavar="DID")
    update.add_argument("--key", metavar="FILE", required=True, help="key file (private key)")
    _service_option(update)
    update.add_argument("--remove-service", metavar="ID", action="append")
    update.add_argument("--add-key", metavar="KEY", action="append", help="add a public key")
    _registry_option(update, writes=True)

    recover = _add(
        did_commands,
        "recover",
        "replace the authentication keys with a new key (signed by a recovery key)",
        "bid did recover did:bid:ef... --recovery-key rescue.json --new-key laptop.json",
        _cmd_did_recover,
    )
    recover.add_argument("did", metavar="DID")
    recover.add_argument("--recovery-key", metavar="FILE", required=True)
    recover.add_argument("--new-key", metavar="KEY", required=True)
    _registry_option(recover, writes=True)

    deactivate = _add(
        did_commands,
        "deactivate",
        "deactivate a DID for good",
        "bid did deactivate did:bid:ef... --key alice.json",
        _cmd_did_deactivate,
    )
    deactivate.add_argument("did", metavar="DID")
    deactivate.add_argument("--key", metavar="FILE", required=True)
    _registry_option(deactivate, writes=True)

    history = _add(
        did_commands,
        "history",
        "list every version of a DID with its sequence number, hash and time",
        "bid did history did:bid:ef...",
        _cmd_did_history,
    )
    history.add_argument("did", metavar="DID")
    _registry_option(history)

    resolve = _add(
        commands,
        "resolve",
        "resolve a DID (did:bid from the registry, did:key offline); exit 3 on failure",
        "bid resolve did:bid:ef...\nbid resolve 'did:bid:ef...?versionId=1' --accept "
        "application/did+json",
        _cmd_resolve,
    )
    resolve.add_argument("did", metavar="DID_OR_URL")
    resolve.add_argument(
        "--accept", choices=list(MEDIA_TYPES), default="application/did-resolution"
    )
    _registry_option(resolve)
    _resolver_option(resolve)

    deref = _add(
        commands,
        "dereference",
        "print what a DID URL points to (a key, a service, a URL); exit 3 on failure",
        "bid dereference 'did:bid:ef...#key-1'\n"
        "bid dereference 'did:bid:ef...?service=hub&relativeRef=/inbox'",
        _cmd_dereference,
    )
    deref.add_argument("did_url", metavar="DID_URL")
    _registry_option(deref)
    _resolver_option(deref)

    sign = _add(
        commands,
        "sign",
        "sign a message with a key file (the SDKs' signBlob); prints the signature",
        "bid sign --key alice.json message.bin\n"
        "echo -n 68656c6c6f | bid sign --key alice.json --hex -",
        _cmd_sign,
    )
    sign.add_argument("--key", metavar="FILE", required=True, help="key file with a private key")
    sign.add_argument("--encoding", choices=["hex", "base58"], default="hex")
    sign.add_argument("--hex", action="store_true", help="the message is hex text; sign its bytes")
    sign.add_argument("message", metavar="MESSAGE_FILE|-")

    verify = _add(
        commands,
        "verify",
        "verify a signature (hex of either case, or BIF Base58); exit 1 if it does not verify",
        "bid verify --public-key b06566... --signature 5f3a... message.bin",
        _cmd_verify,
    )
    verify.add_argument("--public-key", metavar="KEY", required=True)
    verify.add_argument("--signature", metavar="SIG", required=True)
    verify.add_argument("--hex", action="store_true", help="the message is hex text")
    verify.add_argument("message", metavar="MESSAGE_FILE|-")

    serve = _add(
        commands,
        "serve",
        "run the DIF Universal Resolver driver over HTTP (did:bid from the registry, did:key); "
        "JSON access log on stdout; Ctrl-C stops it",
        "bid serve --port 8080 --registry sqlite:/var/lib/bid/registry.sqlite3\n"
        "curl -H 'Accept: application/did+json' "
        "http://127.0.0.1:8080/1.0/identifiers/did:bid:ef...",
        _cmd_serve,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    _registry_option(serve)

    _add(
        commands,
        "demo",
        "a tour: keys, BIDs, did:key, signatures, a BID registered in a throwaway "
        "embedded registry and resolved (no network)",
        "bid demo",
        _cmd_demo,
    )
    from .cli_vc import add_commands  # the credential commands live in their own module

    add_commands(commands)
    completion = _add(
        commands,
        "completion",
        "print a shell completion script for bash, zsh or fish",
        'eval "$(bid completion bash)"        # in ~/.bashrc\n'
        "bid completion zsh > ~/.zfunc/_bid  # a directory on $fpath\n"
        "bid completion fish > ~/.config/fish/completions/bid.fish",
        _cmd_completion,
    )
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])
    return parser


def _cmd_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(build_parser(), args.shell))
    return EXIT_OK


def _no_handler(args: argparse.Namespace) -> int:  # pragma: no cover - required subcommands
    raise _UsageError("a command is required")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"bid: error: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bid`` command; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:  # answered before argparse and the commands load
        sys.stdout.write(f"bid {__version__}\n")
        return EXIT_OK
    args = build_parser().parse_args(arguments)
    set_format(args.format)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except _UsageError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except BidError as exc:
        return _fail(exc.message, _exit_code(exc))
    except BrokenPipeError:  # the reader went away (| head): not our failure
        return EXIT_OK


def _exit_code(exc: BidError) -> int:
    if isinstance(exc, VerificationError):
        return EXIT_VERIFICATION_FAILED
    if isinstance(exc, ResolutionError | RegistryError):
        return EXIT_RESOLUTION_FAILED
    return EXIT_BAD_INPUT  # InvalidInput, and Unsupported (a missing extra names its fix)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
