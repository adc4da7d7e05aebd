"""Emails as contacts are keyed by them: trimmed and lower-cased, checked, matched to domains.

Pure functions. An email is valid when `email-validator` accepts it without looking up DNS (no
special-use domains such as `.test` or `localhost`, no hyphen after the @, …): Zoom accepts some
that are not (its own check is looser), and those never become contacts.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from zoombridge.kit.text import one_line


def normalize(email: str | None) -> str:
    """The key: trimmed and lower-cased ("" for none); control characters (which no address
    holds, and PostgreSQL cannot store as NUL) become spaces, so such an email is invalid."""
    return one_line(email or "").lower()


# Plain addresses (ASCII letters, digits and . _ % + - before the @, dot-separated labels of a
# public top-level domain after it) that `email-validator` accepts: checked by this pattern
# alone, since a sync checks thousands. Anything else goes through `email-validator`.
_PLAIN = re.compile(
    r"^[a-z0-9_%+-]+(\.[a-z0-9_%+-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def problem(email: str) -> str | None:
    """Why `email` (normalised) is not a valid address, or None when it is."""
    if not email:
        return "no email"
    if len(email) > 254:
        return "longer than 254 characters"
    local, _, domain = email.rpartition("@")
    if (
        _PLAIN.match(email)
        and len(local) <= 64
        and len(domain) <= 253
        and domain.rpartition(".")[2] not in _SPECIAL_USE
    ):
        return None
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc).rstrip(".")
    return None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def normalize_domain(domain: str) -> str:
    """A domain as settings keep it: lower-cased, without a leading "@" or "." or spaces."""
    return domain.strip().lower().lstrip("@.").rstrip(".")


def in_domains(email: str, domains: list[str]) -> str | None:
    """The excluded domain `email` belongs to (the domain itself or any subdomain of it)."""
    domain = domain_of(email)
    for excluded in domains:
        if domain == excluded or domain.endswith("." + excluded):
            return excluded
    return None
