"""Which catalog products a message names: "pegasus 41", "Momentum 4", "airpod pro2", "索尼 wh1000xm5".

Titles and messages are cut into *atoms* — a Chinese character, a run of letters, a number ("4.1" stays one
number, so "pegasus 41" never matches "4.1L") — after NFKC and lower-casing, so case, spacing, hyphens and
full-width forms do not matter ("WH-1000XM5" = "wh1000xm5" = [wh, 1000, xm, 5]). Brand aliases from
`resources/brand_aliases.txt` are read as the catalog's brand (森海塞尔 → Sennheiser).

A contiguous run of atoms shared by message and title *names* a product when few products contain that run
(at most `max(3, 0.2 %)` of the catalog) and it is not a kind of product (the synonym file, the catalog's category
names and tags): "apple watch", "pro 2", "赤兔 7" do, "降噪", "nike", "冲锋衣" or "跑鞋" do not.
A product's mention score is the IDF of its naming runs over the IDF of its title's distinctive atoms; products
named by clearly less than the best product of the same words are dropped, ties are kept (the men's and women's
Pegasus 41). Built from the catalog's titles once per snapshot; a lookup costs well under a millisecond.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar

import regex

from knowledge.compatible import compatible_models, naming_title
from knowledge.gender import gender_of_value
from knowledge.models import Mention, Product
from knowledge.resources import (
    brand_alias_groups,
    line_alias_groups,
    normalise_english,
    stopwords,
    synonym_groups,
)
from knowledge.script import HAN, han_runs, is_han
from knowledge.spelling import english_word
from knowledge.traditional import to_simplified
from knowledge.vocabulary import learnt_kind_names, model_names

_ATOM = regex.compile(rf"{HAN}|[a-z]+(?:['’]s\b)?|\d+(?:\.\d+)?")  # "women's" is one word
NAMING_SHARE = (
    0.002  # a run names products when at most this share of the catalog (and at least 3) contain it
)
DISTINCTIVE_SHARE = 0.1  # title atoms in more than this share of titles are generic (鞋, wireless …)
KEEP_RATIO = 0.6  # a product named by less than this share of the best product's evidence is dropped
NAMED_SCORE = 0.4  # `find_named`: a mention that is not exact must cover this share of the title's name
# Chinese words a reply writes right after a product's name that continue no name ("…50g售价¥268", "…也是¥1488")
# fmt: off
_AFTER_NAME = (
    "售价", "价格", "现价", "到手", "只要", "仅需", "仅售", "目前", "现在", "暂时", "也是", "都是", "也", "都", "的",
    "是", "为", "和", "与", "跟", "及", "有", "在", "卖", "这", "很", "比", "还", "采用", "含", "支持", "适合", "每",
    "一共", "共", "重", "可以", "能", "不",
)
# fmt: on
# money amounts in a reply name no product: `find_named` blanks them out
_PRICE = re.compile(r"[¥￥$]\s*\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s*(?:元|yuan|rmb)", re.IGNORECASE)
# `find_named` reads a reply clause by clause: a mention never spans two clauses ("3,000" and "9:30" are one)
_SENTENCE = re.compile(
    r"(?:[^。！？!?；;\n.，,：:、]|\.(?!\s|$)|[,:](?=\d))+(?:[。！？!?；;\n，,：:、]+|\.(?=\s|$))?"
)
# Units written right after a number ("2kg", "6L", "500ml", "20000mAh", "3k" = 3000): the number and its unit
# state a spec or an amount, never a product's name on their own. "k"/"w" read as thousand/ten thousand too.
UNITS = frozenset(
    [
        *("k", "w", "kw", "kg", "g", "mg", "l", "ml", "mah", "ah", "wh", "v", "cm", "mm", "km", "m", "h"),
        *("hz", "db", "oz", "lb", "gb", "tb", "mb", "mp", "in"),
    ]
)
SIZE_LETTERS = frozenset(["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"])  # before 码/号: a size ("L码")
_SIZE_AFTER = frozenset("码号")


# Words that make another model of the same name ("AirPods 4 **Pro**", "Pegasus 41 **Trail**")
_VARIANTS = frozenset(
    [
        "pro",
        "max",
        "plus",
        "ultra",
        "lite",
        "light",
        "mini",
        "se",
        "air",
        "neo",
        "elite",
        "trail",
        "gtx",
        "sport",
        "turbo",
        "prime",
        "edge",
        "fold",
        "flip",
        "note",
        "gen",
        "generation",
        "edition",
        "version",
        "mk",
        "ii",
        "iii",
        "iv",
        "xl",
        "xs",
        "xxl",
    ]
)


def _coded(written: str) -> bool:
    """A number or a word with a digit in it ("65", "XM6", "A20i"): part of a model's name."""
    return any(ch.isdigit() for ch in written)


def _coined(word: str) -> bool:
    """An English-letters word of four or more letters that no English dictionary has ("neoair", "xlite"):
    a brand's or a series' own name, never a word of the sentence."""
    return len(word) >= 4 and word.isascii() and word.isalpha() and not english_word(word)


@dataclass(frozen=True)
class _Atom:
    text: str
    start: int
    end: int

    @property
    def number(self) -> bool:
        return self.text[0].isdigit()

    @property
    def han(self) -> bool:
        return is_han(self.text[0])


