"""Robust CSV record reading: physical line numbers, bad bytes and broken quoting per record.

The whole file is decoded with `surrogateescape`, so one row of invalid UTF-8 is caught when that
record is checked and the rest of the file still loads. The stdlib `csv` reader runs in strict mode;
when a record is broken (bad quote, unterminated quote swallowing the file, wrong field count across
lines) it is reported at the physical line where it starts, and parsing restarts on the next line.
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import CatalogFormatError

# Far above any accepted field, so the csv module never stops first; huge fields are reported per row.
_CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CsvRecord:
    """One parsed record, or the reason it could not be parsed (then `fields` is empty)."""

    line: int
    fields: list[str]
    problem: str | None = None
    blank: bool = False  # a row with no value at all (",,,," from a spreadsheet): skipped, only counted


def read_text(path: Path) -> tuple[str, str]:
    """Read a text catalog as (text, encoding): refuse binary/empty files, drop a UTF-8 BOM.

    UTF-8 is the format; bad bytes are kept as surrogates so only their rows are rejected. A file that is mostly
    not UTF-8 but valid GB18030 (what Excel on Chinese Windows saves) is read as GB18030 instead.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogFormatError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise CatalogFormatError(f"{path}: the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogFormatError(f"{path}: the file is UTF-16; save it as UTF-8")
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        raise CatalogFormatError(f"{path}: this is a binary file, not a CSV/JSON catalog")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_not_utf8(data):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", "surrogateescape"), "utf-8"


def _mostly_not_utf8(data: bytes) -> bool:
    """True when most lines with non-ASCII bytes are invalid UTF-8 (one bad row in a UTF-8 file is not enough)."""
    bad = total = 0
    for line in data.splitlines():
        if line.isascii():
            continue
        total += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
    return total > 0 and bad * 2 > total


def has_bad_bytes(values: list[str]) -> bool:
    """True when any value carries undecodable bytes (surrogates from `surrogateescape`)."""
    for value in values:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def sniff_delimiter(header_line: str) -> str:
    """Comma unless the header clearly uses tabs or semicolons instead."""
    for candidate in ("\t", ";"):
        if candidate in header_line and "," not in header_line:
            return candidate
    return ","


def split_lines(text: str) -> list[str]:
    """Physical lines with their endings (\\n, \\r\\n or \\r), as the csv module wants them."""
    return list(io.StringIO(text, newline=""))


def iter_records(lines: list[str], *, delimiter: str, width: int, start: int = 0) -> Iterator[CsvRecord]:
    """Yield records from `lines[start:]`; line numbers are 1-based physical lines of the file."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    position = start
    while position < len(lines):
        restart_at: int | None = None
        base = position
        reader = csv.reader(itertools.islice(lines, base, None), delimiter=delimiter, strict=True)
        consumed = 0  # lines consumed by the reader before the current record
        while True:
            record_start = base + consumed  # 0-based index of the record's first line
            try:
                fields = next(reader)
            except StopIteration:
                position = len(lines)
                break
            except csv.Error as exc:
                problem = _describe(str(exc))
                error_line = base + reader.line_num
                if error_line > record_start + 1 and "unterminated" not in problem:
                    problem = f"broken quoting: a quoted field opened here runs on to line {error_line}"
                yield CsvRecord(record_start + 1, [], problem)
                # Restart just after the record's first line, whatever the broken quote swallowed.
                restart_at = record_start + 1
                break
            spanned = reader.line_num - consumed
            consumed = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            if not any(field.strip() for field in fields):
                yield CsvRecord(
                    record_start + 1, [], blank=True
                )  # only delimiters: a spreadsheet's empty row
                continue
            if len(fields) != width and spanned > 1:
                yield CsvRecord(
                    record_start + 1,
                    [],
                    f"broken quoting: a quoted field runs over lines {record_start + 1}-"
                    f"{record_start + spanned}",
                )
                restart_at = record_start + 1
                break
            yield CsvRecord(record_start + 1, fields)
        if restart_at is None:
            return
        position = restart_at


def _describe(message: str) -> str:
    if "unexpected end of data" in message:
        return "broken quoting: unterminated quoted field"
    if "field larger than field limit" in message:
        return "huge field (larger than the CSV field limit)"
    if "expected after" in message:
        return "broken quoting: text right after a closing quote (double a quote inside a quoted field)"
    return f"broken quoting: {message}"
