"""Conversation evaluation cases: the YAML format of `tests/data/conversations.yaml`, read into typed values.

Why typed: a misspelt check key would otherwise be ignored and a case would pass without checking anything,
so unknown keys, unknown categories and malformed turns fail loudly with the case's id.
The file's first comment line fixes the evaluation clock (`# eval clock: 2026-11-30T12:00:00+08:00`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from knowledge.yaml_data import load_yaml

CLOCK_LINE = re.compile(r"^#\s*eval clock:\s*(\S+)", re.IGNORECASE)
EXPECT_KEYS = frozenset(
    {
        "skus_any",
        "skus_all",
        "top_sku",
        "skus_none",
        "only_categories",
        "no_products",
        "max_price",
        "min_price",
        "policy",
        "handoff",
        "handoff_opened",
        "says_unknown",
        "contains_any",
        "contains_all",
        "not_contains",
        "script",
        "order_fact",
    }
)
CASE_KEYS = frozenset({"id", "category", "lang", "turns", "expect", "note"})
TURN_KEYS = frozenset({"text", "callback", "user"})
SCRIPTS = frozenset({"hans", "hant", "en"})
DEFAULT_USER = "u1"


class CaseFormatError(ValueError):
    """The cases file is not in the documented format; the message names the case."""


@dataclass(frozen=True)
class Money:
    """A price bound of a check: an exact amount in one currency."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class CaseTurn:
    """One customer action: typed text, or a button press (`d:<SKU>` details, `s:<SKU>` similar)."""

    text: str = ""
    callback: str | None = None
    user: str = DEFAULT_USER


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    status: str


@dataclass(frozen=True)
class Expect:
    """The checks on the last reply (every given check must hold; see the file header for their meaning)."""

    skus_any: tuple[str, ...] = ()
    skus_all: tuple[str, ...] = ()
    top_sku: str | None = None
    skus_none: tuple[str, ...] = ()
    only_categories: tuple[str, ...] = ()
    no_products: bool = False
    max_price: Money | None = None
    min_price: Money | None = None
    policy: tuple[str, ...] = ()
    handoff: bool | None = None
    handoff_opened: bool | None = None  # True: this turn opened a human request; False: it must not
    says_unknown: bool = False
    contains_any: tuple[str, ...] = ()
    contains_all: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    script: str | None = None
    order_fact: OrderFact | None = None

    def asked_skus(self) -> frozenset[str]:
        """The products the customer asked about (a price or stock claim about another one is wrong)."""
        return frozenset(filter(None, (self.top_sku, *self.skus_all)))


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    lang: str
    turns: tuple[CaseTurn, ...]
    expect: Expect
    note: str = ""

    @property
    def needs_orders(self) -> bool:
        """Order cases (issue 14): order status, and after-sales questions about a given order."""
        return self.category == "order_status" or self.expect.order_fact is not None

    @property
    def is_group(self) -> bool:
        """Several customers write in one (group) chat."""
        return len({turn.user for turn in self.turns}) > 1


@dataclass(frozen=True)
class CaseFile:
    clock: datetime  # timezone-aware "now" for the whole run
    cases: tuple[Case, ...]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise CaseFormatError(f"{where}: expected a string or a list of strings, got {value!r}")


def _money(value: Any, where: str) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
        raise CaseFormatError(f"{where}: expected {{amount, currency}}, got {value!r}")
    try:
        return Money(Decimal(str(value["amount"])), str(value["currency"]).upper())
    except InvalidOperation as exc:
        raise CaseFormatError(f"{where}: bad amount {value['amount']!r}") from exc


def _turn(value: Any, where: str) -> CaseTurn:
    if isinstance(value, str):
        return CaseTurn(text=value)
    if not isinstance(value, dict) or set(value) - TURN_KEYS or not ({"text", "callback"} & set(value)):
        raise CaseFormatError(
            f"{where}: a turn is a string or a mapping with text or callback, got {value!r}"
        )
    return CaseTurn(
        text=str(value.get("text") or ""),
        callback=str(value["callback"]) if value.get("callback") else None,
        user=str(value.get("user") or DEFAULT_USER),
    )


