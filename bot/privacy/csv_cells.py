"""CSV cells that a spreadsheet will not execute: the one neutraliser every CSV writer of Xiaoer uses.

Why: a customer message `=HYPERLINK("http://evil", "click")` or a catalog brand `+cmd|' /C calc'!A0` lands in
`unanswered.csv` or `xiaoer copy --out x.csv`, and Excel/LibreOffice run it as a formula when the file is
opened (CSV injection). OWASP's rule: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text and never evaluate. Numbers stay numbers
(`-5` is a number, not a formula). `restore_cell` undoes it when Xiaoer reads its own file back.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def safe_cell(value: object) -> object:
    """The value to write: strings starting with a formula character get a leading `'`; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """`safe_cell` over a row (for `csv.writer.writerow`)."""
    return [safe_cell(value) for value in values]


def restore_cell(value: str) -> str:
    """The original text of a cell `safe_cell` wrote (reading our own CSV back)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) and not _is_number(value[1:]):
        return value[1:]
    return value