def atoms(text: str) -> list[_Atom]:
    """Atoms of a text with their spans in the text as written (NFKC, lower-case, singular English words)."""
    flat = text.lower()
    if unicodedata.is_normalized("NFKC", text) and len(flat) == len(text):
        origin: list[int] | range = range(len(text))
    else:  # full-width or composed forms: map every folded character back to where it was written
        folded: list[str] = []
        positions: list[int] = []
        for i, char in enumerate(text):
            for out in unicodedata.normalize("NFKC", char).lower():
                folded.append(out)
                positions.append(i)
        flat, origin = "".join(folded), positions
    found = []
    for match in _ATOM.finditer(flat):
        word = _singular(match.group(0))
        found.append(_Atom(word, origin[match.start()], origin[match.end() - 1] + 1))
    return found


# a storage size is written "256G" as often as "256GB" (闪迪128G for "SanDisk … 128GB"): one atom
_SAME_UNIT = {"gb": "g", "tb": "t"}


@lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    if word in _SAME_UNIT:
        return _SAME_UNIT[word]
    return normalise_english(word) if word[0].isalpha() and word.isascii() else word


def atom_texts(text: str) -> tuple[str, ...]:
    """Just the atoms' texts (no spans): the fast path for indexing titles."""
    return tuple(_singular(word) for word in _ATOM.findall(unicodedata.normalize("NFKC", text).lower()))


@dataclass(frozen=True)
class _Entry:
    sku: str
    atoms: tuple[str, ...]
    names: frozenset[str]  # atoms of the brand and of the title's model names ("momentum", "4", "sennheiser")
    models: tuple[tuple[str, ...], ...]
    brand: tuple[str, ...] = ()
    han_words: frozenset[tuple[str, ...]] = (
        frozenset()
    )  # the title's whole Chinese words ("三体（全三册）" → 三体)
    quantities: frozenset[tuple[str, ...]] = frozenset()  # model names that are amounts ("6 l", "20000 mah")
    kind_text: str = ""  # title, category path and tags, lower-case: what kind of product this is


PAIR_SETS_KEPT = 4096  # pair posting sets cached per index (see MentionIndex._pair_set)
MEMO_KEPT = 2048  # texts whose mentions are remembered per index (`find`, `find_named`'s clauses), oldest out
# every index with memos of what customers and replies wrote: `forget_memos` empties them (see below)
_WITH_MEMOS: weakref.WeakSet[MentionIndex] = weakref.WeakSet()
_K = TypeVar("_K")
_V = TypeVar("_V")
MAX_RUN = 8  # atoms in the longest run looked up
_CAMEL = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")  # QuietComfort, PowerCore (their initials: QC, PC)
# Words a shopper writes after a product's name that name no other model ("AirPods Pro 2 Price?").
_GENERAL_WORDS = frozenset(
    [
        "available",
        "stock",
        "size",
        "sizes",
        "price",
        "cost",
        "much",
        "many",
        "colour",
        "color",
        "colours",
        "colors",
        "buy",
        "sell",
        "have",
        "has",
        "how",
        "what",
        "which",
        "is",
        "are",
        "the",
        "in",
        "of",
        "for",
        "with",
        "on",
        "any",
        "vs",
        "or",
        "and",
        "than",
        "lighter",
        "cheaper",
        "better",
        "battery",
        "weight",
        "review",
    ]
)


