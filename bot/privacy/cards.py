"""Payment card numbers in free text (bank, credit and debit cards), found by shape and checked by Luhn.

A card number has 13–19 digits (ISO/IEC 7812); people write it whole or in groups of 4 (Amex 4-6-5) separated
by spaces or dashes: "6222 0210 0101 2345 678", "4111-1111-1111-1111". The check digit is the Luhn checksum
(`stdnum.luhn`, python-stdnum; `bot.privacy.identifiers` uses it for ID numbers). A number counts as a card when

- a card cue comes just before it ("卡号", "银行卡", "信用卡", "card number", "Visa", "储蓄卡"…), whatever its
  check digit (customers mistype, and "卡号 + 19 digits" is a card either way); or
- it is grouped like a card (at least three separators, groups of 3–6 digits, 16–19 digits in all: longer than
  any phone number, E.164 stops at 15) and starts with a card network's prefix — grouped card numbers are never
  order numbers or prices, but a list of part numbers ("7202 7203 7204 7205") is no card; or
- it is written whole, passes Luhn and starts with a card network's prefix (Visa 4, Mastercard 51–55/2221–2720,
  Amex 34/37, UnionPay 62, Discover 6011/65, JCB 35) — only where order numbers are redacted anyway, since a
  whole-digit order number can pass Luhn by chance (`keep_whole=True` leaves whole runs without a cue alone),
  and never right after an order or tracking cue ("订单号 4111…").
"""

from __future__ import annotations

import re

from stdnum import iban, luhn

from bot.privacy.phones import find_phones

CARD = "[card]"

_CUE = re.compile(
    r"(?i)(?:卡号|银行卡|信用卡|储蓄卡|借记卡|贷记卡|银联卡|卡号码|银行账号|账号|帐号|"
    r"card(?:\s*(?:number|no\.?|#))?|visa|master\s*card|amex|unionpay|iban|account(?:\s*(?:number|no\.?))?)"
    r"\s*(?:号码|号|是|为|is|:|：|#)?\s*[:：]?\s*$"
)
_ORDER_CUE = re.compile(r"(?i)(?:订单|单号|order|tracking|运单|快递)\S{0,6}\s*[:：#]?\s*$")
_RUN = re.compile(r"(?<![0-9A-Za-z_.+-])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z_]|[.,-]\d)")
_NETWORK = re.compile(r"4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|62|6011|65|35")


def _grouped(raw: str) -> bool:
    groups = re.split(r"[ -]", raw)
    return len(groups) >= 4 and all(3 <= len(g) <= 6 for g in groups)


def _luhn_card(digits: str) -> bool:
    return luhn.is_valid(digits) and _NETWORK.match(digits) is not None


def _whole_phone(raw: str) -> bool:
    """ "0086 139 1234 5678" may pass Luhn by chance: a phone number, not a card."""
    return any(p.start == 0 and p.end == len(raw) for p in find_phones(raw))


def find_cards(text: str, *, keep_whole: bool = False) -> list[tuple[int, int]]:
    """Spans of card numbers in `text` (ASCII digits; the redactor normalises full-width ones first)."""
    spans: list[tuple[int, int]] = []
    for match in _RUN.finditer(text):
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if not 13 <= len(digits) <= 19:
            continue
        cued = bool(_CUE.search(text[max(0, match.start() - 16) : match.start()]))
        grouped = raw != digits
        if cued or (grouped and _grouped(raw) and len(digits) >= 16 and _NETWORK.match(digits)):
            spans.append(match.span())
        elif _ORDER_CUE.search(text[max(0, match.start() - 16) : match.start()]):
            continue  # "订单号 4111…": an order number that happens to pass Luhn
        elif _luhn_card(digits) and (grouped or not keep_whole) and not _whole_phone(raw):
            spans.append(match.span())
    return spans


# The card's security code after its name ("cvv 123", "CVC: 737", "安全码 123"): as secret as the number.
_SECURITY_CODE = re.compile(
    r"(?i)(\b(?:cvv2?|cvc2?|csc|cid|security\s+code)|安全码|验证码后三位|卡背后三位)\s*[:：#]?\s*\d{3,4}(?!\d)"
)
# An IBAN, grouped or whole: "DE89 3704 0044 0532 0130 00" — a bank account, checked by stdnum.iban (ISO 13616).
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"
)


def redact_cards(text: str, *, keep_whole: bool = False) -> str:
    """`text` with card numbers, their security codes and IBANs replaced by `[card]` (see the module
    docstring; an IBAN counts when its ISO 7064 check digits hold)."""
    text = _IBAN.sub(lambda m: CARD if iban.is_valid(m.group(0)) else m.group(0), text)
    for start, end in reversed(find_cards(text, keep_whole=keep_whole)):
        text = text[:start] + CARD + text[end:]
    return _SECURITY_CODE.sub(lambda m: f"{m.group(1)} {CARD}", text)
