"""The customer's phone and e-mail on an order: kept private, compared safely, only ever shown masked.

Why a value of its own: an order travels through logs, reprs, test failures and staff chats; the contact
must not leak through any of them. `CustomerContact` renders itself masked everywhere (`repr`, `str`,
`masked_phone`, `masked_email`), and the proofs a customer gives (last 4 digits of the phone, or the whole
e-mail) are checked here with constant-time comparison after Unicode NFKC normalisation (full-width digits
and letters, `＠`, stray spaces and dashes are accepted).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass

_NON_DIGITS = re.compile(r"\D+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PHONE_DIGITS = 7
LAST_DIGITS = 4


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width), stripped."""
    return unicodedata.normalize("NFKC", text or "").strip()


def phone_digits(text: str) -> str:
    """Only the digits of a phone number after NFKC ("＋86 138-0000-1234" → "8613800001234")."""
    return _NON_DIGITS.sub("", normalise_text(text))


def normalise_email(text: str) -> str:
    """The comparable form of an e-mail address: NFKC, no spaces, case-folded ("ALICE＠Example.com" → "alice@example.com")."""
    return re.sub(r"\s+", "", normalise_text(text)).casefold()


def is_valid_phone(text: str) -> bool:
    """At least 7 digits, and nothing but digits, spaces, +, -, parentheses and dots around them."""
    cleaned = normalise_text(text)
    return (
        bool(cleaned)
        and re.fullmatch(r"[\d\s+\-().]+", cleaned) is not None
        and len(phone_digits(cleaned)) >= MIN_PHONE_DIGITS
    )


def is_valid_email(text: str) -> bool:
    return _EMAIL.match(normalise_email(text)) is not None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass(frozen=True, repr=False)
class CustomerContact:
    """Phone and/or e-mail as recorded on an order (either may be empty, never both on a valid order).

    Stored as given (normalised with NFKC); every rendering is masked: phone → `*******1234`,
    e-mail → `a***@example.com`.
    """

    phone: str = ""
    email: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "phone", normalise_text(self.phone))
        object.__setattr__(self, "email", normalise_email(self.email))

    def __repr__(self) -> str:
        return f"CustomerContact(phone={self.masked_phone!r}, email={self.masked_email!r})"

    __str__ = __repr__

    @property
    def is_empty(self) -> bool:
        return not self.phone and not self.email

    @property
    def phone_key(self) -> str:
        """National digits of the phone (a +86 / 0086 prefix dropped), for matching the customer's other orders."""
        return _national(phone_digits(self.phone))

    @property
    def email_key(self) -> str:
        return self.email

    @property
    def masked_phone(self) -> str:
        """`*******1234` (one star per hidden digit), "" without a phone."""
        digits = self.phone_key
        if not digits:
            return ""
        return "*" * max(len(digits) - LAST_DIGITS, 0) + digits[-LAST_DIGITS:]

    @property
    def masked_email(self) -> str:
        """`a***@example.com` (first character of the local part, the domain kept), "" without an e-mail."""
        if not self.email:
            return ""
        local, _, domain = self.email.partition("@")
        return f"{local[:1]}***@{domain}" if domain else "***"

    def matches_last_digits(self, given: str) -> bool:
        """True when `given` holds exactly the last 4 digits of the phone (full-width digits accepted)."""
        digits = phone_digits(given)
        phone = self.phone_key
        expected = phone[-LAST_DIGITS:] if len(phone) >= LAST_DIGITS else "\x00" * LAST_DIGITS
        return len(digits) == LAST_DIGITS and _same(digits, expected)

    def matches_phone(self, given: str) -> bool:
        """True when `given` is the whole phone number (an optional +86 / 0086 country prefix ignored)."""
        digits = _national(phone_digits(given))
        phone = self.phone_key
        if len(digits) < MIN_PHONE_DIGITS or not phone:
            return False
        return _same(digits, phone)

    def matches_email(self, given: str) -> bool:
        """True when `given` is the whole e-mail address (case-insensitive, NFKC)."""
        return bool(self.email) and _same(normalise_email(given), self.email)


def _national(digits: str) -> str:
    """Chinese numbers are often written with the +86 / 0086 country code; compare without it."""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits
