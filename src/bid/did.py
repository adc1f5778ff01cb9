"""DID and DID URL values, parsed per the ABNF of W3C DID Core 1.0 (sections 3.1 and 3.2).

``DID.parse`` checks the generic syntax only; the rules of a method (did:bid, did:key) are
checked by that method's parser. Both values are frozen, compare by their parts, and
``parse(str(x)) == x`` holds for every value that can be constructed.

See: https://www.w3.org/TR/did-core/#did-syntax
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidDID, InvalidDIDURL

__all__ = ["DID", "DIDURL", "MAX_LENGTH"]

#: Longest DID or DID URL accepted, checked before any other work.
MAX_LENGTH = 4096

_METHOD_NAME = re.compile(r"[a-z0-9]+")
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
# method-specific-id = *( *idchar ":" ) 1*idchar
_METHOD_SPECIFIC_ID = re.compile(rf"(?:{_IDCHAR}*:)*{_IDCHAR}+")
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PATH_ABEMPTY = re.compile(rf"(?:/{_PCHAR}*)*")
_QUERY_OR_FRAGMENT = re.compile(rf"(?:{_PCHAR}|[/?])*")
_IDCHAR_SINGLE = re.compile(r"[A-Za-z0-9._%:-]")
_PCHAR_SINGLE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]")


def _first_bad(text: str, allowed: re.Pattern[str]) -> str:
    """Describe the first character of ``text`` not matched by ``allowed``."""
    for index, char in enumerate(text):
        if not allowed.fullmatch(char):
            return f"{char!r} at position {index}"
    return "a malformed percent-encoding"  # every character is allowed; a bad %XX is left


def _check_length(text: str, error: type[InvalidDID] | type[InvalidDIDURL]) -> None:
    if len(text) > MAX_LENGTH:
        raise error(f"{len(text)} characters is longer than the {MAX_LENGTH} allowed")


@dataclass(frozen=True, slots=True, repr=False)
class DID:
    """A decentralized identifier: ``did:<method>:<method-specific-id>``.

    Raises InvalidDID when a part breaks the DID Core ABNF: the method name must be
    lower-case ASCII letters and digits; the method-specific id may hold letters, digits,
    ``.``, ``-``, ``_``, percent-encoded octets and inner colons.
    """

    method: str
    method_specific_id: str

    def __post_init__(self) -> None:
        if not _METHOD_NAME.fullmatch(self.method):
            raise InvalidDID(
                f"method name {self.method[:40]!r} must be lower-case ASCII letters and digits"
            )
        msid = self.method_specific_id
        if not _METHOD_SPECIFIC_ID.fullmatch(msid):
            if not msid:
                raise InvalidDID("the method-specific id is empty")
            if msid.endswith(":"):
                raise InvalidDID("the method-specific id must not end with ':'")
            where = _first_bad(msid, _IDCHAR_SINGLE)
            raise InvalidDID(f"the method-specific id has an invalid character: {where}")

    @classmethod
    def parse(cls, text: str) -> DID:
        """Parse ``did:method:id``; a DID URL (path, query, fragment) is refused."""
        _check_length(text, InvalidDID)
        if not text.startswith("did:"):
            raise InvalidDID(f"a DID starts with the lower-case scheme 'did:': {text[:40]!r}")
        method, sep, msid = text[4:].partition(":")
        if not sep:
            raise InvalidDID("a DID has the form did:<method>:<method-specific-id>")
        return cls(method, msid)

    def __str__(self) -> str:
        return f"did:{self.method}:{self.method_specific_id}"

    def __repr__(self) -> str:
        return f"DID.parse({str(self)!r})"

    def url(
        self, *, path: str = "", query: str | None = None, fragment: str | None = None
    ) -> DIDURL:
        """A DID URL on this DID."""
        return DIDURL(did=self, path=path, query=query, fragment=fragment)


@dataclass(frozen=True, slots=True, repr=False)
class DIDURL:
    """A DID URL: a DID followed by an optional path, ``?query`` and ``#fragment``.

    ``query`` and ``fragment`` are ``None`` when absent and ``""`` when present but empty,
    so that ``str()`` gives back the exact text parsed. Raises InvalidDIDURL.
    """

    did: DID
    path: str = ""
    query: str | None = None
    fragment: str | None = None

    def __post_init__(self) -> None:
        if not _PATH_ABEMPTY.fullmatch(self.path):
            where = _first_bad(self.path, _PCHAR_SINGLE)
            if not self.path.startswith("/"):
                where = "a path that does not start with '/'"
            raise InvalidDIDURL(f"the path is invalid: {where}")
        for name, part in (("query", self.query), ("fragment", self.fragment)):
            if part is not None and not _QUERY_OR_FRAGMENT.fullmatch(part):
                where = _first_bad(part, _PCHAR_SINGLE)
                raise InvalidDIDURL(f"the {name} has an invalid character: {where}")

    @classmethod
    def parse(cls, text: str) -> DIDURL:
        """Parse a DID URL (a bare DID is a DID URL with no path, query or fragment)."""
        _check_length(text, InvalidDIDURL)
        rest, hash_sign, fragment = text.partition("#")
        rest, question_mark, query = rest.partition("?")
        slash = rest.find("/")
        did_text, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
        try:
            did = DID.parse(did_text)
        except InvalidDID as exc:
            raise InvalidDIDURL(f"invalid DID in DID URL: {exc.message}") from exc
        return cls(
            did=did,
            path=path,
            query=query if question_mark else None,
            fragment=fragment if hash_sign else None,
        )

    def __str__(self) -> str:
        text = str(self.did) + self.path
        if self.query is not None:
            text += "?" + self.query
        if self.fragment is not None:
            text += "#" + self.fragment
        return text

    def __repr__(self) -> str:
        return f"DIDURL.parse({str(self)!r})"