class MentionIndex:
    """Product mentions over one catalog snapshot (build with `MentionIndex.build(products)`)."""

    def __init__(
        self,
        entries: list[_Entry],
        aliases: dict[tuple[str, ...], tuple[str, ...]],
        kinds: frozenset[tuple[str, ...]] = frozenset(),
        acronyms: dict[str, str] | None = None,
    ) -> None:
        self._entries = entries
        self._device_atoms: frozenset[str] = frozenset()
        self._acronyms = acronyms or {}  # "qc" → "quietcomfort": initials of a title's CamelCase word
        self._aliases = sorted(aliases.items(), key=lambda item: -len(item[0]))
        self._alias_forms = frozenset(aliases)
        self._aliases_by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
        for form, target in self._aliases:  # longest first, as looked up
            self._aliases_by_first[form[0]].append((form, target))
        self._by_sku: dict[str, _Entry] | None = None  # built on the first `find_named`
        self._kinds = kinds  # synonym-file words: kinds of product ("空气炸锅", "smart watch"), never names
        self._kind_forms: dict[
            tuple[str, ...], tuple[str, ...]
        ] = {}  # a kind → every way the synonyms write it
        for group in synonym_groups():
            for member in group:
                self._kind_forms[atom_texts(member)] = group
        self._han_kinds = sorted(
            ("".join(k) for k in kinds if len(k) >= 2 and is_han(k[0])), key=len, reverse=True
        )
        self._postings: dict[str, list[int]] = defaultdict(list)
        # titles by each pair of adjacent atoms: a run of two or more atoms is looked up by its rarest pair,
        # not by scanning every title of its rarest atom (at 100k SKUs "保湿" is in thousands of titles)
        self._pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        for row, entry in enumerate(entries):
            for atom in dict.fromkeys(entry.atoms):
                self._postings[atom].append(row)
            for pair in dict.fromkeys(itertools.pairwise(entry.atoms)):
                self._pairs[pair].append(row)
        self._pair_sets: dict[tuple[str, str], frozenset[int]] = {}  # see `_pair_set`
        # `find` by (text, k) and `find_named` by clause: the index is immutable, so a text's mentions are too;
        # understanding, search and the answer ask about the same message several times per turn
        self._found: dict[tuple[str, int], tuple[Mention, ...]] = {}
        self._named: dict[str, tuple[tuple[str, float, int, int, bool], ...]] = {}
        _WITH_MEMOS.add(self)
        n = max(len(entries), 1)
        self._sets = {atom: set(rows) for atom, rows in self._postings.items()}
        self._idf = {
            atom: math.log((n + 1) / (len(rows) + 0.5)) + 1.0 for atom, rows in self._postings.items()
        }
        self._naming_df = max(3, int(NAMING_SHARE * n))
        self._brand_rows: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for row, entry in enumerate(entries):
            if entry.brand:
                self._brand_rows[entry.brand].append(row)
        self._brand_sets = {form: set(rows) for form, rows in self._brand_rows.items()}
        self._brand_forms: dict[str, list[tuple[str, ...]]] = defaultdict(
            list
        )  # first atom → brands, longest first
        for form in sorted(self._brand_rows, key=len, reverse=True):
            self._brand_forms[form[0]].append(form)
        self._generic_df = max(3, int(DISTINCTIVE_SHARE * n))

    @classmethod
    def build(cls, products: Sequence[Product]) -> MentionIndex:
        entries = []
        brands: set[str] = set()
        words: set[str] = set()  # category names and tags: kinds of product, never names
        short: dict[str, tuple[str, ...]] = {}  # brands repeat across a catalog: atomise each once
        initials: dict[str, set[str]] = defaultdict(set)
        for product in products:
            for word in _CAMEL.findall(product.title):
                initials["".join(c for c in word if c.isupper()).lower()].add(_singular(word.lower()))
            # "Spigen Tough Armor Case for iPhone 15": the iPhone 15 it fits names a phone, not this case
            naming = naming_title(product)
            title = atom_texts(naming)
            every_model = [atom_texts(name) for name in model_names(naming)]
            models = tuple(model for model in every_model if not _quantity(model))
            brand = short.get(product.brand) or short.setdefault(product.brand, atom_texts(product.brand))
            names = {*brand, *(atom for model in models for atom in model)}
            words_of_title = frozenset(atom_texts(run) for run in han_runs(naming, 2))
            kind_text = " ".join([product.title, *product.category_path, *product.tags]).lower()
            quantities = frozenset(
                (number, unit) for number, unit in itertools.pairwise(title) if _quantity((number, unit))
            )
            entries.append(
                _Entry(
                    product.sku, title, frozenset(names), models, brand, words_of_title, quantities, kind_text
                )
            )
            if product.brand.strip():
                brands.add(product.brand.strip())
            words.update(product.category_path)
            words.update(product.tags)
        aliases: dict[tuple[str, ...], tuple[str, ...]] = {}
        spelled = {
            brand: (
                atom_texts(brand),
                {atom_texts(p) for p in re.split(r"[\s/|()（）]+", brand) if p},
            )
            for brand in sorted(brands)
        }
        for group in brand_alias_groups():
            forms = {atom_texts(member) for member in group}
            for own, parts in spelled.values():
                if own in forms or forms & parts:
                    target = next((p for p in parts if p in forms and p[0].isascii()), own)
                    for form in forms:
                        if form and form != target:
                            aliases.setdefault(form, target)
        titles = " | ".join(" ".join(atom_texts(p.title)) for p in products)
        # "飞马41" is the Pegasus 41: a line's nickname is read as the title's listed word
        for line in line_alias_groups():
            spellings = [atom_texts(member) for member in line]
            listed = [f for f in spellings if f and f" {' '.join(f)} " in f" {titles} "]
            for spelling in spellings:
                if listed and spelling and spelling != listed[0]:
                    aliases.setdefault(spelling, listed[0])
        kinds = {atom_texts(m) for group in synonym_groups() for m in group}
        kinds |= {atom_texts(word) for word in words}
        kinds |= {atom_texts(name) for name in learnt_kind_names(products, known=stopwords().__contains__)}
        acronyms = {short: next(iter(full)) for short, full in initials.items() if len(full) == 1}
        index = cls(entries, aliases, frozenset(kinds), acronyms)
        # the devices products fit ("Mate 60"): words the catalog knows, though they name no product of it
        index._device_atoms = frozenset(
            a for p in products for m in compatible_models(p) for a in atom_texts(m)
        )
        return index

    def __len__(self) -> int:
        return len(self._entries)

    # -- lookup ---------------------------------------------------------------------------------------
    def _query_atoms(self, found: list[_Atom]) -> list[_Atom]:
        """The message's atoms (`atoms(text)`) with brand aliases replaced by the catalog's spelling (spans kept)."""
        out: list[_Atom] = []
        i = 0
        while i < len(found):
            for form, target in self._aliases_by_first.get(found[i].text, ()):
                if tuple(a.text for a in found[i : i + len(form)]) == form:
                    start, end = found[i].start, found[i + len(form) - 1].end
                    out.extend(_Atom(t, start, end) for t in target)
                    i += len(form)
                    break
            else:
                atom = found[i]
                full = self._acronyms.get(atom.text)
                if full is not None and atom.text not in self._postings and atom.text not in stopwords():
                    atom = _Atom(full, atom.start, atom.end)  # "QC Ultra" = "QuietComfort Ultra"
                out.append(atom)
                i += 1
        return out

    def _rows_with(self, run: tuple[str, ...]) -> list[int]:
        """Titles containing the run contiguously, in catalog order; at most `naming_df + 1` of them (more = not
        a name). One atom: its titles. Longer runs: the titles of the run's rarest adjacent pair, checked for
        the whole run (every such title has the pair, so none is missed)."""
        limit = self._naming_df + 1
        if len(run) == 1:
            return list(self._postings.get(run[0], ())[:limit])
        postings: list[tuple[tuple[str, str], list[int]]] = []
        for pair in set(itertools.pairwise(run)):
            rows = self._pairs.get(pair)
            if not rows:
                return []
            postings.append((pair, rows))
        postings.sort(key=lambda item: len(item[1]))
        smallest = postings[0][1]
        if len(run) == 2:
            return smallest[:limit]
        # a title holding the run holds each of its pairs: rows missing one are skipped by a set lookup
        others = [self._pair_set(pair) for pair, _ in postings[1:]]
        found = []
        for row in smallest:
            if all(row in rows for rows in others) and _contains(self._entries[row].atoms, run):
                found.append(row)
                if len(found) == limit:
                    break
        return found

    def _pair_set(self, pair: tuple[str, str]) -> frozenset[int]:
        """The titles with this adjacent pair, as a set (built on first use; the index is immutable; at most
        `PAIR_SETS_KEPT` pairs are kept, then the cache starts over)."""
        found = self._pair_sets.get(pair)
        if found is None:
            if len(self._pair_sets) >= PAIR_SETS_KEPT:
                self._pair_sets.clear()
            found = self._pair_sets[pair] = frozenset(self._pairs.get(pair, ()))
        return found

    def _names(self, run: tuple[str, ...], rows: list[int]) -> list[int]:
        """The rows this run names (empty when it is a number, one character, a kind of product or too common)."""
        if len(rows) > self._naming_df or run in self._kinds or all(a[0].isdigit() for a in run):
            return []
        han = all(is_han(a[0]) for a in run)
        if (
            not han
            and not any(a[0].isalpha() and a[0].isascii() for a in run)
            and sum(is_han(a[0]) for a in run) < 2
        ):
            return []  # "5多", "3和": a number and a character of the words around it
        if han and (len(run) < 3 or len(self._without_kinds(run)) < 2):
            if len(run) == 2 and run not in self._alias_forms:  # a title word of its own: "三体", "赤兔"
                return [
                    r for r in rows if run in self._entries[r].han_words and run != self._entries[r].brand
                ]
            return []  # "电源", "式耳机": part of a word or a kind of product; short names come with a number
        if len(run) == 1 and (run[0] in stopwords() or gender_of_value(run[0]) is not None):
            return []  # "under" (Under Armour), "on" (On Running): a word of the sentence, not a name
        if len(rows) > 1 and all(self._entries[row].brand == run for row in rows):
            return []  # a brand with several products names a family, not a product ("Under Armour")
        if len(run) == 1:  # one word names a product only as its brand or part of its model ("momentum")
            named = [row for row in rows if run[0] in self._entries[row].names]
            if not named and len(rows) == 1 and _coined(run[0]):
                return rows  # a coined word of one title ("NeoAir", "Hubba", "Aircontact") is its name
            by_model = [row for row in named if any(run[0] in model for model in self._entries[row].models)]
            if by_model and len(by_model) < len(rows) and len(named) < len(rows):
                return []  # "baby" in three titles, a model word in one ("Baby Boys 3"): a general word
            return by_model or (named if len(named) == 1 else [])
        return rows

    def _without_kinds(self, run: tuple[str, ...]) -> tuple[str, ...]:
        """The longest stretch of a Chinese run left after removing kind words ("式耳机" → "式")."""
        text = "".join(run)
        for kind in self._han_kinds:
            if kind in text:
                text = text.replace(kind, "|")
        longest: str = max(text.split("|"), key=len)
        return tuple(longest)

    def find(self, text: str, k: int = 5) -> list[Mention]:
        """Products the text names, best first (at most k); empty when it names none.

        The message is read twice when it uses a brand alias: with the catalog's spelling of the brand ("安克737"
        = "Anker 737") and as written, since titles may use the alias too ("小米 米家电饭煲", "Anker 安克 Nano").
        """
        if not self._entries:
            return []
        key = (text, k)
        found = self._found.get(key)
        if found is None:
            found = _remember(self._found, key, tuple(self._find(text, k, atoms(text))))
        return list(found)

    def forget(self) -> int:
        """Drop the memos of texts this index was asked about (`find`, `find_named`); returns the entries dropped."""
        dropped = len(self._found) + len(self._named)
        self._found.clear()
        self._named.clear()
        return dropped

    def _find(self, text: str, k: int, written: list[_Atom]) -> list[Mention]:
        """`find` with the text's atoms already read (`written = atoms(text)`: one pass, shared with
        `find_named`)."""
        aliased = self._query_atoms(written)
        best: dict[str, tuple[float, float, int, int, bool, str]] = {}
        for query in (
            (aliased, written) if [a.text for a in written] != [a.text for a in aliased] else (aliased,)
        ):
            for item in self._scored(query, text):
                if item[5] not in best or item[0] > best[item[5]][0]:
                    best[item[5]] = item
        return _keep_best(list(best.values()), text, k)

    def _scored(self, query: list[_Atom], text: str) -> list[tuple[float, float, int, int, bool, str]]:
        if not query:
            return []
        found: dict[tuple[int, int], list[int]] = {}  # (query start, end) → titles containing that run
        spec = _spec_atoms(query, text)
        for i in range(len(query)):
            for j in range(i + 1, min(len(query), i + MAX_RUN) + 1):
                rows = self._rows_with(tuple(a.text for a in query[i:j]))
                if not rows:
                    break
                if all(q in spec or query[q].number for q in range(i, j)):
                    # "2kg", "3k", "L码": a spec, an amount or a size names no product on its own — unless it is
                    # a title's whole model string and the kind asked is that product's ("4.1L的空气炸锅")
                    rows = self._quantity_rows(tuple(a.text for a in query[i:j]), rows, query)
                    if not rows:
                        continue
                found[(i, j)] = rows
        by_row: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (i, j), rows in found.items():
            wider = (found.get((i - 1, j)), found.get((i, j + 1)))
            if any(w is not None and w == rows for w in wider):
                continue  # not maximal: "空气炸" names nothing its whole word "空气炸锅" does not
            for row in self._names(tuple(a.text for a in query[i:j]), rows):
                by_row[row].append((i, j))
        for row, span in self._brand_and_words(query):
            by_row[row].append(span)
        for n, atom in enumerate(query):
            model = self._model_number_row(atom, text)
            if model is not None:
                by_row[model].append((n, n + 1))
        asked = self._kinds_in(query) if by_row else []
        inside = self._kind_atoms(query) if asked else set()
        for row in [r for r, spans in by_row.items() if asked and self._one_word(r, spans, query)]:
            if not all(self._is_of_kind(row, forms) for forms in asked):
                del by_row[row]  # "dog food" names no "Cat Food Cans": one shared word, another kind
            elif all(i in inside for i, _ in by_row[row]):
                del by_row[row]  # "kitten food": the word is part of the kind asked, not a product's name
        return [
            self._score(row, spans, query)
            for row, spans in by_row.items()
            if not self._names_another_model(row, spans, query, text)
        ]

    def _model_number_row(self, atom: _Atom, text: str) -> int | None:
        """The one title holding this bare number of 4+ digits as a model number ("10311" → LEGO Icons 10311):
        no unit after it in the title ("1000片" is an amount) nor a money/amount word around it in the message
        ("1000 yuan", "2000以内"); None otherwise (0 or several titles)."""
        if not (atom.number and atom.text.isdigit() and len(atom.text) >= MODEL_DIGITS):
            return None
        if _AMOUNT_AROUND.search(
            text[max(0, atom.start - 6) : atom.start] + "#" + text[atom.end : atom.end + 8]
        ):
            return None
        rows = [
            row for row in self._postings.get(atom.text, ()) if _model_in(self._entries[row].atoms, atom.text)
        ]
        return rows[0] if len(rows) == 1 else None

    def _quantity_rows(self, run: tuple[str, ...], rows: list[int], query: list[_Atom]) -> list[int]:
        """The rows whose whole model string is this amount ("20000mAh") and whose kind (title, category, tags)
        is every kind the message names: "6L的水壶" names no 6L cat litter."""
        if not _quantity(run):
            return []
        asked = self._kinds_in(query)
        return [
            row
            for row in rows
            if run in self._entries[row].quantities and all(self._is_of_kind(row, forms) for forms in asked)
        ]

    def _one_word(self, row: int, spans: list[tuple[int, int]], query: list[_Atom]) -> bool:
        """Named by single words only (not its brand, no number): "food" in "Cat Food Cans"."""
        entry = self._entries[row]
        return all(j - i == 1 and not query[i].number and (query[i].text,) != entry.brand for i, j in spans)

    def _is_of_kind(self, row: int, forms: tuple[str, ...]) -> bool:
        """The product's title, category or tags write one of the kind's forms."""
        return any(form.lower() in self._entries[row].kind_text for form in forms)

    def _kind_atoms(self, query: list[_Atom]) -> set[int]:
        """Indices of the message's atoms inside a kind name of two or more atoms ("kitten food", "bike light")."""
        texts = [a.text for a in query]
        return {
            n
            for size in range(2, min(MAX_RUN, len(texts)) + 1)
            for i in range(len(texts) - size + 1)
            if tuple(texts[i : i + size]) in self._kinds
            for n in range(i, i + size)
        }

    def _kinds_in(self, query: list[_Atom]) -> list[tuple[str, ...]]:
        """Kinds of product the message names (each with its synonyms), longest first, none inside another."""
        texts = [a.text for a in query]
        taken: set[int] = set()
        found: list[tuple[str, ...]] = []
        for size in range(min(MAX_RUN, len(texts)), 0, -1):
            for i in range(len(texts) - size + 1):
                run = tuple(texts[i : i + size])
                if run not in self._kinds or taken & set(range(i, i + size)):
                    continue
                if size == 1 and is_han(run[0][0]):
                    continue  # one character ("包", "笔") is too loose to rule a product out
                taken.update(range(i, i + size))
                found.append(
                    self._kind_forms.get(run, ("".join(run) if is_han(run[0][0]) else " ".join(run),))
                )
        return found

    def _brand_and_words(self, query: list[_Atom]) -> list[tuple[int, tuple[int, int]]]:
        """A brand followed by a kind of product or by words of a model names the brand's product whose title
        has them, when it is the only one ("美的电饭煲", "佳明265"; "小米的耳机" with two is a search): (row, query
        span) pairs."""
        out: list[tuple[int, tuple[int, int]]] = []
        texts = [a.text for a in query]
        for i in range(len(query)):
            for form in self._brand_forms.get(texts[i], ()):
                end = i + len(form)
                if tuple(texts[i:end]) != form:
                    continue
                start = end + 1 if end < len(texts) and texts[end] == "的" else end
                for j in range(min(len(texts), start + MAX_RUN), start, -1):
                    kind = tuple(texts[start:j])
                    if kind not in self._kinds and not self._model_words(kind):
                        continue
                    sets = sorted(
                        [self._brand_sets.get(form, set()), *(self._sets.get(a, set()) for a in set(kind))],
                        key=len,
                    )
                    candidates = sets[0].intersection(*sets[1:])  # from the smallest set: C speed
                    brand_rows = []
                    for r in sorted(candidates):
                        if _contains(self._entries[r].atoms, kind):
                            brand_rows.append(r)
                            if len(brand_rows) > 1:
                                break  # two or more: a search, not a mention
                    if len(brand_rows) == 1:
                        out.extend((r, (i, j)) for r in brand_rows)
                    break
        return out

    def _model_words(self, run: tuple[str, ...]) -> bool:
        """Words that can be part of a model's name after its brand: a number, or Latin words ("265", "gt 5")."""
        return all(not is_han(a[0]) for a in run) and not any(a in stopwords() for a in run)

    def _names_another_model(
        self, row: int, spans: list[tuple[int, int]], query: list[_Atom], text: str
    ) -> bool:
        """The mention is part of another model's name that this title lacks: a model-like word right after it
        ("AirPods **Max**"; "Galaxy Buds **3**", a number ending the phrase, not "41 42码"); general words,
        stopwords and kinds of product never are."""
        end = max(j for _, j in spans)
        if end >= len(query):
            return False
        own = self._entries[row].atoms
        word = query[end]
        after = query[end + 1] if end + 1 < len(query) else None
        ends_phrase = after is None or not (after.han or after.number)
        if word.number and word.text not in own and ends_phrase and word.start - query[end - 1].end <= 1:
            return True  # "Buds 3" when the catalog has Buds 5 and 6
        return self._model_like(word, own, text)

    def _model_like(self, word: _Atom, own: tuple[str, ...], text: str) -> bool:
        if word.han or word.number or word.text in own:
            return False
        if word.text in _GENERAL_WORDS or word.text in stopwords() or (word.text,) in self._kinds:
            return False
        written = text[word.start : word.end]
        return any(ch.isdigit() for ch in written) or written[:1].isupper()

    def _score(
        self, row: int, spans: list[tuple[int, int]], query: list[_Atom]
    ) -> tuple[float, float, int, int, bool, str]:
        """(evidence, score, start, end, exact, sku): the longest non-overlapping runs; query words inside the
        mention that this title lacks count against it ("sony wh1000xm5" is not the WF-1000XM5)."""
        entry = self._entries[row]
        chosen: list[tuple[int, int]] = []
        for i, j in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
            words = tuple(query[q].text for q in range(i, j))
            if any(i < b and a < j for a, b in chosen):
                continue
            if any(_contains(tuple(query[q].text for q in range(a, b)), words) for a, b in chosen):
                continue  # the same title words named twice ("wf1000xm5 和 wh1000xm5"): count them once
            chosen.append((i, j))
        matched = {query[q].text for i, j in chosen for q in range(i, j)}
        first, last = min(i for i, _ in chosen), max(j for _, j in chosen)
        inside = {q for i, j in chosen for q in range(i, j)}
        missing = {
            query[q].text
            for q in range(first, last)
            if q not in inside and not query[q].han and query[q].text not in entry.atoms
        }
        evidence = sum(self._idf.get(a, 0.0) for a in matched) - sum(self._idf.get(a, 1.0) for a in missing)
        distinctive = {a for a in entry.atoms if len(self._postings[a]) <= self._generic_df}
        # a span may hold a word no title has: the 的 between a brand and its kind ("英雄的钢笔") weighs nothing
        weight = sum(self._idf.get(a, 0.0) for a in distinctive | matched)
        exact = any(model and set(model) <= matched for model in (*entry.models, *entry.quantities))
        start, end = query[first].start, query[last - 1].end
        return (
            evidence,
            max(0.0, min(1.0, evidence / weight if weight else 0.0)),
            start,
            end,
            exact,
            entry.sku,
        )

    def is_kind(self, text: str) -> bool:
        """A kind of product, not a name: a synonym-file word, one of the catalog's category names or tags, or
        a Chinese word made only of them ("跑步手表" = 跑步 + 手表)."""
        run = atom_texts(text)
        if not run:
            return False
        if run in self._kinds:
            return True
        if not all(is_han(a[0]) for a in run):
            return False
        reach = [True] + [False] * len(run)  # can run[:i] be cut into kind words of two or more characters?
        for i in range(len(run)):
            if reach[i]:
                for j in range(i + 2, len(run) + 1):
                    if not reach[j] and run[i:j] in self._kinds:
                        reach[j] = True
        return reach[-1]

    def knows(self, text: str) -> bool:
        """True when every atom of the text occurs in some title of the catalog ("momentum", "pegasus")."""
        run = atom_texts(text)
        return bool(run) and all(atom in self._postings or atom in self._device_atoms for atom in run)

    def find_only(self, text: str) -> Mention | None:
        """The one product whose title has the longest run of the text that any title has, when exactly one
        title has it ("龙井" in a catalog with one 龙井): how each side of a comparison names a product even by a
        kind word. None when no such run of two or more characters (or one model-like word) exists."""
        query = atoms(text)
        spec = _spec_atoms(query, text)
        best: tuple[int, int, int, int] | None = None  # (length, start, end, row)
        for i in range(len(query)):
            for j in range(i + 1, min(len(query), i + MAX_RUN) + 1):
                run = tuple(a.text for a in query[i:j])
                rows = self._rows_with(run)
                if not rows:
                    break
                if len(rows) != 1 or (best is not None and j - i <= best[0]):
                    continue
                quantity = all(q in spec or query[q].number for q in range(i, j))
                if quantity and not self._quantity_rows(run, rows, query):
                    continue
                han = sum(is_han(a[0]) for a in run)
                latin = [a for a in run if not is_han(a[0]) and a not in stopwords()]
                wordy = han >= 2 or (latin and any(len(a) >= 3 or a[0].isdigit() for a in latin))
                if wordy and run != self._entries[rows[0]].brand:
                    best = (j - i, query[i].start, query[j - 1].end, rows[0])
        if best is None:
            return None
        _, start, end, row = best
        return Mention(self._entries[row].sku, 0.0, start, end, text[start:end])

    def find_named(self, text: str) -> list[Mention]:
        """Products a text (a reply, not a query) names beyond doubt, clause by clause, in the order written:
        the evidence linking of the truth guard, which widens a turn's facts only by these products.

        A mention counts when it is exact (the title's whole model name, not only a quantity) or covers at least `NAMED_SCORE` of the
        title's distinctive name, and no word written right after it (no punctuation between) turns it into
        another product's name: a number, a model-like word or a kind of product the title lacks
        ("WH-1000XM**6**", "GT **6**", "Pegasus **42**", "Blue Diamond **cashews**") or, after a mention that is not
        exact, a Chinese character the title lacks ("元气森林**青瓜味**", "迪卡侬瑜伽**球**"). Traditional Chinese is
        read as Simplified. Spans are those of `text`."""
        if not self._entries:
            return []
        if self._by_sku is None:
            self._by_sku = {entry.sku: entry for entry in self._entries}
        named: list[Mention] = []
        for match in _SENTENCE.finditer(text):
            piece = match.group(0)
            found = self._named.get(piece)
            if found is None:
                found = _remember(self._named, piece, self._named_in(piece))
            at = match.start()
            named.extend(
                Mention(sku, score, at + start, at + end, piece[start:end], exact)
                for sku, score, start, end, exact in found
            )
        return named

    def _named_in(self, piece: str) -> tuple[tuple[str, float, int, int, bool], ...]:
        """`find_named` of one clause: (sku, score, start, end, exact) with spans in the clause."""
        assert self._by_sku is not None
        named: list[tuple[str, float, int, int, bool]] = []
        simple, _ = to_simplified(piece)
        read = _PRICE.sub(lambda m: " " * len(m.group(0)), simple if len(simple) == len(piece) else piece)
        written = atoms(read)
        if len(written) < 2:
            return ()  # "¥199，", "好的。": no name
        lower = read.lower()
        # a reply writes a model's English name in capitals ("LEGO Icons 10311 Orchid"); read in lower
        # case, only digits make a word another model's (`_runs_on` reads the case as written); a clause
        # without capitals reads the same both ways (most Chinese clauses): read once
        for mention in self._find(read, 8, written) or (self.find(lower, k=8) if lower != read else []):
            entry = self._by_sku.get(mention.sku)
            if entry is None:
                continue
            said = set(atom_texts(mention.text))
            exact = mention.exact and any(model and set(model) <= said for model in entry.models)
            # a long model number the title has ("LEGO Icons 10311", "RN 1500") names it as well
            exact = exact or any(
                a.isdigit()
                and len(a) >= 3
                and (len(a) >= MODEL_DIGITS or len(said) > 1)
                and _model_in(entry.atoms, a)
                for a in said
            )
            if not (exact or mention.score >= NAMED_SCORE):
                continue  # a quantity alone ("26g") is no model name
            if not exact and not self._names_it(entry, said):
                continue  # "down sleeping bag": kind words name no product, however few titles have them
            if self._runs_on(entry, replace(mention, exact=exact), written, read):
                continue
            named.append((mention.sku, mention.score, mention.start, mention.end, mention.exact))
        return tuple(named)

    def _names_it(self, entry: _Entry, said: set[str]) -> bool:
        """Whether a mention that is not exact holds a name: the brand, Chinese title words or a coined word."""
        if entry.brand and set(entry.brand) <= said:
            return True
        return any(is_han(a[0]) for a in said) or any(_coined(a) for a in said)

    def _runs_on(self, entry: _Entry, mention: Mention, written: list[_Atom], text: str) -> bool:
        """Whether the mention holds, or the word right before or after it adds, a name `entry`'s title does not
        have (a number or model word inside "瑜伽砖**3**块装", before "**65**W氮化镓" or after "XM**6**")."""
        inside = [a for a in written if mention.start <= a.start and a.end <= mention.end]
        if any(a.text not in entry.atoms and _coded(text[a.start : a.end]) for a in inside):
            return True  # a name read through a brand alias ("Yamaha P-145") has the alias inside
        before = [a for a in written if a.end <= mention.start][-1:]
        # "绿联**65**W氮化镓快充头": a number or code right before it is part of the name ("Yamaha" is not)
        if (
            before
            and not text[before[0].end : mention.start].strip(" -_")
            and before[0].text not in entry.atoms
            and _coded(text[before[0].start : before[0].end])
        ):
            return True
        word = next((a for a in written if a.start >= mention.end), None)
        if word is None or text[mention.end : word.start].strip(" -_") or word.text in entry.atoms:
            return False
        if word.number:
            return True
        if mention.exact:  # the whole model name: only another model's number, code or variant word runs on
            return not word.han and (_coded(text[word.start : word.end]) or word.text in _VARIANTS)
        if word.han:
            return not text.startswith(_AFTER_NAME, word.start)
        return not (word.text in _GENERAL_WORDS or word.text in stopwords())

    def find_groups(self, text: str, k: int = 5) -> list[list[Mention]]:
        """Mentions grouped by the words that name them, in the order written: "A20i 和 WM02" → [[A20i], [WM02]]."""
        groups: list[list[Mention]] = []
        for mention in sorted(self.find(text, k), key=lambda m: (m.start, -m.score)):
            for group in groups:
                if mention.start < group[0].end and group[0].start < mention.end:
                    group.append(mention)
                    break
            else:
                groups.append([mention])
        return groups


