"""Catalog attributes as copy: each value phrased by its kind (duration, capacity, origin, size range …).

The kinds, their sentence themes and clause templates are data (`bot/prompts/copy/attributes.yaml`). This
module turns a product's attributes into `Fact`s and a fact into a Chinese clause (采用工程网眼布, 续航30小时,
产地云南勐海, 39–44码), a short bullet/title phrase, or an English clause (through the glossary). Shoe sizes
become a range (39–44码, with 不含42 when one is missing), a suffix the value already has is not repeated
(奶油味 + 口味 → 奶油味, 所有肤质 + 肤质 → 所有肤质), yes/no values state the attribute's name or nothing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

from bot.copywriting.glossary import Glossary, Translation, dedupe_words
from bot.domain.errors import PromptFileError
from knowledge.yaml_data import load_yaml

THEMES = ("look", "build", "spec", "fit", "use", "taste", "info")
YES = frozenset({"是", "有", "支持", "yes", "y", "true"})
NO = frozenset({"否", "无", "不支持", "no", "n", "false"})
LETTER_SIZES = ("XS", "S", "M", "L", "XL", "XXL", "XXXL")
_NUMERALS = "零一两三四五六七八九十"
_HAN = regex.compile(r"\p{Han}")
_LATIN = re.compile(r"[A-Za-z]")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_TEMPLATE_FIELDS = frozenset({"v", "n", "noun"})


@dataclass(frozen=True)
class Kind:
    """How one kind of attribute is stated (see the file header of attributes.yaml)."""

    name: str
    theme: str
    label: dict[str, str]
    zh: tuple[str, ...]
    en: tuple[str, ...]
    many: tuple[str, ...] = ()
    plain: tuple[str, ...] = ()
    short: tuple[str, ...] = ()
    noun: str = ""
    keep_if_ends: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)
    skip_no: bool = False
    unit: str = ""  # appended to a bare number (3 → 3件)


@dataclass(frozen=True)
class Fact:
    """One attribute of a product, ready to be phrased: its key, kind and catalog values."""

    key: str
    kind: Kind
    values: tuple[str, ...]

    @property
    def theme(self) -> str:
        return self.kind.theme


def _numeral(count: int) -> str:
    return _NUMERALS[count] if 0 <= count <= 10 else str(count)


def _ends_long(template: str) -> bool:
    return template.rstrip().endswith(("{v}", "{noun}"))


def _size_phrase(values: list[str], language: str) -> str:
    """Shoe sizes as a range (39–44码, 40–44码（不含42）), letter sizes S–XL, anything else listed."""
    if values and all(_NUMBER.match(v) for v in values):
        numbers = sorted({float(v) for v in values})
        whole = all(n == int(n) for n in numbers)
        shoe = all(30 <= n <= 50 for n in numbers)
        unit = "码" if shoe and language == "zh" else ""
        low, high = numbers[0], numbers[-1]
        missing = [n for n in range(int(low), int(high) + 1) if float(n) not in numbers] if whole else []
        if whole and len(numbers) >= 3 and len(missing) <= 2:
            span = f"{int(low)}–{int(high)}{unit}"
            if not missing:
                return span if language == "zh" else f"sizes {span}"
            gap = "、".join(str(n) for n in missing) if language == "zh" else ", ".join(map(str, missing))
            return f"{span}（不含{gap}）" if language == "zh" else f"sizes {span} (no {gap})"
        listed = ("、" if language == "zh" else ", ").join(f"{n:g}" for n in numbers)
        return f"{listed}{unit}" if language == "zh" else f"sizes {listed}"
    upper = [v.upper() for v in values]
    if len(upper) >= 3 and all(v in LETTER_SIZES or v == "3XL" for v in upper):
        ranks = sorted(LETTER_SIZES.index("XXXL" if v == "3XL" else v) for v in upper)
        if ranks == list(range(ranks[0], ranks[-1] + 1)):
            last = "3XL" if "3XL" in upper and ranks[-1] == 6 else LETTER_SIZES[ranks[-1]]
            span = f"{LETTER_SIZES[ranks[0]]}–{last}"
            return f"{span}码" if language == "zh" else f"sizes {span}"
    return ("、" if language == "zh" else ", ").join(values)


class AttributeBook:
    """Kinds by attribute key and the phrasing of facts (zh clauses, short phrases, English clauses)."""

    def __init__(
        self,
        keys: dict[str, list[tuple[re.Pattern[str] | None, str]]],
        kinds: dict[str, Kind],
        themes: dict[str, dict[str, tuple[str, ...]]],
        order: tuple[str, ...],
        units: tuple[tuple[re.Pattern[str], str], ...] = (),
    ) -> None:
        self.keys = keys
        self.kinds = kinds
        self.themes = themes
        self.order = order
        self.units = units

    @classmethod
    def load(cls, path: Path) -> AttributeBook:
        try:
            data: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read attribute kinds: {exc}") from exc
        kinds = {name: _kind(path, name, body) for name, body in (data.get("kinds") or {}).items()}
        if "feature" not in kinds:
            raise PromptFileError(f"{path}: a 'feature' kind is required (keywords of no known kind)")
        keys: dict[str, list[tuple[re.Pattern[str] | None, str]]] = {}
        for key, target in (data.get("keys") or {}).items():
            rules = target if isinstance(target, list) else [{"kind": target}]
            parsed = []
            for rule in rules:
                kind = str(rule.get("kind", ""))
                if kind not in kinds:
                    raise PromptFileError(f"{path}: key {key!r} names unknown kind {kind!r}")
                parsed.append((re.compile(rule["match"]) if rule.get("match") else None, kind))
            keys[str(key)] = parsed
        themes: dict[str, dict[str, tuple[str, ...]]] = {}
        for theme in THEMES:
            body = (data.get("themes") or {}).get(theme)
            if not isinstance(body, dict):
                raise PromptFileError(f"{path}: themes.{theme} is missing")
            themes[theme] = {
                part: tuple(map(str, body.get(part) or ("",))) for part in ("zh", "spoken", "shot", "en")
            }
        order = tuple(data.get("order") or THEMES)
        if set(order) != set(THEMES):
            raise PromptFileError(f"{path}: order must list the themes {THEMES}")
        units = []
        for rule in data.get("units") or ():
            if not isinstance(rule, dict) or str(rule.get("kind")) not in kinds or not rule.get("match"):
                raise PromptFileError(f"{path}: units entry {rule!r} needs a match and a known kind")
            units.append((re.compile(str(rule["match"])), str(rule["kind"])))
        return cls(keys, kinds, themes, order, tuple(units))

    def known(self, key: str, value: str = "") -> bool:
        """True when the book can phrase the attribute: a known key or kind, a unit it reads, or a Chinese key."""
        return (
            key in self.keys
            or key.lower() in self.keys
            or key in self.kinds
            or any(pattern.search(value) for pattern, _ in self.units)
            or bool(_HAN.search(key))
        )

    def kind_for(self, key: str, value: str = "") -> Kind:
        """The kind of an attribute key (a kind's own name works as a key: keyword-only copy uses it).

        A key of no known kind takes the kind its value's unit says (4000mAh → battery capacity); a Chinese
        key of no known kind is stated with its own name (作者：余华); anything else is a `feature`.
        """
        for pattern, kind in self.keys.get(key, self.keys.get(key.lower(), [])):
            if pattern is None or pattern.search(value):
                return self.kinds[kind]
        if key in self.kinds:
            return self.kinds[key]
        for pattern, kind in self.units:
            if pattern.search(value):
                return self.kinds[kind]
        if _HAN.search(key):
            return _named_kind(key, value)
        return self.kinds["feature"]

    def _named(self, key: str) -> bool:
        """True when the key itself says its kind (a listed key, a kind's name, or a Chinese name)."""
        return key in self.keys or key.lower() in self.keys or key in self.kinds or bool(_HAN.search(key))

    def _unit_guesses(self, attributes: dict[str, str]) -> set[str]:
        """Keys of no known name whose unit names a kind another key of the product already states by name:
        a `load` of 150kg beside `weight` 18kg is not a second weight, so it is not said as one."""
        named = {
            self.kind_for(key, first).name
            for key, raw in attributes.items()
            if self._named(key) and (first := raw.split(";")[0].strip())
        }
        return {
            key
            for key, raw in attributes.items()
            if not self._named(key)
            and (first := raw.split(";")[0].strip())
            and self.known(key, first)
            and self.kind_for(key, first).name in named
        }

    def facts(self, attributes: dict[str, str]) -> list[Fact]:
        """The product's attributes as facts, in catalog order; a 'no' of a yes/no kind is left out, and so
        is an attribute the book cannot phrase (`unknown_keys`)."""
        found = []
        guesses = self._unit_guesses(attributes)
        for key, raw in attributes.items():
            values = tuple(dict.fromkeys(v.strip() for v in raw.split(";") if v.strip()))
            if not values or not self.known(key, values[0]) or key in guesses:
                continue
            kind = self.kind_for(key, values[0])
            if kind.skip_no and all(v.lower() in NO for v in values):
                continue
            found.append(Fact(key, kind, values))
        return found

    def unknown_keys(self, attributes: dict[str, str]) -> list[str]:
        """Attribute keys with values that no kind, unit or Chinese name tells how to state (left out), and
        keys whose unit alone would make them a second value of a kind the product states by name."""
        guesses = self._unit_guesses(attributes)
        return [
            key
            for key, raw in attributes.items()
            if (values := [v.strip() for v in raw.split(";") if v.strip()])
            and (not self.known(key, values[0]) or key in guesses)
            and not all(v.lower() in NO for v in values)
        ]

    def label(self, key: str, language: str) -> str:
        """The attribute's name in a language (降噪 / noise cancelling), for bullets and the rubric."""
        kind = self.kind_for(key)
        return kind.label.get(language) or key

    # -- Chinese --------------------------------------------------------------------------------------------
    def _zh_values(self, fact: Fact, glossary: Glossary | None) -> list[str]:
        out = []
        for value in fact.values:
            if value.lower() in YES:
                out.append(fact.kind.values.get("yes") or fact.kind.label.get("zh", value))
                continue
            if value.lower() in NO:
                continue
            if glossary is not None and not _HAN.search(value):
                value = glossary.to_zh(value, fact.kind.name) or value
            value = fact.kind.values.get(value, value)
            if fact.kind.unit and _NUMBER.match(value):
                value += fact.kind.unit
            out.append(value)
        return out

    def value_zh(self, fact: Fact, glossary: Glossary | None = None) -> str:
        """The fact's values as one Chinese phrase (sizes as a range)."""
        values = self._zh_values(fact, glossary)
        if fact.kind.name == "size":
            return _size_phrase(values, "zh")
        return "、".join(values)

    def noun(self, fact: Fact, value: str) -> str:
        suffix = fact.kind.noun.replace("{v}", "")
        if not suffix or value.endswith(suffix) or value.endswith(fact.kind.keep_if_ends or ("\0",)):
            return value
        if value[-1] == suffix[-1]:
            return value  # 奶油味 + 口味
        if value[-1] == suffix[0]:
            return value + suffix[1:]  # 民族风 + 风格 → 民族风格, 圆领 + 领口 → 圆领口
        return value + suffix

    def clause(self, fact: Fact, rng: random.Random, glossary: Glossary | None = None) -> str:
        """One Chinese clause for the fact, chosen by `rng` among the kind's templates."""
        kind = fact.kind
        value = self.value_zh(fact, glossary)
        if not value:
            return ""
        count = len(self._zh_values(fact, glossary))
        plain = not re.search(r"[0-9A-Za-z]", value)
        templates = (kind.many if count > 1 and kind.many else ()) or (kind.plain if plain else ()) or kind.zh
        if len(value) > 10 or re.search(r"[（(\s]", value):
            templates = tuple(t for t in templates if _ends_long(t)) or templates
        template = templates[rng.randrange(len(templates))]
        return template.format(v=value, n=_numeral(count), noun=self.noun(fact, value))

    def short(self, fact: Fact, glossary: Glossary | None = None) -> str:
        """A short phrase for a bullet or a title (the kind's `short` template, else its first)."""
        value = self.value_zh(fact, glossary)
        if not value:
            return ""
        plain = not re.search(r"[0-9A-Za-z]", value)
        template = ((fact.kind.plain if plain else ()) or fact.kind.short or fact.kind.zh)[0]
        count = len(self._zh_values(fact, glossary))
        return template.format(v=value, n=_numeral(count), noun=self.noun(fact, value))

    # -- English --------------------------------------------------------------------------------------------
    def value_en(self, fact: Fact, glossary: Glossary) -> Translation:
        """The fact's values in English; `leftover` holds what the glossary could not translate."""
        words: list[str] = []
        leftover: list[str] = []
        for value in fact.values:
            if value.lower() in YES:
                words.append("yes")
                continue
            if value.lower() in NO:
                continue
            found = glossary.translate(value, fact.kind.name)
            words.append(found.text)
            leftover += found.leftover
        if fact.kind.name == "size":
            return Translation(_size_phrase(words, "en"), tuple(leftover))
        text = ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)
        return Translation(text, tuple(leftover))

    def clause_en(self, fact: Fact, rng: random.Random, glossary: Glossary) -> Translation:
        found = self.value_en(fact, glossary)
        if not found.text:
            return found
        if found.text == "yes":
            return Translation(fact.kind.label.get("en", fact.key))
        templates = fact.kind.en
        template = templates[rng.randrange(len(templates))]
        tail = template.split("{v}", 1)[-1].strip()
        if tail and tail.split()[0].lower() in found.text.lower().split():
            template = template.split("{v}", 1)[0] + "{v}"  # "for {v} skin" with "all skin types"
        clause = template.format(v=found.text, n=len(fact.values), noun=found.text)
        return Translation(dedupe_words(clause), found.leftover)


def _named_kind(key: str, value: str) -> Kind:
    """A Chinese attribute key of no known kind, stated with its own name (作者：余华; 可机洗 for 是)."""
    if value.lower() in YES:
        return Kind(
            f"named:{key}", "spec", {"zh": key}, ("{v}",), ("{v}",), values={"yes": key}, skip_no=True
        )
    return Kind(
        f"named:{key}",
        "spec",
        {"zh": key},
        (f"{key}：{{v}}", f"{key}为{{v}}"),
        ("{v}",),
        short=(f"{key}：{{v}}",),
    )


def _kind(path: Path, name: str, body: Any) -> Kind:
    if (
        not isinstance(body, dict)
        or body.get("theme") not in THEMES
        or not body.get("zh")
        or not body.get("en")
    ):
        raise PromptFileError(
            f"{path}: kind {name!r} needs a theme ({', '.join(THEMES)}), zh and en templates"
        )
    templates = {
        part: tuple(map(str, body.get(part) or ())) for part in ("zh", "en", "many", "plain", "short")
    }
    for part, items in templates.items():
        for template in items:
            used = {m for m in re.findall(r"{(\w*)}", template)}
            if not used <= _TEMPLATE_FIELDS:
                raise PromptFileError(
                    f"{path}: kind {name!r} {part} template {template!r} uses {sorted(used)}"
                )
    label = body.get("label") or {}
    return Kind(
        name=name,
        theme=str(body["theme"]),
        label={str(k): str(v) for k, v in label.items()},
        zh=templates["zh"],
        en=templates["en"],
        many=templates["many"],
        plain=templates["plain"],
        short=templates["short"],
        noun=str(body.get("noun", "")),
        keep_if_ends=tuple(map(str, body.get("keep_if_ends") or ())),
        values={str(k): str(v) for k, v in (body.get("values") or {}).items()},
        skip_no=bool(body.get("skip_no", False)),
        unit=str(body.get("unit", "")),
    )
