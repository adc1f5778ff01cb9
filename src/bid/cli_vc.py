"""The credential commands of ``bid``: ``vc issue|verify``, ``vp create|verify``, ``status ...``.

Exit codes as everywhere: 0 ok (verified), 1 not verified, 2 bad input, 3 could not
resolve (every failure was a resolution failure: the verdict is unknown, not negative).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from .cli import (
    EXIT_OK,
    EXIT_RESOLUTION_FAILED,
    EXIT_VERIFICATION_FAILED,
    _add,
    _no_handler,
    _parser_class,
    _print_json,
    _private_key_file,
    _registry_option,
    _resolver,
    _resolver_option,
    _UsageError,
)
from .cli_output import Progress
from .errors import (
    InvalidDIDURL,
    InvalidInput,
    IssuerMismatch,
    ParseError,
    ProofVerificationError,
    Unsupported,
)
from .keys import Ed25519PublicKey, PrivateKey

# The credential code (bid.vc, bid.credentials, the resolvers) is imported by the commands
# that use it, not here: building the parser for any ``bid`` command must stay cheap.
if TYPE_CHECKING:
    import argparse
    from datetime import datetime

    from .resolver import Resolver
    from .vc import VerificationResult

__all__ = ["SUITES", "add_commands"]

_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: bid.vc.ISSUE_SUITES, written out so that building the parser imports no credential code.
SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020", "jwt")
#: Error codes that mean "could not find out" rather than "is invalid".
_UNRESOLVED = frozenset(
    {"notFound", "internalError", "methodNotSupported", "representationNotSupported"}
)


def _read(arg: str, what: str) -> str:
    from pathlib import Path

    try:
        if arg == "-":
            data = sys.stdin.buffer.read(_MAX_DOCUMENT_BYTES + 1)
        else:
            data = Path(arg).read_bytes()[: _MAX_DOCUMENT_BYTES + 1]
    except OSError as exc:
        raise _UsageError(f"cannot read {what} {arg}: {exc.strerror or exc}") from exc
    if len(data) > _MAX_DOCUMENT_BYTES:
        raise _UsageError(f"{what} {arg} is larger than {_MAX_DOCUMENT_BYTES} bytes")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise _UsageError(f"{what} {arg} is not UTF-8 text") from exc


def _document_or_jwt(arg: str, what: str) -> dict[str, Any] | str:
    text = _read(arg, what)
    if not text.startswith("{"):
        return text  # a compact JWT
    from .credentials import parse

    value = parse(text, what=what)
    if not isinstance(value, dict):
        raise ParseError(f"the {what} is not a JSON object")
    return value


def _method_for(resolver: Resolver, did: str, key: PrivateKey, relationship: str) -> str:
    """The verification method of ``did`` whose key is ``key``, listed for ``relationship``."""
    document = resolver.resolve(did).raise_for_error()
    for method in document.verification_methods(relationship):  # type: ignore[arg-type]
        try:
            if method.public_key() == key.public_key:
                return document.absolute(method.id)
        except InvalidInput:
            continue
    raise InvalidDIDURL(f"the key is not listed under {relationship} in {did}'s document")


def _did_key(key: PrivateKey) -> str:
    public = key.public_key
    if not isinstance(public, Ed25519PublicKey):
        raise Unsupported(
            "an SM2 key cannot sign credentials (no W3C cryptosuite exists for SM2); "
            "use an Ed25519 key"
        )
    return public.did_key


def _signer_and_method(
    args: argparse.Namespace, resolver: Resolver, did: str | None, relationship: str
) -> tuple[PrivateKey, str, str]:
    key = _private_key_file(args.key, "--key")
    if did is None:
        did_key = _did_key(key)
        return key, did_key, f"{did_key}#{did_key.split(':')[-1]}"
    return key, did, _method_for(resolver, did, key, relationship)


def _cmd_vc_issue(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.credential is not None:
            raise _UsageError("give a CREDENTIAL_FILE or --batch DIR, not both")
        return _vc_issue_batch(args)
    if args.credential is None:
        raise _UsageError("vc issue needs a CREDENTIAL_FILE (or --batch DIR)")
    if args.output_dir is not None:
        raise _UsageError("--output-dir goes with --batch")
    credential = _document_or_jwt(args.credential, "credential")
    with _resolver(args) as resolver:
        signed = _issue_one(args, credential, resolver, {})
    if isinstance(signed, str):
        sys.stdout.write(signed + "\n")
    else:
        _print_json(signed)
    return EXIT_OK


def _issue_one(
    args: argparse.Namespace,
    credential: dict[str, Any] | str,
    resolver: Resolver,
    methods: dict[str | None, tuple[PrivateKey, str, str]],
) -> dict[str, Any] | str:
    """Sign one credential; ``methods`` remembers the signer of each issuer DID."""
    from .credentials import issuer_id
    from .vc import issue

    if not isinstance(credential, dict):
        raise _UsageError("the credential to issue is a JSON object")
    stated = credential.get("issuer")
    if args.issuer and stated is not None and issuer_id(credential) != args.issuer:
        raise _UsageError(f"the credential's issuer is {issuer_id(credential)}, not {args.issuer}")
    did = args.issuer or (issuer_id(credential) if stated is not None else None)
    if did not in methods:
        methods[did] = _signer_and_method(args, resolver, did, "assertionMethod")
    key, did, method = methods[did]
    if stated is None:
        credential["issuer"] = did
    signed: dict[str, Any] | str = issue(
        credential, key, verification_method=method, suite=args.suite
    )
    return signed


def _vc_issue_batch(args: argparse.Namespace) -> int:
    """Sign every ``*.json`` file of a directory; to ``--output-dir``, or a list on stdout."""
    import json
    from pathlib import Path

    source = Path(args.batch)
    if not source.is_dir():
        raise _UsageError(f"--batch {args.batch}: no such directory")
    files = sorted(p for p in source.iterdir() if p.suffix == ".json" and p.is_file())
    if not files:
        raise _UsageError(f"--batch {args.batch}: no *.json credential in the directory")
    target = Path(args.output_dir) if args.output_dir else None
    if target is not None:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _UsageError(f"cannot create {target}: {exc.strerror or exc}") from exc
    signed_all: list[dict[str, Any] | str] = []
    methods: dict[str | None, tuple[PrivateKey, str, str]] = {}
    # Everything is signed before anything is written: a bad credential in the middle of
    # the directory leaves no half-written batch behind.
    with _resolver(args) as resolver, Progress(len(files), "vc issue") as progress:
        for path in files:
            credential = _document_or_jwt(str(path), f"credential {path.name}")
            signed_all.append(_issue_one(args, credential, resolver, methods))
            progress.advance()
    if target is None:
        _print_json(signed_all)
        return EXIT_OK
    out: list[Any] = []
    for path, signed in zip(files, signed_all, strict=True):
        name = path.stem + ".jwt" if isinstance(signed, str) else path.name
        text = signed if isinstance(signed, str) else json.dumps(signed, indent=2)
        try:
            (target / name).write_text(text + "\n", "utf-8")
        except OSError as exc:
            raise _UsageError(f"cannot write {target / name}: {exc}") from exc
        out.append({"file": str(path), "output": str(target / name)})
    _print_json(out)
    return EXIT_OK


def _verdict(result: VerificationResult) -> int:
    _print_json(result.to_json())
    code = _exit_of(result)
    if code != EXIT_OK:  # the result is on stdout; the verdict in one line on stderr
        errors = result.errors or [e for inner in result.credentials for e in inner.errors]
        first = f": {errors[0]['code']}: {errors[0]['message']}" if errors else ""
        _say_not_verified(code, first)
    return code


def _say_not_verified(code: int, detail: str) -> None:
    what = "could not be resolved" if code == EXIT_RESOLUTION_FAILED else "not verified"
    sys.stderr.write(f"bid: error: {what}{detail}\n")


def _exit_of(result: VerificationResult) -> int:
    if result.verified:
        return EXIT_OK
    codes = {error["code"] for error in result.errors}
    for inner in result.credentials:
        codes |= {error["code"] for error in inner.errors}
    if codes and codes <= _UNRESOLVED:
        return EXIT_RESOLUTION_FAILED
    return EXIT_VERIFICATION_FAILED


def _now(args: argparse.Namespace) -> datetime | None:
    from datetime import datetime, timezone

    if not args.at:
        return None
    try:
        moment = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _UsageError(f"--at {args.at!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise _UsageError("--at needs a time zone (Z or +hh:mm)")
    return moment.astimezone(timezone.utc)


def _json_file(path: str, what: str) -> dict[str, Any]:
    value = _document_or_jwt(path, what)
    if not isinstance(value, dict):
        raise _UsageError(f"{path}: a {what} is a JSON object")
    return value


def _fetchers(args: argparse.Namespace) -> dict[str, Any]:
    """Status lists (keyed by their ``id``) and JSON schemas (by ``$id``) from files."""
    from .status import StaticFetcher

    out: dict[str, Any] = {}
    lists = [_json_file(path, "status list credential") for path in args.status_list or []]
    if lists:
        out["status_fetcher"] = StaticFetcher({str(c.get("id")): c for c in lists})
    schemas = [_json_file(path, "schema") for path in args.schema or []]
    if schemas:
        keyed = {str(s.get("$id", s.get("id"))): s for s in schemas}
        out["schema_fetcher"] = StaticFetcher(keyed)
    return out


def _cmd_vc_verify(args: argparse.Namespace) -> int:
    from .vc import verify_credential

    if len(args.credential) > 1:
        return _vc_verify_many(args)
    credential = _document_or_jwt(args.credential[0], "credential")
    with _resolver(args) as resolver:
        result = verify_credential(credential, resolver=resolver, now=_now(args), **_fetchers(args))
    return _verdict(result)


def _vc_verify_many(args: argparse.Namespace) -> int:
    """Verify several files with :func:`bid.iter_verify`: one result per file, in order.

    Every file is read first (exit 2 if one cannot be, before any verification); then the
    exit code is 1 if a credential did not verify, else 3 if one could not be resolved,
    else 0.
    """
    from .batch import iter_verify

    if "-" in args.credential:
        raise _UsageError("standard input (-) is for one credential, not a batch")
    credentials = [_document_or_jwt(path, "credential") for path in args.credential]
    out: list[Any] = []
    codes: set[int] = set()
    with _resolver(args) as resolver, Progress(len(credentials), "vc verify") as progress:
        results = iter_verify(
            credentials, resolver=resolver, mode="threads", now=_now(args), **_fetchers(args)
        )
        for path, result in zip(args.credential, results, strict=True):
            out.append({"file": path, **result.to_json()})
            codes.add(_exit_of(result))
            progress.advance()
    _print_json(out)
    for code in (EXIT_VERIFICATION_FAILED, EXIT_RESOLUTION_FAILED):
        if code in codes:
            failed = sum(1 for result in out if not result["verified"])
            _say_not_verified(code, f": {failed} of {len(out)} credentials")
            return code
    return EXIT_OK


def _cmd_vp_create(args: argparse.Namespace) -> int:
    from .vc import present

    credentials = [_document_or_jwt(path, "credential") for path in args.credentials]
    with _resolver(args) as resolver:
        key, holder, method = _signer_and_method(args, resolver, args.holder, "authentication")
    signed = present(
        credentials,
        key,
        holder=holder,
        verification_method=method,
        challenge=args.challenge,
        domain=args.domain,
        suite=args.suite,
    )
    if isinstance(signed, str):
        sys.stdout.write(signed + "\n")
    else:
        _print_json(signed)
    return EXIT_OK


def _cmd_vp_verify(args: argparse.Namespace) -> int:
    from .vc import verify_presentation

    presentation = _document_or_jwt(args.presentation, "presentation")
    with _resolver(args) as resolver:
        result = verify_presentation(
            presentation,
            resolver=resolver,
            challenge=args.challenge,
            domain=args.domain,
            now=_now(args),
            **_fetchers(args),
        )
    return _verdict(result)


def _write_json(data: dict[str, Any], output: str | None) -> None:
    """Print ``data``, or write it to ``output`` all at once (temporary file, then rename)."""
    import json
    from pathlib import Path

    if output is None:
        _print_json(data)
        return
    target = Path(output)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _sign_list(
    args: argparse.Namespace, unsigned: dict[str, Any], resolver: Resolver
) -> dict[str, Any]:
    from .credentials import issuer_id
    from .vc import issue

    key, _did, method = _signer_and_method(args, resolver, issuer_id(unsigned), "assertionMethod")
    signed = issue(unsigned, key, verification_method=method, suite=args.suite)
    assert isinstance(signed, dict)  # the JSON suites only: a list is read as JSON
    return signed


def _cmd_status_create(args: argparse.Namespace) -> int:
    from .status import status_list_credential

    with _resolver(args) as resolver:
        key = _private_key_file(args.key, "--key")
        issuer = args.issuer or _did_key(key)
        unsigned = status_list_credential(
            id=args.id, issuer=issuer, purpose=args.purpose, length=args.length
        )
        signed = _sign_list(args, unsigned, resolver)
    _write_json(signed, args.output)
    return EXIT_OK


_CHANGES = {"revoke": ("revocation", 1), "suspend": ("suspension", 1), "restore": ("suspension", 0)}


def _cmd_status_change(args: argparse.Namespace) -> int:
    from .status import read_status, status_entry, with_status

    purpose, value = _CHANGES[args.change]
    listed = _json_file(args.list, "status list credential")
    subject = listed.get("credentialSubject")
    declared = subject.get("statusPurpose") if isinstance(subject, dict) else None
    if purpose not in ([declared] if isinstance(declared, str) else (declared or [])):
        raise _UsageError(
            f"{args.change} needs a {purpose} list; this one is for {declared!r}"
            + (" (a revocation cannot be undone)" if args.change == "restore" else "")
        )
    list_id = str(listed.get("id"))
    entry = status_entry(list_id, args.index, purpose=purpose)
    unsigned = with_status(listed, args.index, value)
    with _resolver(args) as resolver:
        signed = _sign_list(args, unsigned, resolver)
    _write_json(signed, args.output or args.list)
    _print_json(
        {
            "list": list_id,
            "index": args.index,
            "purpose": purpose,
            "value": read_status(signed, entry),
        }
    )
    return EXIT_OK


def _cmd_status_entry(args: argparse.Namespace) -> int:
    from .status import status_entry

    _print_json(status_entry(args.list_id, args.index, purpose=args.purpose))
    return EXIT_OK


def _cmd_status_check(args: argparse.Namespace) -> int:
    from .credentials import issuer_id
    from .status import StaticFetcher, check_status
    from .vc import verify_credential

    credential = _json_file(args.credential, "credential")
    lists = [_json_file(path, "status list credential") for path in args.status_list]
    fetcher = StaticFetcher({str(c.get("id")): c for c in lists})
    with _resolver(args) as resolver:

        def verify_list(listed: Any) -> None:
            result = verify_credential(listed, resolver=resolver, now=_now(args))
            if not result.verified:
                raise ProofVerificationError(
                    f"the status list does not verify: {result.errors[0]['message']}"
                )
            if issuer_id(listed) != issuer_id(credential):
                raise IssuerMismatch("the status list credential has another issuer")

        results = check_status(credential, fetcher, verify_list=verify_list, now=_now(args))
    _print_json(results)
    return EXIT_OK


def _verify_options(parser: argparse.ArgumentParser) -> None:
    _registry_option(parser)
    _resolver_option(parser)
    parser.add_argument("--at", metavar="TIME", help="verify as of this time (default: now)")
    parser.add_argument(
        "--status-list",
        metavar="FILE",
        action="append",
        help="a status list credential (bid status create) to check credentialStatus "
        "against; repeatable. Without one, credentialStatus is reported as not checked",
    )
    parser.add_argument(
        "--schema",
        metavar="FILE",
        action="append",
        help="a JSON Schema (by its $id) or JsonSchemaCredential (by its id) for "
        "credentialSchema; repeatable",
    )


def _group(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    example: str,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A command with subcommands (``bid vc ...``); returns where to add them."""
    parser = _add(commands, name, help_text, example, _no_handler)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_parser_class())
    sub.required = True
    return sub


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``vc``, ``vp`` and ``status`` to the ``bid`` parser."""
    vc_commands = _group(
        commands, "vc", "issue and verify credentials", "bid vc issue --key k.json c.json"
    )
    issue_parser = _add(
        vc_commands,
        "issue",
        "sign a credential (eddsa-jcs-2022 by default) and print it (JSON, or the JWT)",
        "bid vc issue --key issuer.json diploma.json > signed.json\n"
        "bid vc issue --key issuer.json --issuer did:bid:ef... --suite jwt diploma.json\n"
        "bid vc issue --key issuer.json --batch diplomas/ --output-dir signed/",
        _cmd_vc_issue,
    )
    issue_parser.add_argument("credential", metavar="CREDENTIAL_FILE|-", nargs="?")
    issue_parser.add_argument(
        "--batch", metavar="DIR", help="sign every *.json credential in DIR (a progress bar)"
    )
    issue_parser.add_argument(
        "--output-dir", metavar="DIR", help="with --batch: write each signed credential here"
    )
    issue_parser.add_argument("--key", metavar="FILE", required=True, help="the issuer's key file")
    issue_parser.add_argument("--suite", choices=SUITES, default="eddsa-jcs-2022")
    issue_parser.add_argument(
        "--issuer",
        metavar="DID",
        help="the issuer DID whose document lists the key under assertionMethod "
        "(default: the credential's issuer, else the key's did:key)",
    )
    _registry_option(issue_parser)
    _resolver_option(issue_parser)

    verify_parser = _add(
        vc_commands,
        "verify",
        "verify credentials (JSON or JWT); exit 0 verified, 1 not verified, 3 unresolvable",
        "bid vc verify signed.json\nbid vc verify - < credential.jwt\n"
        "bid vc verify signed/*.json   # several: one result each, a progress bar",
        _cmd_vc_verify,
    )
    verify_parser.add_argument("credential", metavar="FILE|-", nargs="+")
    _verify_options(verify_parser)

    vp_commands = _group(
        commands, "vp", "create and verify presentations", "bid vp create --key k.json c.json"
    )
    create = _add(
        vp_commands,
        "create",
        "present credentials: a presentation signed for authentication",
        "bid vp create --key holder.json --challenge 9f8e... --domain verifier.example c1.json",
        _cmd_vp_create,
    )
    create.add_argument("credentials", metavar="CREDENTIAL_FILE", nargs="+")
    create.add_argument("--key", metavar="FILE", required=True, help="the holder's key file")
    create.add_argument(
        "--holder", metavar="DID", help="the holder DID (default: the key's did:key)"
    )
    create.add_argument("--challenge", metavar="C")
    create.add_argument("--domain", metavar="D")
    create.add_argument("--suite", choices=SUITES, default="eddsa-jcs-2022")
    _registry_option(create)
    _resolver_option(create)
    verify = _add(
        vp_commands,
        "verify",
        "verify a presentation and every credential in it",
        "bid vp verify --challenge 9f8e... --domain verifier.example presentation.json",
        _cmd_vp_verify,
    )
    verify.add_argument("presentation", metavar="FILE|-")
    verify.add_argument("--challenge", metavar="C", help="the challenge you handed out")
    verify.add_argument("--domain", metavar="D", help="your domain")
    _verify_options(verify)
    _add_status_commands(commands)


def _signing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", metavar="FILE", required=True, help="the issuer's key file")
    parser.add_argument("--suite", choices=SUITES[:-1], default="eddsa-jcs-2022")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the list credential here")
    _registry_option(parser)
    _resolver_option(parser)


def _add_status_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status_commands = _group(
        commands,
        "status",
        "Bitstring Status Lists: create, revoke, suspend, restore, check",
        "bid status create --key issuer.json --id https://example.com/status/1 -o list.json",
    )
    create = _add(
        status_commands,
        "create",
        "a signed status list credential with every entry 0",
        "bid status create --key issuer.json --id https://example.com/status/1 -o list.json",
        _cmd_status_create,
    )
    create.add_argument("--id", required=True, metavar="URL", help="where the list is published")
    create.add_argument("--purpose", choices=["revocation", "suspension"], default="revocation")
    create.add_argument("--length", type=int, default=131_072, help="entries (at least 131072)")
    create.add_argument("--issuer", metavar="DID", help="default: the key's did:key")
    _signing_options(create)
    for change, text in (
        ("revoke", "set an entry of a revocation list (for good)"),
        ("suspend", "set an entry of a suspension list"),
        ("restore", "clear an entry of a suspension list"),
    ):
        parser = _add(
            status_commands,
            change,
            text + "; the list is signed again and written back",
            f"bid status {change} list.json 94567 --key issuer.json",
            _cmd_status_change,
        )
        parser.set_defaults(change=change)
        parser.add_argument("list", metavar="LIST_FILE")
        parser.add_argument("index", type=int, metavar="INDEX")
        _signing_options(parser)
    entry = _add(
        status_commands,
        "entry",
        "print the credentialStatus entry for an index of a list (put it in a credential)",
        "bid status entry https://example.com/status/1 94567",
        _cmd_status_entry,
    )
    entry.add_argument("list_id", metavar="LIST_URL")
    entry.add_argument("index", type=int, metavar="INDEX")
    entry.add_argument("--purpose", choices=["revocation", "suspension"], default="revocation")
    check = _add(
        status_commands,
        "check",
        "check a credential's status; exit 1 if revoked or suspended",
        "bid status check credential.json --status-list list.json",
        _cmd_status_check,
    )
    check.add_argument("credential", metavar="CREDENTIAL_FILE")
    check.add_argument("--status-list", metavar="FILE", action="append", required=True)
    check.add_argument("--at", metavar="TIME", help="as of this time (default: now)")
    _registry_option(check)
    _resolver_option(check)