MODEL_DIGITS = 4  # a bare number this long can be a model number ("10311", "60337"); shorter ones are amounts
# money or amount words right around a number in the message ('#' marks where the number was)
_AMOUNT_AROUND = re.compile(
    r"(?:[¥￥$]|rmb|usd|under|below|within|预算|以内|以下|以上)\s*#|"
    r"#\s*(?:[元块千万kw]|以内|以下|以上|左右|yuan|rmb|usd|dollar|bucks|kuai|pieces|pcs|片|个|件|页)",
    re.IGNORECASE,
)


_MEASURE_WORDS = frozenset(
    "片块个件页张只支瓶包米寸克升粒颗层人岁"
)  # "1000片", "2000页": amounts, not models


def _model_in(title: tuple[str, ...], number: str) -> bool:
    """Whether `number` stands in the title as a model number: not followed by a unit word ("1000片")."""
    for n, atom in enumerate(title):
        if atom == number:
            after = title[n + 1] if n + 1 < len(title) else ""
            if after not in UNITS and after not in _MEASURE_WORDS:
                return True
    return False


def _quantity(run: tuple[str, ...]) -> bool:
    """A run that only states amounts: numbers, each unit right after its number ("6 l", "20000 mah", "2 kg")."""
    if not run or not run[0][0].isdigit():
        return False
    return all(atom[0].isdigit() or (atom in UNITS and run[n - 1][0].isdigit()) for n, atom in enumerate(run))


