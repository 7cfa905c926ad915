"""Turns one record of canonical field names into a `Product`, or says exactly what is wrong with it.

Shared by every loader so a CSV row, a JSONL object and a mapped column all follow the same rules:
only `sku` and `title` are required; a blank price/stock means "unknown"; a present but malformed value
rejects the row. Multi-valued attributes (sizes, colours) are `;`-separated inside one value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from knowledge.catalog.result import DEFAULT_MAX_FIELD_BYTES, RowProblem
from knowledge.models import Product

CANONICAL_COLUMNS = (
    "sku",
    "title",
    "brand",
    "category",
    "price",
    "currency",
    "stock",
    "description",
    "image_url",
    "url",
    "tags",
)
ATTR_PREFIX = "attr_"
MAX_SKU_CHARS = 64  # the SKU travels in Telegram callback data (64 bytes) and Chroma ids

_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PRICE_SYMBOLS = {
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
}
_PRICE_MARK = re.compile(
    r"^(?P<pre>[¥￥$€£]|rmb|cny|usd|eur|gbp)?\s*(?P<num>[^¥￥$€£元a-z\s]+?)\s*(?P<post>元|rmb|cny|usd|eur|gbp)?$",
    re.IGNORECASE,
)
# Excel turns long numeric SKUs into scientific notation and SKU-like "3-5" or "2024/3/5" into dates.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE = re.compile(
    rf"^(?:\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
    rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}"
    rf"|\d{{1,2}}-(?:{_MONTHS})(?:-\d{{2,4}})?|(?:{_MONTHS})-\d{{2,4}}"
    rf"|\d{{4}}年\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}月\d{{1,2}}日)$",
    re.IGNORECASE,
)
_INTEGER = re.compile(r"^[+-]?\d+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LIST_SEPARATORS = re.compile(r"[;；]")
_CURRENCY_ALIASES = {"RMB": "CNY"}


def is_catalog_column(name: str) -> bool:
    """True for a canonical column name or an `attr_<name>` column."""
    return name in CANONICAL_COLUMNS or (name.startswith(ATTR_PREFIX) and len(name) > len(ATTR_PREFIX))


def split_list(value: str) -> list[str]:
    """Split a `;` (or full-width `；`) separated list, dropping blanks."""
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def _text(record: Mapping[str, object], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    return str(value).strip()


def _one_line(record: Mapping[str, object], name: str) -> str:
    """A one-line field (title, brand, category): a spreadsheet cell's line breaks (Alt+Enter) and runs of
    spaces, tabs or no-break spaces become one space, so a title never breaks a card, a copy or a CSV row."""
    return " ".join(_text(record, name).split())


def _price_text(raw: str, sku: str) -> tuple[str, str | None]:
    """A price as spreadsheets write it ("1,299.00", "¥1299", "1299元") → ("1299.00", currency it names)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _PRICE_MARK.match(text)
    if match is None:
        return raw, None
    number = match.group("num").replace(" ", "")
    if _THOUSANDS.match(number):
        number = number.replace(",", "")
    mark = (match.group("pre") or match.group("post") or "").lower()
    return number, _PRICE_SYMBOLS.get(mark)


def _price(raw: str, sku: str, currency: str = "") -> Decimal | None:
    if not raw:
        return None
    number, named = _price_text(raw, sku)
    if named and currency and named != currency:
        raise RowProblem(f"price {raw!r} is in {named} but the currency column says {currency}", sku)
    raw = number
    if not _DECIMAL.match(raw):
        raise RowProblem(f"bad price {raw!r} (expected a decimal like 399.00)", sku)
    try:
        price = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise RowProblem(f"bad price {raw!r}", sku) from exc
    if price < 0:
        raise RowProblem(f"negative price {raw!r}", sku)
    return price


