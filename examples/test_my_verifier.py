"""Property-test your own verifier with ``bid.strategies`` (Hypothesis).

``verify_login`` below is the kind of small function an application writes on top of the
library: given the signer's DID document, a verification method id, a message and a
signature, it says whether the signature is an authentication by that DID. The properties
use the public strategies (``pip install 'bid[hypothesis]'``) to try it on keys of both
types, generated BID documents, DID documents and DID URLs of many shapes:

* a signature by the document's authentication key verifies;
* any change to the message, or a signature by any other key, does not;
* a method id of another DID, or a method not listed under ``authentication``, does not;
* on arbitrary documents, ids and bytes it answers True or False and never raises.

Run it with::

    python -m pytest examples/test_my_verifier.py
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bid
from bid.document import DIDDocument
from bid.strategies import bid_documents, did_documents, did_urls, private_keys

# -- the code under test: your verifier ----------------------------------------------------


def verify_login(document: DIDDocument, method_id: str, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``message`` is by a key ``document`` lists for
    authentication under ``method_id``; False for anything else."""
    try:
        if not document.is_authorized(method_id, "authentication"):
            return False
        method = document.find_verification_method(method_id)
        method.public_key().verify(signature, message)
    except bid.BidError:  # an unusable id or key, a bad signature: all mean "no"
        return False
    return True


# -- the properties ----------------------------------------------------------------------

# Fewer examples than Hypothesis's default keep the run short (SM2 signing is slow);
# no deadline, since the first SM2 signature loads its library.
fast = settings(max_examples=20, deadline=None)


@st.composite
def signers(draw: st.DrawFn) -> tuple[bid.PrivateKey, DIDDocument]:
    """A key and the W3C view of a BID document whose ``#key-1`` it is.

    Generated documents may authorize any of their keys for authentication, or none; the
    login key is added there, so the document says this key may log in.
    """
    key = draw(private_keys())
    data = draw(bid_documents(keys=st.just(key))).to_json()
    login_key = f"{data['id']}#key-1"
    if login_key not in data.setdefault("authentication", []):
        data["authentication"].append(login_key)
    return key, bid.BIDDocument.from_json(data).to_did_document()


@fast
@given(signers(), st.binary(max_size=256))
def test_the_authentication_key_verifies(
    signer: tuple[bid.PrivateKey, DIDDocument], message: bytes
) -> None:
    key, document = signer
    assert verify_login(document, f"{document.id}#key-1", message, key.sign(message))
    assert verify_login(document, "#key-1", message, key.sign(message))  # relative ids too


@fast
@given(signers(), st.binary(min_size=1, max_size=256), st.data())
def test_a_changed_message_fails(
    signer: tuple[bid.PrivateKey, DIDDocument], message: bytes, data: st.DataObject
) -> None:
    key, document = signer
    signature = key.sign(message)
    index = data.draw(st.integers(0, len(message) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = message[:index] + bytes([message[index] ^ flip]) + message[index + 1 :]
    assert not verify_login(document, f"{document.id}#key-1", changed, signature)


@fast
@given(signers(), private_keys(), st.binary(max_size=64))
def test_another_key_fails(
    signer: tuple[bid.PrivateKey, DIDDocument], other: bid.PrivateKey, message: bytes
) -> None:
    key, document = signer
    assume(other.public_key.to_bif() != key.public_key.to_bif())
    assert not verify_login(document, f"{document.id}#key-1", message, other.sign(message))


@fast
@given(signers(), did_urls(), st.binary(max_size=64))
def test_a_method_of_another_did_fails(
    signer: tuple[bid.PrivateKey, DIDDocument], url: bid.DIDURL, message: bytes
) -> None:
    key, document = signer
    assume(not str(url).startswith(document.id))
    assert not verify_login(document, str(url), message, key.sign(message))


@fast
@given(signers(), st.binary(max_size=64))
def test_a_key_not_listed_for_authentication_fails(
    signer: tuple[bid.PrivateKey, DIDDocument], message: bytes
) -> None:
    key, document = signer
    data = document.to_json()
    data["authentication"] = [
        m for m in data.get("authentication", []) if not str(m).endswith("#key-1")
    ]
    if not data["authentication"]:
        del data["authentication"]
    demoted = DIDDocument.from_json(data)
    assert not verify_login(demoted, f"{document.id}#key-1", message, key.sign(message))


@fast
@given(
    did_documents(),
    st.one_of(did_urls().map(str), st.text(max_size=40)),
    st.binary(max_size=64),
    st.binary(max_size=80),
)
def test_never_raises(
    document: DIDDocument, method_id: str, message: bytes, signature: bytes
) -> None:
    assert verify_login(document, method_id, message, signature) in (True, False)
