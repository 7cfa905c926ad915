"""Redact secrets and personal data from text before it reaches logs, metrics labels or stored analytics.

Text is NFKC-normalised first, phone numbers are found by libphonenumber (`bot.privacy.phones`: national and
international formats — `(415) 555-2671`, `+44 20 7946 0958`, `138 1234 5678`, full-width digits), English
street addresses by street type. Why: logs and insight reports are read by more people than the conversation itself, and shops in China
must not spread phone numbers, ID numbers or addresses (PIPL). Patterns are deliberately a little greedy —
a redacted word too many is cheap, a leaked phone number is not. The order-number pattern is configurable
because every shop platform formats them differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.privacy.addresses import ADDRESS, redact_addresses
from bot.privacy.cards import CARD, redact_cards
from bot.privacy.handles import redact_handles
from bot.privacy.identifiers import is_labelled_barcode, redact_identifiers
from bot.privacy.name_frames import redact_name_frames
from bot.privacy.names import NAME, forget_name_memo, redact_names
from bot.privacy.obfuscation import (
    CREDENTIAL,
    CUED_DOTTED_EMAIL,
    LABELLED_MESSENGER_DIGITS,
    LABELLED_PHONE_DIGITS,
    LOWER_STREET,
    SPACED_EMAIL,
    plain_digits,
    split_phones,
)
from bot.privacy.phones import chinese_digit_phones, find_phones, normalise_pii, spelled_phones
from knowledge.mentions import forget_memos as forget_mention_memos
from knowledge.traditional import to_simplified, to_traditional

SECRET = "[secret]"
EMAIL = "[email]"
CN_ID = "[id-number]"
PHONE = "[phone]"
ORDER = "[order]"
MESSENGER = "[messenger-id]"

_SECRET_PATTERNS = [
    re.compile(r"(?<![\w-])\d{6,12}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),  # OpenAI-style API keys (sk-, sk-proj-…)
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{12,}"),
    re.compile(r"(?i)(?<=/bot)\d{6,12}:[A-Za-z0-9_-]{20,}"),  # token inside a Bot API URL
]
# key=value / "key": "value" pairs whose value is a secret whatever it looks like.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(api[_-]?key|token|secret|password|passwd|pwd|authorization|secret_token)"
    r"(\"?\s*[:=]\s*\"?)([^\s\"',;&]{4,})"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# E-mail addresses written to dodge scrapers: "jane(at)gmail.com", "jane [at] gmail [dot] com", "jane dot doe at
# gmail dot com", "jane艾特qq.com". A bare " at " needs a spelled-out " dot " or a mail provider's domain after
# it ("look at amazon.com" stays) and must end in a real top-level domain; a bracketed (at) is enough alone.
_DOT = r"(?:\s*(?:[(（]dot[)）]|[\[【]dot[\]】]|\{dot\}|<dot>|点)\s*|\s+dot\s+|\.)"
_TLD = r"(?:com|net|org|edu|gov|cn|io|co|uk|me|info|biz|de|fr|jp|hk|tw|sg|us|ca|au|nz|in|ru|mail)"
_MAIL_HOSTS = r"(?:gmail|googlemail|outlook|hotmail|live|yahoo|icloud|me|proton|protonmail|qq|foxmail|163|126|sina|sohu|aliyun)"
_OBFUSCATED_EMAIL = re.compile(
    rf"(?i)\b[a-z0-9_%+-]+(?:{_DOT}[a-z0-9_%+-]+)*"
    rf"(?:\s*(?:[(（]at[)）]|[\[【]at[\]】]|\{{at\}}|<at>|艾特|圈a)\s*[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,}}"
    rf"|\s+at\s+(?:[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*(?:\s+dot\s+|\s*(?:\(dot\)|\[dot\]|点)\s*){_TLD}"
    rf"|{_MAIL_HOSTS}{_DOT}{_TLD}))(?![a-z0-9])"
)
# "alice @ gmail . com" (spaces around the marks), "bob#gmail.com" (# for @, with a mail provider's domain).
_SPACED_EMAIL = re.compile(
    rf"(?i)\b[a-z0-9._%+-]+(?:\s*@\s*[a-z0-9-]+(?:\s*\.\s*[a-z0-9-]+)*\s*\.\s*{_TLD}|\s*[#＃]\s*{_MAIL_HOSTS}\s*\.\s*{_TLD})"
    r"(?![a-z0-9])"
)
# "alice_w at gmail" (no top-level domain) after an e-mail cue.
_CUED_HOST_EMAIL = re.compile(
    rf"(?i)(\b(?:e-?mail|mail|gmail|outlook|邮箱|郵箱)\s*(?:is|是|:|：)?\s*)[a-z0-9._%+-]+\s+at\s+{_MAIL_HOSTS}\b"
)
# Mainland resident ID: 6-digit region, birth date 18xx–20xx, 3-digit sequence, check digit or X.
_CN_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
# Mainland mobile (optionally +86 / 0086, with spaces or dashes as people type them).
# Slashes and dots group a mobile too ("139/1234/5678", "139.1234.5678"), but only 3-4-4 with the same mark.
_CN_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}[\s-]?\d{4}|(?P<mark>[/.])\d{4}(?P=mark)\d{4})(?![\d/.])"
)
# International numbers written with a leading + (8–15 digits in total, E.164).
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,20}\d(?!\d)")
# Landlines written with an area-code separator: 010-12345678 / (0755) 1234 5678 (bare digit runs could be SKUs).
_LANDLINE = re.compile(r"(?:\(0\d{2,3}\)\s?|(?<![\w-])0\d{2,3}[\s-])\d{3,4}\s?\d{4}(?!\d)")
# Passport and travel-permit numbers after their name: "护照号 E12345678", "passport no. K1234567", "港澳通行证
# C12345678", "台胞证 12345678" (a bare E12345678 could be a model number: the cue is required).
_PASSPORT = re.compile(
    r"(?i)((?:护照|護照|passport|港澳通行证|往来港澳通行证|台胞证|台湾通行证|回乡证|通行证|证件号码|证件号|證件號碼|證件號)\s*(?:号码|號碼|号|號|no\.?|number|#)?"
    r"\s*(?:是|為|为|is)?\s*[:：]?\s*)[A-Z]{0,2}\d{7,9}(?![\w])"
)
DEFAULT_ORDER_PATTERN = (
    r"(?:(?:订单号|订单编号|单号|order\s*(?:no\.?|number|id|#))\s*[:：#]?\s*[A-Za-z0-9-]{6,40})"
    r"|(?<![\d.])\d{12,30}(?![\d.])"
)

# Messenger ids: a WeChat internal id anywhere (wxid_…); otherwise an id after its messenger's name — a QQ
# number (5–11 digits), or a WeChat/other id (6–20 characters, starting with a letter) that has a digit, "_"
# or "-" or follows a "号/ID/是/:" label ("WeChat: foo123", "微信号 abc_123"; "WeChat Pay" stays).
_WXID = re.compile(r"(?<![A-Za-z0-9_])wxid_[A-Za-z0-9_-]{4,}", re.I)
_MESSENGER_LABEL = (
    r"(?:微信|薇信|威信|v信|vx|wx|wechat|weixin|whatsapp|telegram|tg|line|signal|skype|飞机|(?<=加)v|(?<=加 )v|"
    r"支付宝|alipay|paypal|venmo)"  # payment accounts are ids of the same shape
)
_QQ = re.compile(
    r"(?i)((?:qq|扣扣|企鹅(?=号)|q(?=号))\s*(?:号码|同号|号|id)?\s*(?:是|为)?\s*[:：]?\s*)[1-9]\d{4,10}(?!\d)"
)
_MESSENGER_ID = re.compile(
    rf"(?i)((?<![A-Za-z0-9-]){_MESSENGER_LABEL}\s*(?:(?:号码|號碼|号|號|id|账号|帳號)\s*(?:是|为)?\s*[:：-]?|(?:是|为)\s*[:：]?|[:：])\s*)"
    r"@?[A-Za-z][A-Za-z0-9_-]{5,19}(?![A-Za-z0-9_-])"
    rf"|((?<![A-Za-z0-9-]){_MESSENGER_LABEL}\s*)@?(?=[A-Za-z0-9_-]{{0,19}}[0-9_-])[A-Za-z][A-Za-z0-9_-]{{5,19}}(?![A-Za-z0-9_-])"
)


_NEVER = r"(?!)"  # an order pattern that matches nothing: order numbers stay
# A number right after an order or tracking label ("订单 12345678901", "order no. 5551234567", "单号 7730…"): where
# order numbers are kept, it is the order's number even when it happens to be shaped like a phone.
_LABELLED_ORDER = re.compile(
    r"(?i)(?:订单号|订单编号|订单|訂單號|訂單|单号|單號|运单号|快递单号|order\s*(?:no\.?|number|id|#)?|tracking(?:\s*(?:no\.?|number))?)"
    r"\s*[:：#]?\s*#?(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{6,40}(?![\w@])"
)
_HELD = "\ue000"  # a private-use mark no rule reads: a held span's slot while the rules run
_ANY_PLACEHOLDER = re.compile(r"\[(?:name|address|messenger-id|phone|id-number|card|email|order|secret)\]")


def in_original_script(original: str, simple: str, redacted: str) -> str:
    """`redacted` (the redaction of `simple`, the Simplified form of `original`) carried back onto `original`:
    the text between placeholders stays as the customer wrote it (Traditional), each placeholder takes the
    span it replaced. When the forms differ in length or the pieces cannot be aligned, `redacted` itself is
    returned — Simplified, but with nothing personal left."""
    if redacted == simple:
        return original
    if len(simple) != len(original):
        return redacted
    pieces, holders = _ANY_PLACEHOLDER.split(redacted), _ANY_PLACEHOLDER.findall(redacted)
    if not simple.startswith(pieces[0]) or not simple.endswith(pieces[-1]):
        return redacted
    out, position = [original[: len(pieces[0])]], len(pieces[0])
    for index, (holder, piece) in enumerate(zip(holders, pieces[1:], strict=True)):
        last = index == len(holders) - 1
        found = (
            len(simple) - len(piece) if last else (simple.find(piece, position + 1) if piece else position)
        )
        if found < position:
            return redacted
        out += [holder, original[found : found + len(piece)]]
        position = found + len(piece)
    return "".join(out)


def _sub_secret_assignment(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}{SECRET}"


def _valid_intl(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE if 8 <= digits <= 15 else match.group(0)


def _keep_label(replacement: str) -> Callable[[re.Match[str]], str]:
    """Keep a leading label such as '订单号：' so the redacted text still reads naturally."""

    def sub(match: re.Match[str]) -> str:
        label = re.match(
            r"(?i)(订单号|订单编号|单号|order\s*(?:no\.?|number|id|#))\s*[:：#]?\s*", match.group(0)
        )
        return f"{label.group(0)}{replacement}" if label else replacement

    return sub


def _order_or_barcode(match: re.Match[str]) -> str:
    """An order number as `[order]` (its label kept), but a labelled barcode ("条码 4548736132580") as written."""
    found = match.group(0)
    if found.isdigit() and is_labelled_barcode(match.string, match.start(), found):
        return found
    return _keep_label(ORDER)(match)


@dataclass
class Redactor:
    """Configurable redactor; `Redactor()(text)` applies every rule in a safe order."""

    order_pattern: str = DEFAULT_ORDER_PATTERN
    redact_addresses: bool = True
    _order: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._order = re.compile(self.order_pattern, re.IGNORECASE)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        """NFKC first (`normalise_pii`: full-width `１３８…`, `＠` become ASCII), then secrets (they contain digits), IDs before
        cards and phones (an ID contains 11-digit runs), payment cards before phones (a card's middle groups
        look like a phone: `bot.privacy.cards`), phones found by libphonenumber, then order numbers, messenger
        ids (QQ numbers after the phones: a bare 11-digit run is a phone), social handles after their platform's
        name (`bot.privacy.handles`), names in self-introductions, addresses. A text with nothing personal comes
        back as written, full-width forms and all ("Pt．Charm 戒指" is a catalog title)."""
        if not text:
            return text
        # "扣扣 九八七六五四三二一", "1\u200b3\u200b8…", "⑬⑧…" as digits (`bot.privacy.obfuscation`)
        normalised = plain_digits(normalise_pii(text))
        held: list[str] = []
        if self.order_pattern == _NEVER:  # labelled order numbers are held out of the phone rules

            def hold(match: re.Match[str]) -> str:
                held.append(match.group(0))
                return f"{_HELD}{len(held) - 1}{_HELD}"

            normalised = _LABELLED_ORDER.sub(hold, normalised)
        redacted = self._redact(normalised)
        if held:
            redacted = re.sub(f"{_HELD}(\\d+){_HELD}", lambda m: held[int(m.group(1))], redacted)
            normalised = re.sub(f"{_HELD}(\\d+){_HELD}", lambda m: held[int(m.group(1))], normalised)
        return text if redacted == normalised else redacted

    def _redact(self, text: str) -> str:
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(SECRET, text)
        text = _SECRET_ASSIGNMENT.sub(_sub_secret_assignment, text)
        text = CREDENTIAL.sub(lambda m: f"{m.group(1)}{SECRET}", text)
        text = SPACED_EMAIL.sub(EMAIL, text)
        text = _EMAIL.sub(EMAIL, text)
        text = _OBFUSCATED_EMAIL.sub(EMAIL, text)
        text = _SPACED_EMAIL.sub(EMAIL, text)
        text = _CUED_HOST_EMAIL.sub(lambda m: f"{m.group(1)}{EMAIL}", text)
        text = CUED_DOTTED_EMAIL.sub(lambda m: f"{m.group(1)}{EMAIL}", text)
        text = _CN_ID.sub(CN_ID, text)
        text = _PASSPORT.sub(lambda m: f"{m.group(1)}{CN_ID}", text)
        text = redact_identifiers(text)
        text = redact_cards(text, keep_whole=self.order_pattern == _NEVER)
        for start, end in reversed(split_phones(text)):  # "138😀1234😀5678", "138 加上 12345678"
            text = text[:start] + PHONE + text[end:]
        text = _CN_MOBILE.sub(PHONE, text)
        for phone in reversed(find_phones(text)):
            text = text[: phone.start] + PHONE + text[phone.end :]
        text = _INTL_PHONE.sub(_valid_intl, text)
        for start, end in reversed([*chinese_digit_phones(text), *spelled_phones(text)]):
            text = text[:start] + PHONE + text[end:]
        text = self._order.sub(_order_or_barcode, text)
        text = _LANDLINE.sub(PHONE, text)
        text = _WXID.sub(MESSENGER, text)
        text = LABELLED_MESSENGER_DIGITS.sub(lambda m: f"{m.group(1)}{MESSENGER}", text)  # "QQ 987 654 321"
        text = LABELLED_PHONE_DIGITS.sub(lambda m: f"{m.group(1)}{PHONE}", text)
        text = _QQ.sub(lambda m: f"{m.group(1)}{MESSENGER}", text)
        text = _MESSENGER_ID.sub(lambda m: f"{m.group(1) or m.group(2)}{MESSENGER}", text)
        text = redact_handles(text)
        simple, traditional = to_simplified(text)
        if traditional:  # zh-Hant: "陳大文", "信義路五段7號89樓" — the rules are written in Simplified
            return in_original_script(text, simple, self._names_and_places(simple))
        return self._names_and_places(text)

    def _names_and_places(self, text: str) -> str:
        if not self.redact_addresses:
            return redact_name_frames(redact_names(text))
        # Addresses first, then names: a bare name is read by what follows it ("张伟，[address]"), so the
        # address must already be a placeholder; then the address rules run again over what names left.
        text = LOWER_STREET.sub(ADDRESS, text)  # "12 oak lane springfield": typed in lower case
        return redact_addresses(redact_name_frames(redact_names(redact_addresses(text))))


_DEFAULT = Redactor()
REDACTED_MEMO = 2048  # texts whose redaction is kept (least recently used first out)


@lru_cache(maxsize=REDACTED_MEMO)
def redact(text: str) -> str:
    """Redact with the default rules (secrets, emails, ID numbers, payment cards, phones, order numbers,
    messenger ids and social handles, names in self-introductions, addresses). Cached (a pure function of
    `text`; bounded, in-process only): a turn redacts the customer's message for understanding, memory and
    the prompt, and the prompt's history redacts the chat's earlier turns again on every message."""
    return _DEFAULT.redact(text)


def forget_memos() -> int:
    """Drop every in-process memo that holds what customers wrote (the redaction memos above and below, the
    script conversions' memos of `knowledge.traditional`, the names module's self-description memo and the
    mention indexes' memos of texts, `knowledge.mentions.forget_memos`) — run
    by `/forget` (right to erasure, PIPL art. 47, GDPR art. 17): the memos are bounded, but until evicted they
    keep raw text in memory. The memos are shared by every chat, so all are cleared (they refill on the next
    messages). Returns the entries dropped."""
    memos = (redact, without_personal_data, to_simplified, to_traditional)
    dropped = sum(memo.cache_info().currsize for memo in memos)
    for memo in memos:
        memo.cache_clear()
    return dropped + forget_name_memo() + forget_mention_memos()


# --- for understanding: personal data removed, not replaced ------------------------------------------------
_KEEP_ORDERS = Redactor(order_pattern=_NEVER)  # order numbers stay: the order flow and its intent need them


def redact_keeping_orders(text: str) -> str:
    """`redact` except order numbers, which stay: for what a flow about that order remembers of a turn."""
    return _KEEP_ORDERS.redact(text)


_PLACEHOLDERS = "|".join(re.escape(p) for p in (SECRET, EMAIL, CN_ID, CARD, PHONE, ADDRESS, MESSENGER, NAME))
# The customer's own words introducing the detail ("我的电话是", "my phone number is", "call me at").
_LEAD_IN = (
    r"(?:(?:我的|我|本人|我家)?(?:手机号码|手机号|手机|电话号码|电话|联系电话|联系方式|邮箱地址|邮箱|电子邮件|"
    r"身份证号码|身份证号|身份证|银行卡号|银行卡|信用卡号|信用卡|卡号|收货地址|地址|住址|家住|住在|微信号|微信|qq号|qq|企鹅号|扣扣号|whatsapp|wechat)"
    r"(?:号|id)?(?:是|为)?\s*[:：]?\s*)"
    r"|(?:我叫|我的名字是|我名字叫|名字叫|本人叫|收件人|收货人|联系人|姓名|寄件人|我是|本人是|我姓|免贵姓|"
    r"叫我|喊我|称呼我|，?叫|，?名叫|单名)\s*(?:是|为)?\s*[:：]?\s*"
    r"|(?:i'?m|i’m|i\s+am|this\s+is|it'?s|here\s+is)\s+"
    r"|my\s+(?:full\s+)?name(?:\s+is|'s)\s*|(?:full\s+)?name\s*:\s*|recipient\s*(?:is|:)\s*"
    r"|(?:寄到|送到|发到|邮到|寄往|送往|发往|寄去|送去)\s*[:：]?\s*"
    r"|(?:(?:please\s+)?(?:ship|deliver|send|mail)\s+(?:it\s+|them\s+)?to|i\s+live\s+(?:at|in)|live\s+at)\s*"
    r"|(?:(?:my|the)\s+)?(?:phone|mobile|cell|telephone|contact|email|e-mail|address|card)"
    r"(?:\s+(?:number|no\.?|address))?(?:\s+is|\s*:)?\s*"
    r"|(?:call|text|reach|contact|email|mail|ring)\s+me\s+(?:at|on|via)\s*"
)
_PERSONAL_SPAN = re.compile(
    rf"(?:{_LEAD_IN})?(?:{_PLACEHOLDERS})(?:号码|号|就行|就好|就可以|\s+(?:speaking|here|calling))?",
    re.IGNORECASE,
)
# Digit runs shaped like a phone number that libphonenumber did not accept: 7–11 digits unbroken, or in
# three groups (415-555-2671, 138 1234 5678), or a 3-4 local number (555-2671). Two 4-digit groups stay:
# "1000-2000" is a budget.
_PHONE_LIKE = re.compile(
    r"(?<![\w.])(?:\+?\d{7,11}|\+?\(?\d{2,4}\)?[\s.-]?\d{3,4}[\s.-]\d{4}|\d{3}[\s.-]\d{4})(?![\w.]|[.,]\d)"
)


@lru_cache(maxsize=REDACTED_MEMO)
def without_personal_data(text: str) -> str:
    """`text` with phone numbers (and phone-like digit runs), e-mail addresses, ID numbers, street addresses and
    secrets *removed* together with the words that introduce them ("我的电话是…", "call me at …") — for
    understanding, which must neither read their digits as item numbers, prices or sizes nor search for a
    placeholder such as "[phone]". Order numbers stay. Text with nothing personal is returned unchanged."""
    if not text:
        return text
    marked = _PHONE_LIKE.sub(PHONE, _KEEP_ORDERS.redact(text))
    if not re.search(_PLACEHOLDERS, marked) and marked == normalise_pii(text):
        return text
    return " ".join(_PERSONAL_SPAN.sub(" ", marked).split()).strip(" ,，;；、")
