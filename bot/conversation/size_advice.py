"""Body measurements → sizes ("身高175体重70穿什么码", "头围58cm戴什么码", "I'm 180cm and 75kg, which size?"),
answered from the size chart a product's own description gives ("头围S:51-55，M:55-59", "R尺码适合身高170-189cm"),
never from a returns bullet and never with a size the catalog does not back.

Pure functions over catalog values: the measurements a message gives, the chart a description gives, and which of
the chart's sizes a measurement falls in. Lengths are in centimetres, weights in kilograms (斤 ÷ 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.conversation.intents import SIZE_ADVICE_RX
from knowledge.models import Product

# the body measure a word names; English words for the customer's side only (the charts here are Chinese)
MEASURE_WORDS = {
    "身高": "height",
    "头围": "head",
    "胸围": "chest",
    "腰围": "waist",
    "臀围": "hip",
    "脚长": "foot",
    "手掌围": "hand",
    "掌围": "hand",
    "体重": "weight",
    "height": "height",
    "head": "head",
    "chest": "chest",
    "waist": "waist",
    "hips": "hip",
    "foot": "foot",
    "weight": "weight",
}
_WORDS = "|".join(sorted(MEASURE_WORDS, key=len, reverse=True))
_NUM = r"(\d+(?:\.\d+)?)"
_UNITS = r"(cm|厘米|公分|kg|公斤|斤|米|m)"
_NAMED = re.compile(rf"({_WORDS})\s*(?:是|有|大概|大约|约|[:：]|is|of)?\s*{_NUM}\s*{_UNITS}?", re.I)
_METRE = re.compile(r"(?<![\d.])1\s*米\s*([4-9]\d?)(?!\d)|(?<![\d.])(1\.\d{1,2})\s*(?:m|米)(?![a-z])", re.I)
_BARE = re.compile(rf"(?<![\d.]){_NUM}\s*(cm|厘米|公分|kg|公斤|斤)(?![a-z])", re.I)
_SIZE_ASK = re.compile(r"码|号|尺寸|\bsizes?\b", re.I)
_RANGE = re.compile(rf"{_NUM}\s*(?:-|–|~|～|至|到)\s*{_NUM}\s*(cm|厘米|kg|公斤)?", re.I)
_LABEL_BEFORE = re.compile(r"(?<![A-Za-z])(X{0,3}[SML]|XS|[A-Z]|均码)\s*[:：]?\s*$")
_LABEL_FITS = re.compile(r"(?<![A-Za-z])([A-Z]{1,3}号?|均码)\s*(?:尺码|码)?\s*适合")


@dataclass(frozen=True)
class Measure:
    """One body measurement: `kind` (height, head, chest, waist, hip, foot, hand, weight) and its value in cm/kg."""

    kind: str
    value: Decimal


@dataclass(frozen=True)
class ChartEntry:
    """One line of a description's size chart: `label` ("M"; "" when the range is the whole product's) fits
    `kind` from `low` to `high` (cm or kg)."""

    label: str
    kind: str
    low: Decimal
    high: Decimal

    def holds(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


def _value(number: str, unit: str) -> Decimal:
    value = Decimal(number)
    unit = unit.lower()
    if unit == "斤":
        return value / 2
    if unit in ("米", "m") and value < 3:
        return value * 100
    return value


def measurements(text: str) -> list[Measure]:
    """The body measurements `text` gives, in order: named ones ("身高175", "头围58cm", "weight 75kg"), a height
    in metres ("1米75", "1.75m"), then bare ones by their unit ("180cm" → height, "75kg"/"150斤" → weight)."""
    found: dict[str, Measure] = {}
    taken: list[tuple[int, int]] = []
    for m in _NAMED.finditer(text):
        kind = MEASURE_WORDS[m.group(1).lower()]
        found.setdefault(kind, Measure(kind, _value(m.group(2), m.group(3) or "")))
        taken.append(m.span())
    for m in _METRE.finditer(text):
        if "height" not in found:
            cm = Decimal(100 + int(m.group(1).ljust(2, "0"))) if m.group(1) else Decimal(m.group(2)) * 100
            found["height"] = Measure("height", cm)
        taken.append(m.span())
    for m in _BARE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        unit = m.group(2).lower()
        value = _value(m.group(1), unit)
        kind = "weight" if unit in ("kg", "公斤", "斤") else "height" if 100 <= value <= 230 else ""
        if kind and kind not in found:
            found[kind] = Measure(kind, value)
    return list(found.values())


def asks_size_advice(text: str) -> bool:
    """The message asks which size to choose: a size-advice phrase ("穿什么码", "which size"), or a body
    measurement beside a size word ("头围58cm戴什么码", "脚长26cm要几号")."""
    return bool(SIZE_ADVICE_RX.search(text)) or (bool(measurements(text)) and bool(_SIZE_ASK.search(text)))


def size_chart(description: str) -> list[ChartEntry]:
    """The size chart a description gives: each range after a measure word ("头围S:51-55，M:55-59" → S head 51–55,
    M head 55–59; "R尺码适合身高170-189cm" → R height 170–189; "头围54-61cm均码" → 均码 head 54–61; "适合身高
    110-180cm" → the whole product). A range with no measure word before it in its sentence is no chart line."""
    entries: list[ChartEntry] = []
    for sentence in re.split(r"[。；;\n]", description):
        kind = ""
        for clause in re.split(r"[，,、]", sentence):
            for m in _RANGE.finditer(clause):
                before = clause[: m.start()]
                named = [w for w in MEASURE_WORDS if w in before and not w.isascii()]
                if named:
                    kind = MEASURE_WORDS[max(named, key=before.rfind)]
                if not kind or (kind == "weight" and "承重" in before):
                    continue
                label_m = _LABEL_BEFORE.search(before) or _LABEL_FITS.search(before)
                label = label_m.group(1) if label_m else ""
                if not label and clause[m.end() :].lstrip().startswith("均码"):
                    label = "均码"
                low, high = Decimal(m.group(1)), Decimal(m.group(2))
                if low < high:
                    entries.append(ChartEntry(label, kind, low, high))
    return entries


@dataclass(frozen=True)
class SizeAdvice:
    """What the catalog says about one product's size for the measurements given: `fits` (the chart lines the
    measurements fall in), `chart` (its lines for the measures given, or all of them when none match a measure),
    `misses` (a measured kind the chart covers but no line holds)."""

    product: Product
    fits: tuple[ChartEntry, ...]
    chart: tuple[ChartEntry, ...]
    misses: tuple[Measure, ...]


def advise(product: Product, measures: Sequence[Measure]) -> SizeAdvice:
    """The size advice the catalog backs for `product` and `measures` (see `SizeAdvice`)."""
    chart = size_chart(product.description)
    kinds = {m.kind for m in measures}
    relevant = [e for e in chart if e.kind in kinds] or chart
    fits: list[ChartEntry] = []
    misses: list[Measure] = []
    for measure in measures:
        lines = [e for e in chart if e.kind == measure.kind]
        held = [e for e in lines if e.holds(measure.value)]
        fits.extend(held)
        if lines and not held:
            misses.append(measure)
    return SizeAdvice(product, tuple(fits), tuple(relevant), tuple(misses))


def _unit(kind: str) -> str:
    return "kg" if kind == "weight" else "cm"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _line(entry: ChartEntry) -> str:
    span = f"{_number(entry.low)}-{_number(entry.high)}{_unit(entry.kind)}"
    return f"{entry.label} {span}" if entry.label else span


def compose(
    advices: Sequence[SizeAdvice],
    measures: Sequence[Measure],
    lang: str,
    say: Callable[..., str],
    sizes: Callable[[Product], list[str]],
) -> tuple[str, bool]:
    """The reply for `advices` (one paragraph per product) and whether a person should be offered: every product
    the chart does not settle (no chart, a measurement outside it, a chart by another measure) says so plainly.
    `say(key, lang, **values)` renders replies.yaml; `sizes(product)` lists its size attribute's values."""
    names = dict(pair.split("=", 1) for pair in say("size_measure_names", lang).split("|"))
    sep = ", " if lang == "en" else "，"
    given = {m.kind: m for m in measures}
    lines: list[str] = []
    unsettled = False
    for a in advices:
        title = a.product.title
        if a.fits:
            for entry in a.fits:
                m = given[entry.kind]
                values = {
                    "title": title,
                    "measure": names.get(entry.kind, entry.kind),
                    "range": _line(ChartEntry("", entry.kind, entry.low, entry.high)),
                    "value": f"{_number(m.value)}{_unit(m.kind)}",
                    "label": entry.label,
                }
                key = "size_advice_fit" if entry.label else "size_advice_fit_whole"
                lines.append(say(key, lang, **values))
        for m in a.misses:
            chart = [e for e in a.chart if e.kind == m.kind]
            lines.append(
                say(
                    "size_advice_miss",
                    lang,
                    title=title,
                    measure=names.get(m.kind, m.kind),
                    chart=sep.join(map(_line, chart)),
                    value=f"{_number(m.value)}{_unit(m.kind)}",
                )
            )
            unsettled = True
        if a.fits or a.misses:
            continue
        unsettled = True
        if a.chart:  # a chart by another measure (head size when a height was given), or no measurement given
            kinds = "/".join(dict.fromkeys(names.get(e.kind, e.kind) for e in a.chart))
            listed = sep.join(map(_line, a.chart))
            lines.append(say("size_advice_chart", lang, title=title, measure=kinds, chart=listed))
        elif offered := sizes(a.product):
            lines.append(say("size_advice_no_chart", lang, title=title, sizes=" / ".join(offered)))
        else:
            lines.append(say("size_advice_no_sizes", lang, title=title))
    if unsettled:
        lines.append(say("size_advice_human", lang))
    return "\n".join(lines), unsettled