def _spec_atoms(query: Sequence[_Atom], text: str) -> set[int]:
    """Indices of the message's atoms that state a spec, not a name: a unit written against its number ("2kg",
    "2-3k", "500 ml" — a unit word after a number) and a size letter before 码/号 ("L码", "XL号")."""
    spec: set[int] = set()
    for n, atom in enumerate(query):
        if atom.number or atom.han:
            continue
        unit = atom.text in UNITS and n > 0 and query[n - 1].number and atom.start - query[n - 1].end <= 1
        size = atom.text in SIZE_LETTERS and text[atom.end : atom.end + 1] in _SIZE_AFTER
        if unit or size:
            spec.add(n)
    return spec


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store `value` under `key` in a memo of at most `MEMO_KEPT` entries (the oldest goes first); returns it.
    Safe from several threads: a lost race only drops or keeps one entry more."""
    if len(memo) >= MEMO_KEPT:
        with contextlib.suppress(
            StopIteration, RuntimeError, KeyError
        ):  # another thread changed it meanwhile
            del memo[next(iter(memo))]
    memo[key] = value
    return value


def forget_memos() -> int:
    """Empty every index's memos of texts (what customers and replies wrote): run by `/forget` through
    `bot.privacy.redaction.forget_memos`. Returns the entries dropped."""
    return sum(index.forget() for index in list(_WITH_MEMOS))


def _contains(title: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """`run` occurs contiguously in `title` (found from each place its first atom occurs: tuple.index)."""
    if not run:
        return True
    n, first, at = len(run), run[0], -1
    while True:
        try:
            at = title.index(first, at + 1)
        except ValueError:
            return False
        if title[at : at + n] == run:
            return True


TIE = 0.95  # two products named this nearly as well by the same words are both kept (men's and women's)


def _keep_best(scored: list[tuple[float, float, int, int, bool, str]], text: str, k: int) -> list[Mention]:
    """Per overlapping span, keep the products named nearly as well as the best one; best evidence first.

    A product whose mention lies inside a better product's mention ("Pro 2" inside "AirPods Pro 2") is kept
    only when tied; one that merely overlaps needs `KEEP_RATIO` of the better one's evidence.
    """
    scored = [item for item in scored if item[0] > 0]
    scored.sort(key=lambda item: (-item[0], -item[1], item[5]))
    kept: list[tuple[float, float, int, int, bool, str]] = []
    for item in scored:
        rivals = [other for other in kept if item[2] < other[3] and other[2] < item[3]]
        if rivals:
            best = rivals[0]
            inside = best[2] <= item[2] and item[3] <= best[3]
            if item[0] < (TIE if inside else KEEP_RATIO) * best[0]:
                continue
        kept.append(item)
    return [
        Mention(sku, round(score, 3), start, end, text[start:end], exact)
        for _, score, start, end, exact, sku in kept[:k]
    ]
