"""Size claims about a named product, checked against the sizes its catalog row lists.

"The UNIQLO U tee also comes in 3XL" when its `size` attribute is S;M;L;XL;XXL, or "The Align pants come in size
12" when they list 2;4;6;8;10, offers a variant that does not exist — the size twin of `variants` (colours). A
sentence that names products may state only sizes one of them lists: letter sizes (XS, XL, XXL, 3XL …) are read
when a product lists letter sizes, numbered sizes ("42 码", "size 46") when a product lists numbers. A size the
sentence denies ("没有 3XL", "there's no 42") claims nothing; a product whose sizes are no plain letters or numbers
("150x200cm", "20寸", "均码") is not judged.

`wrong_sizes(sentence, products)` returns the size phrases of a sentence that none of the products lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import regex

from knowledge.models import Product

_LETTER = regex.compile(r"(?<![A-Za-z0-9])(?:[2-9]\s?XL|X{1,4}L|X{1,3}S)(?![A-Za-z])", regex.I)
_NUMBERED = regex.compile(
    r"(?<![\d.])(\d{1,3}(?:\.5)?)\s*(?:码|號|号码)|\bsizes?\s+(\d{1,3}(?:\.5)?)(?![\d.]|\s*(?:cm|mm|in|inch))",
    regex.I,
)
_LETTER_VALUE = regex.compile(r"^(?:[2-9]XL|X{0,4}[SML]|X{1,4}L|X{1,3}S)$", regex.I)
_NUMBER_VALUE = regex.compile(r"^\d{1,3}(?:\.5)?$")
# a denial shortly before the size: "没有 3XL", "no 42", "isn't available in XS"
_DENIED = regex.compile(
    r"(?:没有|沒有|没|无|無|不是|不出|暂无|缺|\bno\b|\bnot\b|n't|\bnever\b|\bwithout\b)[^。！？!?；;，,]{0,12}$",
    regex.I,
)


def _norm(value: str) -> str:
    return regex.sub(r"\s+", "", value).upper()


def _listed(products: Iterable[Product]) -> tuple[set[str], set[Decimal]]:
    letters: set[str] = set()
    numbers: set[Decimal] = set()
    for product in products:
        raw = product.attributes.get("size")
        if not raw:
            continue
        values = [v.strip() for v in str(raw).split(";") if v.strip()]
        if values and all(_LETTER_VALUE.match(v) for v in values):
            letters |= {_norm(v) for v in values}
        elif values and all(_NUMBER_VALUE.match(v) for v in values):
            numbers |= {Decimal(v) for v in values}
    return letters, numbers


def wrong_sizes(sentence: str, products: Iterable[Product]) -> list[str]:
    """The size phrases of `sentence` that none of `products` (the products it is about) lists — empty when
    they list no plain sizes or every size said is theirs or denied."""
    if _LETTER.search(sentence) is None and _NUMBERED.search(sentence) is None:
        return []
    letters, numbers = _listed(products)
    wrong = []
    if letters:
        for m in _LETTER.finditer(sentence):
            if _norm(m.group(0)) not in letters and not _DENIED.search(sentence, 0, m.start()):
                wrong.append(m.group(0))
    if numbers:
        for m in _NUMBERED.finditer(sentence):
            try:
                value = Decimal(m.group(1) or m.group(2))
            except InvalidOperation:
                continue
            if value not in numbers and not _DENIED.search(sentence, 0, m.start()):
                wrong.append(m.group(0))
    return wrong