def _stock(raw: str, sku: str) -> int | None:
    """A whole number as spreadsheets write it too: "1,200" (thousands), "12.0" (a number cell), "１２"."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if _THOUSANDS.match(text) and "." not in text:
        text = text.replace(",", "")
    whole = re.fullmatch(r"([+-]?\d+)\.0+", text)
    if whole:
        text = whole.group(1)
    if not _INTEGER.match(text):
        raise RowProblem(f"bad stock {raw!r} (expected a whole number)", sku)
    stock = int(text)
    if stock < 0:
        raise RowProblem(f"bad stock {raw!r} (negative)", sku)
    return stock


def _currency(raw: str, sku: str) -> str:
    if not raw:
        return "CNY"
    code = raw.upper()
    if not _CURRENCY.match(code):
        raise RowProblem(f"bad currency {raw!r} (expected a 3-letter code like CNY)", sku)
    return _CURRENCY_ALIASES.get(code, code)


def _priced_currency(record: Mapping[str, object], sku: str) -> str:
    """The currency column, or — when it is empty — the one the price names ("$25" → USD), else CNY."""
    column = _text(record, "currency")
    if column:
        return _currency(column, sku)
    price = _text(record, "price")
    return (_price_text(price, sku)[1] if price else None) or "CNY"


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(item).strip() for item in value if str(item).strip())
    return tuple(split_list(str(value or "")))


def _check_sizes(record: Mapping[str, object], max_field_bytes: int, sku: str | None) -> None:
    for name, value in record.items():
        if isinstance(value, str) and len(value) * 4 > max_field_bytes:
            size = len(value.encode("utf-8", "surrogatepass"))
            if size > max_field_bytes:
                raise RowProblem(f"huge field {name!r} ({size} bytes, limit {max_field_bytes})", sku)


def _attribute_text(value: object) -> str:
    """One attribute value in the documented form: multiple values `;`-separated, no stray blanks."""
    if isinstance(value, list | tuple):
        return ";".join(str(item).strip() for item in value if str(item).strip())
    text = str(value).strip()
    return ";".join(split_list(text)) if ";" in text or "；" in text else text


def _attributes(record: Mapping[str, object]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    nested = record.get("attributes")
    if isinstance(nested, Mapping):
        for key, value in nested.items():
            text = _attribute_text(value) if value is not None else ""
            if str(key).strip() and text:
                attributes[str(key).strip().lower()] = text
    for key, value in record.items():
        if key.startswith(ATTR_PREFIX) and value is not None:
            text = _attribute_text(value)
            if text:
                attributes[key[len(ATTR_PREFIX) :].strip().lower()] = text
    return attributes


def product_from_record(
    record: Mapping[str, object], *, max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES
) -> Product:
    """Validate one record (canonical names; values str or JSON scalars) and build the Product."""
    sku = _text(record, "sku")
    _check_sizes(record, max_field_bytes, sku or None)
    if not sku:
        raise RowProblem("missing SKU")
    if len(sku) > MAX_SKU_CHARS:
        raise RowProblem(f"SKU longer than {MAX_SKU_CHARS} characters")
    if _SCIENTIFIC.match(sku):
        raise RowProblem(
            f"SKU {sku!r} is a long number a spreadsheet turned into scientific notation (digits are lost); "
            "format the SKU column as Text and export again"
        )
    if _DATE.match(sku):
        raise RowProblem(
            f"SKU {sku!r} looks like a date a spreadsheet made from the SKU; format the SKU column as Text "
            "and export again"
        )
    title = _one_line(record, "title")
    if not title:
        raise RowProblem("missing title", sku)
    attributes = _attributes(record)
    _check_sizes({f"attr_{name}": value for name, value in attributes.items()}, max_field_bytes, sku)
    return Product(
        sku=sku,
        title=title,
        brand=_one_line(record, "brand"),
        category="/".join(level.strip() for level in _one_line(record, "category").split("/")),
        price=_price(
            _text(record, "price"),
            sku,
            _currency(_text(record, "currency"), sku) if _text(record, "currency") else "",
        ),
        currency=_priced_currency(record, sku),
        stock=_stock(_text(record, "stock"), sku),
        description=_text(record, "description"),
        image_url=_text(record, "image_url"),
        url=_text(record, "url"),
        tags=_tags(record.get("tags")),
        attributes=attributes,
    )
