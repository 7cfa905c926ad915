"""What a product is made of, asked as a constraint: "要100%棉的", "含羊毛的T恤", "真皮的包", "stainless pots".

A material ask is a family (`resources/materials.yaml`: 棉, 羊毛, 真皮, 不锈钢 …, each with its zh/en spellings and
the look-alikes that are another material) and whether it must be pure ("100%棉", "纯棉", "pure cotton") or only
contained ("含羊毛", "wool blend"). A product is read from its material attribute, its title and its tags — the
places a listing states what it is made of (a description names things it goes with). The ask travels in
`QueryFilters.material` as its `value` ("纯棉", "羊毛") and is read back with `ask_from_value`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.models import Product
from knowledge.resources import RESOURCES_DIR, normalise_text
from knowledge.script import has_han
from knowledge.yaml_data import load_yaml

PURE_PREFIX = "纯"
# "100%棉", "纯棉", "全棉", "pure cotton", "100 percent cotton", "all-cotton"
_PURE_BEFORE = re.compile(r"(?:100\s*[%％]|百分之百|百分百|纯|全|pure\s+|100\s*percent\s+|all[-\s])\s*$")
# a single-character material word is a material only beside a cue: "纯棉/含棉/是棉的/棉质/棉材质"
_CUE_BEFORE = re.compile(r"(?:100\s*[%％]|百分之百|百分百|纯|全|含|要|是|用)\s*$")
_CUE_AFTER = re.compile(r"^\s*(?:的|质|材质|材料|面料|制|做的)")
_BLEND = re.compile(r"混纺|混|blend|[+＋;；/、&]|\band\b")


@dataclass(frozen=True)
class Material:
    name: str  # as replies say it, e.g. "棉"
    words: tuple[str, ...]  # lower-case spellings (zh + en)
    look_alikes: tuple[str, ...] = ()  # other materials that contain a word of this one (记忆棉, 素皮)


@dataclass(frozen=True)
class MaterialAsk:
    material: Material
    pure: bool  # "100%棉" / "纯棉" / "pure cotton": made only of it

    @property
    def value(self) -> str:
        """The ask as `QueryFilters.material` holds it: "纯棉", "羊毛"."""
        return (PURE_PREFIX if self.pure else "") + self.material.name


@cache
def materials() -> tuple[Material, ...]:
    """The material families of `resources/materials.yaml`, in file order (a more specific family first)."""
    data = load_yaml((RESOURCES_DIR / "materials.yaml").read_text(encoding="utf-8")) or []
    return tuple(
        Material(
            str(row["name"]),
            tuple(str(w).lower() for w in row["words"]),
            tuple(str(w).lower() for w in row.get("not", ())),
        )
        for row in data
    )


def _blank_words(text: str, words: tuple[str, ...]) -> str:
    for word in words:
        if word in text:
            text = text.replace(word, " " * len(word))
    return text


@cache
def _word_pattern(word: str) -> re.Pattern[str]:
    """The compiled search for one material spelling: Chinese anywhere, English on word boundaries (+ plural)."""
    if has_han(word):
        return re.compile(re.escape(word))
    return re.compile(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])")


def _find(text: str, word: str) -> list[int]:
    """Start offsets of `word` in lower-case `text`: English words on word boundaries, Chinese anywhere."""
    if word not in text:
        return []
    return [m.start() for m in _word_pattern(word).finditer(text)]


def material_asked(text: str) -> MaterialAsk | None:
    """The material a customer message asks for (the first one written), or None.

    `text` is the message as parsed (Simplified, any case). One-character words need a cue beside them
    ("纯棉", "棉质", "是竹的"); look-alikes (记忆棉, 素皮, 冰丝) are not the material they contain.
    """
    lowered = normalise_text(text).lower()
    found: list[tuple[int, int, Material, str]] = []  # (start, -length, family, word)
    for family in materials():
        cleaned = _blank_words(lowered, family.look_alikes)
        for word in family.words:
            for start in _find(cleaned, word):
                if len(word) == 1 and has_han(word):
                    before, after = cleaned[:start], cleaned[start + 1 :]
                    if not (_CUE_BEFORE.search(before) or _CUE_AFTER.search(after)):
                        continue
                found.append((start, -len(word), family, word))
    if not found:
        return None
    start, _, family, word = min(found, key=lambda f: (f[0], f[1]))
    pure = word.startswith(("纯", "全")) or bool(_PURE_BEFORE.search(lowered[:start]))
    return MaterialAsk(family, pure)


def ask_from_value(value: str) -> MaterialAsk | None:
    """A `QueryFilters.material` value ("纯棉", "羊毛") read back; None when it names no known family."""
    pure = value.startswith(PURE_PREFIX) and value != PURE_PREFIX
    name = value[len(PURE_PREFIX) :] if pure else value
    family = next((m for m in materials() if m.name == name), None)
    if family is None:
        family = next((m for m in materials() if m.name == value), None)
        pure = False
    return MaterialAsk(family, pure) if family is not None else None


def material_word(value: str) -> str:
    """The word to search for a `QueryFilters.material` value: its family's own name ("纯棉" → "棉")."""
    ask = ask_from_value(value)
    return ask.material.name if ask is not None else value


