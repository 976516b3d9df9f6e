"""The one spelling of an email address, on every path that takes one.

Two strings that a person reads as the same address must not become two
accounts. ``canonical_email`` parses with ``email-validator`` (RFC 5321/5322
syntax, Unicode safety checks, IDNA 2008 with UTS-46 mapping through the
``idna`` package) and returns the form that is stored and compared:

- no whitespace inside, no control or invisible format character (Unicode
  category Cf: U+200B, U+200D, U+FEFF, bidi controls, soft hyphen) anywhere;
- the local part is ASCII (``allow_smtputf8=False``): a dotless i (U+0131), an
  ``é`` or a Cyrillic a (U+0430) before the ``@`` is refused, not folded; a quoted
  local part, a domain literal (``[127.0.0.1]``) and a display name are refused;
- the domain is in its ASCII form (IDNA punycode: ``BÜCHER.de`` and
  ``xn--bcher-kva.de`` are one domain), a real public name (a dot, no trailing
  dot, no special-use name such as ``localhost`` or ``.test``);
- the whole address is lower-cased. Being ASCII, it lower-cases the same in
  Python, SQLite and PostgreSQL whatever their locale, so uniqueness is the
  plain unique index on the stored column: no database ``lower()`` decides.

Nothing else is folded: dots and ``+tags`` belong to the mailbox provider.
"""

from __future__ import annotations

import idna
from email_validator import EmailNotValidError, validate_email

#: RFC 5321's limit on a forward path, which every stored address respects.
MAX_EMAIL_LENGTH = 254
#: Input longer than this is not parsed at all (a cheap refusal of garbage).
_MAX_INPUT_LENGTH = 4 * MAX_EMAIL_LENGTH


class InvalidEmailAddress(ValueError):
    """The text is not an address this service accepts; ``str()`` says why."""


def canonical_email(value: str) -> str:
    """Return the canonical spelling of ``value`` or raise ``InvalidEmailAddress``.

    Surrounding spaces (U+0020) are trimmed, as a form field would; any other
    whitespace, inside or around, is refused. The result is idempotent:
    ``canonical_email(canonical_email(x)) == canonical_email(x)``.
    """
    address = value.strip(" ")
    if not address:
        raise InvalidEmailAddress("An email address is required.")
    if len(address) > _MAX_INPUT_LENGTH:
        raise InvalidEmailAddress(f"Use at most {MAX_EMAIL_LENGTH} characters.")
    try:
        parsed = validate_email(
            address,
            check_deliverability=False,  # no DNS in a request; syntax only
            allow_smtputf8=False,  # ASCII local part
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
            globally_deliverable=True,
        )
    except EmailNotValidError as exc:
        raise InvalidEmailAddress(str(exc)) from exc
    canonical = f"{parsed.local_part}@{parsed.ascii_domain}".lower()
    if not canonical.isascii():  # allow_smtputf8=False guarantees it
        raise InvalidEmailAddress("The address must be ASCII once encoded.")
    if len(canonical) > MAX_EMAIL_LENGTH:
        raise InvalidEmailAddress(f"Use at most {MAX_EMAIL_LENGTH} characters.")
    return canonical


def canonical_email_or_none(value: object) -> str | None:
    """Return the canonical spelling, or None for anything that is not an address.

    For lookups (a login, a reset request, a link's address): text that is not
    a valid address can match no account, whatever a legacy row holds.
    """
    if not isinstance(value, str):
        return None
    try:
        return canonical_email(value)
    except InvalidEmailAddress:
        return None


def same_address(a: object, b: object) -> bool:
    """Whether ``a`` and ``b`` are spellings of one valid address.

    For comparing an address carried by a link (perhaps issued before the
    canonical form existed) with the stored one. Text that is no address is
    the same as nothing.
    """
    canonical = canonical_email_or_none(a)
    return canonical is not None and canonical == canonical_email_or_none(b)


def email_search_fragment(term: str) -> str | None:
    """Return how ``term`` is spelled inside stored addresses, or None if nowhere.

    Staff search matches a fragment of the canonical column with a plain,
    case-sensitive ``contains``, so SQLite and PostgreSQL agree (no database
    case folding): the fragment is lower-cased, and an IDN domain or label
    (``bücher.de``, ``name@BÜCHER.de``) is encoded as it is stored, whole
    labels only (``ücher`` is a label of its own, not part of ``bücher``).
    A non-ASCII local part, or text IDNA refuses, is in no stored address.
    """
    fragment = term.strip().lower()
    if fragment.isascii():
        return fragment
    local, at, domain = fragment.rpartition("@")
    if at and not local.isascii():
        return None
    try:
        encoded = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return f"{local}{at}{encoded}"