def _expect(value: Any, where: str) -> Expect:
    if not isinstance(value, dict):
        raise CaseFormatError(f"{where}: 'expect' must be a mapping")
    unknown = set(value) - EXPECT_KEYS
    if unknown:
        raise CaseFormatError(f"{where}: unknown checks {sorted(unknown)}")
    script = value.get("script")
    if script is not None and script not in SCRIPTS:
        raise CaseFormatError(f"{where}: script must be one of {sorted(SCRIPTS)}")
    fact = value.get("order_fact")
    if fact is not None and (not isinstance(fact, dict) or set(fact) != {"order_id", "status"}):
        raise CaseFormatError(f"{where}: order_fact must be {{order_id, status}}")
    handoff = value.get("handoff")
    opened = value.get("handoff_opened")
    return Expect(
        skus_any=_strings(value.get("skus_any"), where),
        skus_all=_strings(value.get("skus_all"), where),
        top_sku=str(value["top_sku"]) if value.get("top_sku") else None,
        skus_none=_strings(value.get("skus_none"), where),
        only_categories=_strings(value.get("only_categories"), where),
        no_products=bool(value.get("no_products")),
        max_price=_money(value.get("max_price"), where),
        min_price=_money(value.get("min_price"), where),
        policy=_strings(value.get("policy"), where),
        handoff=None if handoff is None else bool(handoff),
        handoff_opened=None if opened is None else bool(opened),
        says_unknown=bool(value.get("says_unknown")),
        contains_any=_strings(value.get("contains_any"), where),
        contains_all=_strings(value.get("contains_all"), where),
        not_contains=_strings(value.get("not_contains"), where),
        script=script,
        order_fact=OrderFact(str(fact["order_id"]), str(fact["status"])) if fact else None,
    )


def parse_clock(first_line: str) -> datetime:
    """The `# eval clock: <ISO 8601>` line → an aware datetime (a naive time is taken as UTC)."""
    match = CLOCK_LINE.match(first_line.strip())
    if not match:
        raise CaseFormatError("the first line must be '# eval clock: <ISO 8601 time>'")
    try:
        moment = datetime.fromisoformat(match.group(1))
    except ValueError as exc:
        raise CaseFormatError(f"bad eval clock {match.group(1)!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_cases(path: Path) -> CaseFile:
    """Read and validate a cases file; raises `CaseFormatError` (or OSError) with the case id at fault."""
    text = Path(path).read_text(encoding="utf-8")
    clock = parse_clock(text.split("\n", 1)[0])
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CaseFormatError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise CaseFormatError(f"{path}: expected a non-empty list of cases")
    cases: list[Case] = []
    seen: set[str] = set()
    for n, raw in enumerate(data, 1):
        where = f"case {n}"
        if not isinstance(raw, dict) or set(raw) - CASE_KEYS or not {"id", "category", "turns"} <= set(raw):
            raise CaseFormatError(f"{where}: a case needs id, category, turns (keys {sorted(CASE_KEYS)})")
        where = f"case {raw['id']}"
        if raw["id"] in seen:
            raise CaseFormatError(f"{where}: duplicate id")
        seen.add(str(raw["id"]))
        turns = raw["turns"]
        if not isinstance(turns, list) or not turns:
            raise CaseFormatError(f"{where}: turns must be a non-empty list")
        cases.append(
            Case(
                id=str(raw["id"]),
                category=str(raw["category"]),
                lang=str(raw.get("lang") or "zh"),
                turns=tuple(_turn(t, where) for t in turns),
                expect=_expect(raw.get("expect") or {}, where),
                note=str(raw.get("note") or ""),
            )
        )
    return CaseFile(clock, tuple(cases))