def material_words(value: str) -> frozenset[str]:
    """Every spelling of a `QueryFilters.material` value's family, with its pure forms ("纯棉", "100%棉")."""
    ask = ask_from_value(value)
    if ask is None:
        return frozenset()
    words = set(ask.material.words)
    words |= {f"{cue}{w}" for w in ask.material.words for cue in ("纯", "全", "100%", "pure ")}
    return frozenset(words)


def only_material(words: str) -> bool:
    """Whether `words` say nothing but a material ("304不锈钢", "100%棉", "cast iron"): no product's name."""
    lowered = normalise_text(words).lower()
    ask = material_asked(lowered)
    if ask is None:
        return False
    rest = _blank_words(lowered, tuple(sorted(ask.material.words, key=len, reverse=True)))
    return not re.sub(r"[\d\s%％/.+-]|的|纯|全|pure", "", rest)


def material_text(product: Product) -> tuple[str, str]:
    """(material attribute values, title + tags) of a product, lower-case: where a listing says what it is made
    of."""
    attrs = " ; ".join(
        str(v)
        for k, v in product.attributes.items()
        if k.lower().removeprefix("attr_") in ("material", "材质")
    )
    return attrs.lower(), f"{product.title} {' '.join(product.tags)}".lower()


def _contains(text: str, family: Material) -> list[int]:
    text = _blank_words(text, family.look_alikes)
    return sorted(start for word in family.words for start in _find(text, word))


def made_of(texts: tuple[str, str], ask: MaterialAsk) -> bool:
    """Whether a product (its `material_text`) is made of the asked material — only of it when `ask.pure`.

    Pure: a pure marker before the material ("100%棉", "纯棉", "pure cotton"), or a material attribute that names
    this family and no other material and no blend ("新疆长绒棉", "304不锈钢").
    """
    attrs, title = texts
    family = ask.material
    if not any(word in attrs or word in title for word in family.words):
        return False  # no spelling of it at all: the plain substring test spares the boundary-aware search
    in_attrs, in_title = _contains(attrs, family), _contains(title, family)
    if not in_attrs and not in_title:
        return False
    if not ask.pure:
        return True
    for text, starts in ((attrs, in_attrs), (title, in_title)):
        for start in starts:
            if _PURE_BEFORE.search(text[:start]) or text[start:].startswith(("纯", "全")):
                return True
    if not in_attrs:
        return False
    rest = _blank_words(
        _blank_words(attrs, family.look_alikes), tuple(sorted(family.words, key=len, reverse=True))
    )
    if _BLEND.search(rest):
        return False
    kin = set(family.words)
    others = [m for m in materials() if m is not family and not kin & set(m.words)]
    return not any(_contains(rest, m) for m in others)
