"""Identity numbers the redactor's plain patterns miss, and product barcodes it must not take for order numbers.

Check digits come from python-stdnum (`stdnum.cn.ric` for mainland resident IDs, GB 11643-1999: check digit and
birth date;
`stdnum.us.ssn` for US social security numbers; `stdnum.ean` for EAN-13/UPC/EAN-8 barcodes) rather than hand
arithmetic. Found here (issue 13 §2, held-out set 3 in tests/data/pii_formats_3.yaml):

- a mainland ID written in groups, "440301 19900101 1230" / "440301-1990-0101-1230": 18 characters once the
  separators go, and a valid check digit (grouped digits are otherwise a phone, a card or an order number);
- an ID after its name whatever its country's format: "身分證字號 A123456789" (Taiwan), "香港身份證 A123456(7)"
  (Hong Kong), "ID card no. X1234567" — the cue is required, a bare A123456789 may be a model number;
- a US social security number after "SSN" / "social security", or bare in its dashed 3-2-4 form when stdnum
  accepts it;
- a barcode after its label ("条码 4548736132580", "EAN 5901234123457", "ISBN 9787020002207"), or a bare ISBN-13,
  with a valid check digit: a product code, kept as written even where bare long digit runs are redacted as
  order numbers.
"""

from __future__ import annotations

import re

from stdnum import ean
from stdnum.cn import ric
from stdnum.us import ssn

CN_ID = "[id-number]"

_GROUPED_CN_ID = re.compile(r"(?<![\w-])\d{6}(?:[\s-]?\d){11}[\s-]?[\dXx](?![\w-])")
_ID_CUE = (
    r"身份证|身份證|身分證|身分证|居民身份证|香港身份证|香港身份證|澳门身份证|澳門身份證|台胞证|台胞證|"
    r"hkid|id\s*card|identity\s*card|national\s*id|id\s*number"
)
_LABELLED_ID = re.compile(
    rf"(?i)((?:{_ID_CUE})\s*(?:字号|字號|号码|號碼|号|號|no\.?|number|#)?\s*(?:是|為|为|is)?\s*[:：]?\s*)"
    r"[A-Z]{1,2}\d{6,9}(?:\s*\(\s*[0-9A]\s*\)|[0-9A])?(?![\w(])"
)
_SSN_CUE = re.compile(
    r"(?i)(\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|:|#)?\s*)\d{3}[\s-]?\d{2}[\s-]?\d{4}(?!\d)"
)
_BARE_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_BARCODE_LABEL = re.compile(
    r"(?i)(?:条码|条形码|條碼|條形碼|商品码|商品碼|ean(?:-?1[34]|-?8)?|upc|gtin|isbn(?:-?1[03])?|barcode)"
    r"\s*(?:号|號|是|为|:|：|#|no\.?)?\s*[:：]?\s*$"
)


def _cn_id_checks(compact: str) -> bool:
    """The GB 11643 check digit holds and the birth date is a date (stdnum.cn.ric). The region code is not
    looked up: stdnum's table misses some districts (510107), and a customer's ID is theirs whatever its region."""
    try:
        ric.get_birth_date(compact)
    except ValueError:
        return False
    return ric.calc_check_digit(compact) == compact[-1].upper()


def _grouped_id(match: re.Match[str]) -> str:
    compact = re.sub(r"[\s-]", "", match.group(0))
    return CN_ID if len(compact) == 18 and _cn_id_checks(compact) else match.group(0)


def _bare_ssn(match: re.Match[str]) -> str:
    return CN_ID if ssn.is_valid(match.group(0)) else match.group(0)


def redact_identifiers(text: str) -> str:
    """`text` with grouped mainland IDs, labelled foreign IDs and US social security numbers replaced by
    `[id-number]` (the cue before a number stays)."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _GROUPED_CN_ID.sub(_grouped_id, text)
    text = _LABELLED_ID.sub(lambda m: f"{m.group(1)}{CN_ID}", text)
    text = _SSN_CUE.sub(lambda m: f"{m.group(1)}{CN_ID}", text)
    return _BARE_SSN.sub(_bare_ssn, text)


def is_labelled_barcode(text: str, start: int, digits: str) -> bool:
    """True when `digits` (found at `start` of `text`) has a valid EAN/UPC/ISBN-13 check digit and either follows
    a barcode label or is an ISBN-13 (978/979, the "Bookland" prefix: "…出版社9787118062496" in a book's title)
    — a product code, not an order number."""
    if not ean.is_valid(digits):
        return False
    return (len(digits) == 13 and digits.startswith(("978", "979"))) or bool(
        _BARCODE_LABEL.search(text[max(0, start - 16) : start])
    )
