"""What the customer rules out: "不要李宁的", "除了手表", "兰蔻和海蓝之谜就算了", "别推碳板的", "black, but not Nike",
"不是入耳式的", "电饭煲不用看了" — brands, categories, colours and other catalog words, removed from results.

A negation cue marks a span (after 不要/别/除了/不是/not/except/without, before 就算了/不用看了/不要了); the span is
read with the same query parser as the rest, so what it names comes out in the catalog's own spelling. The
knowledge layer's parser is learning the same (issue 12, `QueryFilters.exclude_*`); this module is the
conversation layer's seam until then and reads those fields when they exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from knowledge.facets import colour_forms
from knowledge.models import ParsedQuery, Product

_BEFORE = re.compile(
    r"(?:不要|不想要|别推|别给我推|别要|别给我看|除了|不是|排除|不含|不考虑)\s*(?:要|推荐|看)?\s*([^，,。！？!?\s]{1,16}?)(?=的|，|,|。|！|？|\?|$|\s|以外|之外|还有|也不要)",
)
_AFTER = re.compile(r"([^，,。！？!?\s]{1,16}?)\s*(?:就算了|不用看了|不用了|不要了|不考虑|除外|pass)")
_EN = re.compile(
    r"\b(?:not|except|without|no|excluding|other than|anything but)\s+((?:[A-Za-z0-9][\w'-]*)(?:\s+(?:and|or|,)?\s*[A-Za-z0-9][\w'-]*){0,3})",
    re.I,
)
_AND = re.compile(r"和|跟|与|、|,|，|\band\b|\bor\b|也不要|也", re.I)


class QueryParsing(Protocol):
    def parse(self, text: str) -> ParsedQuery: ...


@dataclass(frozen=True)
class Exclusions:
    """Values ruled out, in the catalog's spelling where the parser recognised them."""

    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # attribute values (colours, sizes)
    terms: tuple[str, ...] = ()  # other words matched in titles, tags and attribute values

    def is_empty(self) -> bool:
        return not (self.brands or self.categories or self.values or self.terms)

    def merged(self, other: Exclusions) -> Exclusions:
        def join(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys([*a, *b]))

        return Exclusions(
            join(self.brands, other.brands),
            join(self.categories, other.categories),
            join(self.values, other.values),
            join(self.terms, other.terms),
        )

    def rejects(self, product: Product) -> bool:
        """True when the product has an excluded brand, category, attribute value or word."""
        if product.brand and product.brand in self.brands:
            return True
        if any(c and c in product.category for c in self.categories):
            return True
        values = [v.strip().lower() for raw in product.attributes.values() for v in re.split(r"[;；]", raw)]
        if self.values and _only_values(product, self.values):
            return True
        text = " ".join([product.title, *product.tags, *values]).lower()
        return any(term.lower() in text for term in self.terms)

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items() if v}

    @classmethod
    def from_json(cls, data: object) -> Exclusions:
        if not isinstance(data, dict):
            return cls()
        return cls(
            **{
                k: tuple(str(x) for x in data.get(k) or ())
                for k in ("brands", "categories", "values", "terms")
            }
        )


def _only_values(product: Product, values: tuple[str, ...]) -> bool:
    """A colour/size exclusion rejects a product only when every option it comes in is excluded
    ("不要白色的" keeps a charger that also comes in black)."""
    wanted = {form.lower() for v in values for form in colour_forms(v)}
    for raw in product.attributes.values():
        options = [v.strip().lower() for v in re.split(r"[;；]", raw) if v.strip()]
        if options and any(o in wanted for o in options):
            return all(o in wanted for o in options)
    return False


def _spans(text: str) -> list[tuple[int, int, int, int]]:
    """(span start, span end, match start, match end): the ruled-out words and their whole cue."""
    spans = [(*m.span(1), *m.span()) for rx in (_BEFORE, _AFTER, _EN) for m in rx.finditer(text)]
    return sorted(spans)


def exclusions_in(text: str, parser: QueryParsing | None) -> tuple[Exclusions, str]:
    """(what the message rules out, the message with the ruled-out spans blanked for the positive parse)."""
    spans = _spans(text)
    if not spans or parser is None:
        return Exclusions(), text
    found = Exclusions()
    positive = text
    for start, end, cue_start, cue_end in spans:
        span = text[start:end]
        for part in (p for p in _AND.split(span) if p and p.strip()):
            parsed = parser.parse(part)
            f = parsed.filters
            brands = (f.brand,) if f.brand else ()
            categories = (f.category.split("/")[-1],) if f.category and not brands else ()
            values = tuple(v for k, v in f.attributes.items() if k in ("color", "size", "type"))
            terms: tuple[str, ...] = ()
            if not (brands or categories or values):
                terms = tuple(k for k in parsed.keywords if len(k) >= 2)[:2]
            found = found.merged(Exclusions(brands, categories, values, terms))
        positive = positive[:cue_start] + " " * (cue_end - cue_start) + positive[cue_end:]
    return found, positive
