"""Write the seed corpora, ``fuzz/corpus/<target>/``, from the test vectors and edge cases.

    python fuzz/make_corpus.py          # rewrite every corpus directory
    python fuzz/make_corpus.py --check  # exit 1 if a file on disk differs from this script's

The seeds are deterministic (fixed keys and times; Ed25519 signatures are deterministic), so
running this again gives the same files. The vectors are read from ``tests/vectors/``, never
copied there. Each seed is a small file named after what it holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bid import vc  # noqa: E402
from bid._codec import b58encode_bif, multibase_encode_z  # noqa: E402
from bid._json import canonical  # noqa: E402
from bid.keys import Ed25519PrivateKey  # noqa: E402
from bid.methods.bid import next_operation, updated_document  # noqa: E402
from bid.methods.key import KeyMethod  # noqa: E402
from bid.registry import MemoryRegistry  # noqa: E402
from fuzz.targets import NOW, REGISTERED_SEED, TARGETS, registered_bid  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"
VECTORS = ROOT / "tests" / "vectors"

Seeds = dict[str, bytes]


def _vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def _did_key(raw: bytes) -> str:
    return "did:key:" + multibase_encode_z(raw)


W3C = _vectors("w3c-vectors.json")
BIF = _vectors("bid-vectors.json")
SPEC_DID_KEY = W3C["did_key_ed25519"]["spec_example"]["did"]
VC_KEY = Ed25519PrivateKey.from_seed(
    bytes.fromhex(W3C["vc_di_eddsa"]["key_pair"]["secret_seed_hex"])
)
VC_DID = VC_KEY.did_key
VC_METHOD = f"{VC_DID}#{VC_KEY.public_key.multikey}"
SMALL_ORDER = bytes([1]) + bytes(31)  # the identity point
NON_CANONICAL = bytes([0xED]) + bytes([0xFF] * 30) + bytes([0x7F])  # y = p


def did_seeds() -> Seeds:
    texts = {
        "example": "did:example:123456789abcdefghi",
        "web-port": "did:web:example.com%3A8443:users:alice",
        "key": SPEC_DID_KEY,
        "bid": BIF[0]["bid"],
        "bid-ac": "did:bid:aa1c:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2",
        "url-full": "did:example:a/path/to;p=1?service=files&relativeRef=%2Fx#key-1",
        "url-fragment": f"{SPEC_DID_KEY}#{SPEC_DID_KEY[8:]}",
        "url-empty-query-fragment": "did:example:a?#",
        "url-query-slash": "did:example:a?x=/y?z#f/g?h",
        "url-fragment-first": "did:example:a#f?q/p",
        "inner-colons": "did:example:a:b::c",
        "trailing-colon": "did:example:a:",
        "empty-id": "did:example:",
        "no-id": "did:example",
        "upper-scheme": "DID:example:a",
        "upper-method": "did:KEY:a",
        "bad-percent": "did:example:%zz",
        "percent-end": "did:example:a%4",
        "newline": SPEC_DID_KEY + "\n",
        "space": "did:example:a b",
        "nul": "did:example:a\x00",
        "fullwidth": "did:example:\uff11\uff12",
        "relative-path": "did:example:a//b/../c",
        "empty": "",
        "long": "did:example:" + "a" * 200,
        "surrogate-bytes": "did:example:\udcff",
    }
    return {name: text.encode("utf-8", "surrogateescape") for name, text in texts.items()}


def did_key_seeds() -> Seeds:
    seeds: dict[str, str] = {"spec": SPEC_DID_KEY, "vc-di-eddsa": VC_DID}
    for index, vector in enumerate(W3C["did_key_ed25519"]["test_vectors_from_seed"]):
        seeds[f"seed-{index}"] = vector["did"]
        seeds[f"multikey-{index}"] = vector["publicKeyMultibase"]
    for vector in W3C["rfc8032_ed25519"]["vectors"]:
        seeds[f"rfc8032-{vector['name']}"] = vector["did_key"]
    key = bytes.fromhex(W3C["vc_di_eddsa"]["key_pair"]["public_key_hex"])
    seeds.update(
        {
            "small-order": _did_key(b"\xed\x01" + SMALL_ORDER),
            "non-canonical": _did_key(b"\xed\x01" + NON_CANONICAL),
            "x25519": _did_key(b"\xec\x01" + key),
            "p256": _did_key(b"\x80\x24" + bytes([2]) + key),
            "private-key-codec": _did_key(b"\x80\x26" + key),
            "non-minimal-varint": _did_key(b"\xed\x81\x00" + key),
            "short-31": _did_key(b"\xed\x01" + key[:31]),
            "long-33": _did_key(b"\xed\x01" + key + b"\x00"),
            "base16-prefix": "did:key:f" + (b"\xed\x01" + key).hex(),
            "bad-base58": SPEC_DID_KEY[:20] + "0OIl" + SPEC_DID_KEY[24:],
            "with-fragment": f"{SPEC_DID_KEY}#{SPEC_DID_KEY[8:]}",
            "upper-method": "did:KEY:" + SPEC_DID_KEY[8:],
            "upper-scheme": "DID:key:" + SPEC_DID_KEY[8:],
            "newline": SPEC_DID_KEY + "\n",
            "leading-ones": "did:key:z1111" + SPEC_DID_KEY[13:],
            "bif-hex": BIF[0]["public_key"],
            "bif-hex-upper": BIF[0]["public_key"].upper(),
            "other-method": "did:web:example.com",
            "empty-multikey": "did:key:z",
            "long": "did:key:z" + "6Mk" * 40,
        }
    )
    return {name: text.encode("utf-8") for name, text in seeds.items()}


def bid_seeds() -> Seeds:
    registered, _ = registered_bid()
    seeds: dict[str, str] = {}
    for vector in BIF:
        if vector["kind"] == "keypair" and vector["id"][-2:] not in ("01", "02", "06"):
            continue  # a few of each key type; the rest add nothing new
        if "bid" in vector:
            seeds[vector["id"]] = vector["bid"]
        if "bid_as_emitted_by_java_go_js_sdks" in vector:
            seeds[vector["id"] + "-sdk"] = vector["bid_as_emitted_by_java_go_js_sdks"]
        if "bid_legacy" in vector:
            seeds[vector["id"] + "-legacy"] = vector["bid_legacy"]
    ed = BIF[0]["bid"]
    seeds.update(
        {
            "ac-only": "did:bid:aa1c",
            "ac-only-upper": "did:bid:AA1C",
            "two-acs": "did:bid:aa1c:bb2d:" + ed[8:],
            "ac-empty-id": "did:bid:aa1c:",
            "type-s": "did:bid:sf" + ed[10:],
            "type-x": "did:bid:xf" + ed[10:],
            "encoding-s": "did:bid:es" + ed[10:],
            "encoding-t": "did:bid:et" + ed[10:],
            "short-suffix": ed[:-12],
            "long-suffix": ed + "111111111",
            "btc-alphabet": ed.replace("b", "B"),
            "zero-char": ed[:-1] + "0",
            "too-short": "did:bid:ef",
            "registered": registered,
            "registered-v1": registered + "\n1",
            "registered-v2": registered + "\n2",
            "registered-v0": registered + "\n0",
            "registered-v01": registered + "\n01",
            "registered-vhuge": registered + "\n" + "9" * 30,
            "registered-time": registered + "\n2025-06-01T00:00:00Z",
            "registered-time-before": registered + "\n2024-12-31T23:59:59+08:00",
            "registered-time-naive": registered + "\n2025-06-01T00:00:00",
            "registered-time-junk": registered + "\nyesterday",
            "registered-time-min": registered + "\n0001-01-01T00:00:00+14:00",
        }
    )
    return {name: text.encode("utf-8") for name, text in seeds.items()}


def bif_public_key_seeds() -> Seeds:
    seeds: dict[str, str] = {}
    for vector in BIF:
        if vector["kind"] in ("keypair", "public_key_to_bid") and vector["id"][-2:] in ("01", "06"):
            seeds[vector["id"]] = vector["public_key"]
    ed = BIF[0]["public_key"]
    sm2 = next(v["public_key"] for v in BIF if v["key_type"] == "sm2" and "public_key" in v)
    seeds.update(
        {
            "ed-upper": ed.upper(),
            "ed-small-order": "b06566" + SMALL_ORDER.hex(),
            "ed-non-canonical": "b06566" + NON_CANONICAL.hex(),
            "ed-short": ed[:-2],
            "ed-long": ed + "00",
            "ed-odd": ed[:-1],
            "sm2-off-curve": sm2[:-2] + ("00" if sm2[-2:] != "00" else "01"),
            "sm2-compressed": "b07a6602" + sm2[8:72],
            "sm2-infinity": "b07a66" + "00" * 65,
            "wrong-prefix": "a0" + ed[2:],
            "unknown-type": "b07366" + ed[6:],
            "wrong-encoding": "b06567" + ed[6:],
            "non-hex": ed[:-2] + "zz",
            "fullwidth": ed[:-1] + "\uff10",
            "empty": "",
            "prefix-only": "b06566",
        }
    )
    return {name: text.encode("utf-8") for name, text in seeds.items()}


def _private(blob: bytes) -> str:
    return b58encode_bif(blob)


def bif_private_key_seeds() -> Seeds:
    seeds: dict[str, str] = {}
    for vector in BIF:
        if vector["kind"] == "keypair" and vector["id"][-2:] in ("01", "02"):
            seeds[vector["id"]] = vector["private_key"]
        if vector["kind"] == "legacy_format":
            seeds["legacy"] = vector["private_key_legacy"]
    prefix = b"\x18\x9e\x99"
    order = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
    seeds.update(
        {
            "ed-zero-seed": _private(prefix + b"\x65\x66" + bytes(32)),
            "sm2-zero": _private(prefix + b"\x7a\x66" + bytes(32)),
            "sm2-one": _private(prefix + b"\x7a\x66" + (1).to_bytes(32, "big")),
            "sm2-n-minus-2": _private(prefix + b"\x7a\x66" + (order - 2).to_bytes(32, "big")),
            "sm2-n-minus-1": _private(prefix + b"\x7a\x66" + (order - 1).to_bytes(32, "big")),
            "sm2-n": _private(prefix + b"\x7a\x66" + order.to_bytes(32, "big")),
            "sm2-max": _private(prefix + b"\x7a\x66" + b"\xff" * 32),
            "unknown-type": _private(prefix + b"\x73\x66" + bytes(range(32))),
            "wrong-encoding": _private(prefix + b"\x65\x67" + bytes(range(32))),
            "wrong-prefix": _private(b"\x18\x9e\x98\x65\x66" + bytes(range(32))),
            "short": _private(prefix + b"\x65\x66" + bytes(range(31))),
            "legacy-short": _private(b"\x6c\xaa\x74\x01" + bytes(range(31))),
            "legacy-as-new": _private(b"\x6c\xaa\x74\x01" + bytes(range(33))),
            "btc-alphabet": BIF[0]["private_key"].replace("b", "B"),
            "empty": "",
            "priv-only": "priv",
        }
    )
    return {name: text.encode("utf-8") for name, text in seeds.items()}


def _credential() -> dict[str, Any]:
    document = dict(W3C["vc_di_eddsa"]["unsigned_credential"]["document"])
    document["issuer"] = VC_DID
    return document


def _issued(suite: str, credential: dict[str, Any] | None = None) -> Any:
    return vc.issue(
        credential or _credential(),
        VC_KEY,
        verification_method=VC_METHOD,
        suite=suite,
        created=datetime(2024, 6, 1, tzinfo=timezone.utc),
    )


def credential_seeds() -> Seeds:
    vectors = W3C["vc_di_eddsa"]
    signed = _issued("eddsa-jcs-2022")
    proof = signed["proof"]
    seeds: dict[str, Any] = {
        "w3c-jcs": vectors["eddsa-jcs-2022"]["signed_credential"],
        "w3c-rdfc": vectors["eddsa-rdfc-2022"]["signed_credential"],
        "w3c-2020": vectors["Ed25519Signature2020"]["signed_credential"],
        "unsigned": _credential(),
        "jcs-did-key": signed,
        "rdfc-did-key": _issued("eddsa-rdfc-2022"),
        "proof-set": vc.issue(
            signed,
            VC_KEY,
            verification_method=VC_METHOD,
            created=datetime(2024, 6, 2, tzinfo=timezone.utc),
        ),
        "proof-null": {**signed, "proof": None},
        "proof-string": {**signed, "proof": "z3x"},
        "proof-no-type": {**signed, "proof": {k: v for k, v in proof.items() if k != "type"}},
        "proof-u-value": {
            **signed,
            "proof": {**proof, "proofValue": "u" + proof["proofValue"][1:]},
        },
        "proof-short-value": {**signed, "proof": {**proof, "proofValue": proof["proofValue"][:40]}},
        "proof-other-suite": {**signed, "proof": {**proof, "cryptosuite": "ecdsa-rdfc-2019"}},
        "proof-bad-created": {**signed, "proof": {**proof, "created": "2024-06-01"}},
        "proof-chain-missing": {**signed, "proof": {**proof, "previousProof": "urn:nope"}},
        "authentication-purpose": {**signed, "proof": {**proof, "proofPurpose": "authentication"}},
        "issuer-object": {**_credential(), "issuer": {"id": VC_DID, "name": "Example"}},
        "issuer-null": {**_credential(), "issuer": None},
        "no-subject": {k: v for k, v in _credential().items() if k != "credentialSubject"},
        "empty-subject": {**_credential(), "credentialSubject": {}},
        "from-after-until": {**_credential(), "validUntil": "2022-01-01T00:00:00Z"},
        "until-past": {**signed, "validUntil": "2024-01-01T00:00:00Z"},
        "date-no-zone": {**_credential(), "validFrom": "2023-01-01T00:00:00"},
        "date-min-plus-offset": {**_credential(), "validFrom": "0001-01-01T00:00:00+01:00"},
        "date-max-minus-offset": {**_credential(), "validUntil": "9999-12-31T23:59:59-01:00"},
        "date-long-fraction": {**_credential(), "validFrom": "2023-01-01T00:00:00.1234567890Z"},
        "date-year-0": {**_credential(), "validFrom": "0000-01-01T00:00:00Z"},
        "v1": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": VC_DID,
            "issuanceDate": "2020-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abc"},
        },
        "presentation": vc.present(
            [signed],
            VC_KEY,
            holder=VC_DID,
            verification_method=VC_METHOD,
            challenge="c-1",
            created=datetime(2024, 6, 3, tzinfo=timezone.utc),
        ),
    }
    out = {name: _json(value) for name, value in seeds.items()}
    text = json.dumps(signed)
    out["duplicate-issuer"] = text.replace('"issuer":', '"issuer": "x", "issuer":', 1).encode()
    out["nan"] = text.replace('"validFrom": "2023-01-01T00:00:00Z"', '"validFrom": NaN').encode()
    out["big-integer"] = text.replace('"name":', '"n": 9007199254740993, "name":', 1).encode()
    out["lone-surrogate"] = text.replace('"name":', '"x": "\\ud800", "name":', 1).encode()
    out["as-string"] = json.dumps(text).encode()
    out["deep"] = b"[" * 5000 + b"]" * 5000
    return out


def jws_seeds() -> Seeds:
    token = _issued("jwt")
    header, payload, signature = token.split(".")
    v1 = _issued(
        "jwt",
        {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": VC_DID,
            "issuanceDate": "2020-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abc"},
        },
    )

    def b64(value: Any) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        import base64

        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def with_header(header_value: Any) -> str:
        return f"{b64(header_value)}.{payload}.{signature}"

    kid = VC_METHOD
    seeds = {
        "vc-jwt": token,
        "vc-v1-jwt": v1,
        "alg-none": f"{b64({'alg': 'none'})}.{payload}.",
        "alg-hs256": with_header({"alg": "HS256", "kid": kid}),
        "alg-lower": with_header({"alg": "eddsa", "kid": kid}),
        "no-alg": with_header({"kid": kid}),
        "crit": with_header({"alg": "EdDSA", "crit": ["exp"], "exp": 1}),
        "b64-false": with_header({"alg": "EdDSA", "b64": False}),
        "jwk": with_header({"alg": "EdDSA", "jwk": {"kty": "OKP"}}),
        "relative-kid": with_header({"alg": "EdDSA", "kid": "#key-1"}),
        "kid-no-fragment": with_header({"alg": "EdDSA", "kid": VC_DID}),
        "kid-number": with_header({"alg": "EdDSA", "kid": 7}),
        "header-array": with_header([1]),
        "two-segments": f"{header}.{payload}",
        "four-segments": f"{token}.x",
        "padding": token + "==",
        "bad-char": token.replace(payload[:4], payload[:3] + "+", 1),
        "payload-array": f"{header}.{b64([1, 2])}.{signature}",
        "payload-bad-dates": f"{header}.{b64({'vc': {}, 'exp': 1e300, 'nbf': -1e300})}.{signature}",
        "payload-not-json": f"{header}.{b64(b'not json')}.{signature}",
        "short-signature": f"{header}.{payload}.{signature[:40]}",
        "trailing-bits": f"{header}.{payload}.{signature[:-1]}B",
    }
    return {name: text.encode("utf-8") for name, text in seeds.items()}


def jcs_seeds() -> Seeds:
    texts = {
        "object": '{"b":2,"a":1,"c":{"z":[1,2,{"y":null,"x":true}]}}',
        "numbers": "[0,-0,1,-1,0.5,1e21,1e-7,1.5e300,123456789012,4.5e-320,0.1,1e20,2e-9]",
        "float-integral": "[1.0,-0.0,9007199254740992.0,9007199254740993.0,1e16,1e22]",
        "max-safe": "[9007199254740991,-9007199254740991]",
        "beyond-safe": "[9007199254740992]",
        "big-integer": "123456789012345678901234567890",
        "overflow-float": "1e400",
        "nan": "[NaN]",
        "infinity": "[-Infinity]",
        "unicode": '{"\\u20ac":"\\u00e9","\\ud83d\\ude00":"\\u2028\\u2029\\u0007","\\ufb33":1}',
        "astral-keys": '{"\\ud800\\udc00":1,"\\uffff":2,"\\ue000":3}',
        "lone-surrogate": '["\\ud800"]',
        "lone-surrogate-key": '{"\\udc00":1}',
        "escapes": '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\\u007f"',
        "duplicate": '{"a":1,"a":2}',
        "deep": "[" * 2000 + "]" * 2000,
        "scalar-true": "true",
        "empty-object": "{}",
    }
    return {name: text.encode("utf-8") for name, text in texts.items()}


def jsonld_seeds() -> Seeds:
    vectors = W3C["vc_di_eddsa"]
    proof_options = dict(vectors["eddsa-rdfc-2022"]["proof_options"])
    proof_options["@context"] = _credential()["@context"]
    v2 = "https://www.w3.org/ns/credentials/v2"
    examples = [v2, "https://www.w3.org/ns/credentials/examples/v2"]

    def clique(size: int) -> list[dict[str, Any]]:
        ids = [f"_:b{i}" for i in range(size)]
        return [{"id": i, "knows": [{"id": j} for j in ids if j != i]} for i in ids]

    seeds: dict[str, Any] = {
        "unsigned": vectors["unsigned_credential"]["document"],
        "employment": vectors["eddsa-rdfc-2022_enhanced_employment_example"]["unsigned_document"],
        "proof-options": proof_options,
        "v1": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "issuanceDate": "2020-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abc"},
        },
        "undefined-term": {**_credential(), "credentialSubject": {"undefinedTerm": "x"}},
        "undefined-type": {**_credential(), "type": ["VerifiableCredential", "UndefinedType"]},
        "base-injected": {"@context": [v2, {"@base": "https://evil.test/"}], "type": "X"},
        "vocab-added": {"@context": [v2, {"@vocab": "https://evil.test/#"}], "x": 1},
        "unknown-context": {"@context": ["https://example.com/ctx"], "x": 1},
        "file-context": {"@context": "file:///etc/passwd"},
        "blank-nodes": {"@context": examples, "knows": [{"name": "a"}, {"name": "b"}]},
        "look-alike-nodes": {
            "@context": examples,
            "knows": [{"knows": {"name": "a"}}, {"knows": {"name": "a"}}, {"name": "a"}],
        },
        "clique-6": {"@context": examples, "@graph": clique(6)},
        "clique-4": {"@context": examples, "@graph": clique(4)},
        "graph": {"@context": v2, "@graph": [{"id": "urn:a", "name": "x"}]},
        "list": {"@context": v2, "@id": "urn:a", "https://schema.org/l": {"@list": [1, 2.5, "x"]}},
        "control-char": {**_credential(), "name": "a\u0001b"},
        "language": {**_credential(), "name": {"@value": "x", "@language": "en-GB"}},
        "no-context": {"id": "urn:a"},
    }
    return {name: _json(value) for name, value in seeds.items()}


def registry_op_seeds() -> Seeds:
    did, create = registered_bid()
    key = Ed25519PrivateKey.from_seed(REGISTERED_SEED)
    registry = MemoryRegistry(clock=lambda: NOW)
    head = registry.submit(create)
    update = next_operation(
        "update",
        head,
        key,
        document=updated_document(
            head.document, now=NOW, services=[("files", "LinkedDomains", "https://b.test")]
        ),
    )
    deactivate = next_operation("deactivate", registry.submit(update), key)
    wire = create.to_json()
    seeds: dict[str, Any] = {
        "create": wire,
        "update": update.to_json(),
        "deactivate": deactivate.to_json(),
        "unknown-member": {**wire, "note": "x"},
        "unknown-type": {**wire, "type": "rotate"},
        "seq-zero": {**wire, "seq": 0},
        "seq-true": {**wire, "seq": True},
        "seq-float": {**wire, "seq": 1.0},
        "previous-on-create": {**wire, "previous": "0" * 64},
        "previous-upper": {**update.to_json(), "previous": str(update.previous).upper()},
        "signer-other-did": {**wire, "signer": "did:bid:efzQ19tQmZV8BV6PE7HhuoV8f8bduNvY#key-1"},
        "did-ac-only": {**wire, "did": "did:bid:aa1c"},
        "document-other-id": {**wire, "document": {**wire["document"], "id": BIF[0]["bid"]}},
        "deactivate-with-document": {**deactivate.to_json(), "document": wire["document"]},
        "no-signature": {k: v for k, v in wire.items() if k != "signature"},
        "signature-btc": {**wire, "signature": wire["signature"].replace("b", "B")},
        "signature-empty": {**wire, "signature": ""},
        "array": [wire],
    }
    out = {name: _json(value) for name, value in seeds.items()}
    out["canonical-create"] = canonical(create.to_json())
    out["duplicate-seq"] = json.dumps(wire).replace('"seq": 1', '"seq": 1, "seq": 2').encode()
    out["not-utf8"] = b'{"type":"create","did":"\xff"}'
    del did
    return out


def did_document_seeds() -> Seeds:
    did, create = registered_bid()
    assert create.document is not None
    key_doc = KeyMethod().resolve(SPEC_DID_KEY).did_document
    assert key_doc is not None
    document = key_doc.to_json()
    method = document["verificationMethod"][0]
    seeds: dict[str, Any] = {
        "did-key": document,
        "bid": create.document.to_json(),
        "duplicate-vm": {**document, "verificationMethod": [method, method]},
        "private-jwk": {
            **document,
            "verificationMethod": [{**method, "publicKeyJwk": {"kty": "OKP", "d": "AA"}}],
        },
        "secret-multibase": {
            **document,
            "verificationMethod": [{**method, "secretKeyMultibase": "z3u2"}],
        },
        "both-key-forms": {
            **document,
            "verificationMethod": [{**method, "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519"}}],
        },
        "duplicate-service": {
            "id": did,
            "service": [{"id": f"{did}#s", "type": "X", "serviceEndpoint": "https://a.test"}] * 2,
        },
        "no-id": {"@context": "https://www.w3.org/ns/did/v1"},
        "relative-refs": {**document, "authentication": ["#k", "did:example:x#k"]},
    }
    return {name: _json(value) for name, value in seeds.items()}


SEEDS: dict[str, Callable[[], Seeds]] = {
    "did": did_seeds,
    "did_key": did_key_seeds,
    "bid": bid_seeds,
    "bif_public_key": bif_public_key_seeds,
    "bif_private_key": bif_private_key_seeds,
    "credential": credential_seeds,
    "jws": jws_seeds,
    "jcs": jcs_seeds,
    "jsonld": jsonld_seeds,
    "registry_op": registry_op_seeds,
    "did_document": did_document_seeds,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if set(SEEDS) != set(TARGETS):
        raise SystemExit(f"seeds and targets differ: {sorted(set(SEEDS) ^ set(TARGETS))}")
    differs = []
    for target, make in SEEDS.items():
        directory = CORPUS / target
        seeds = make()
        if args.check:
            on_disk = (
                {p.name: p.read_bytes() for p in directory.iterdir()} if directory.is_dir() else {}
            )
            if on_disk != seeds:
                differs.append(target)
            continue
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.iterdir():
            if stale.name not in seeds:
                stale.unlink()
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print(f"{target}: {len(seeds)} seeds")
    if differs:
        print(f"corpus out of date: {', '.join(differs)} (run python fuzz/make_corpus.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
