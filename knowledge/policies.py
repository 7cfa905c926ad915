"""Store policies (shipping, returns, payment, warranty …) as documents the bot may quote, found by topic or bullet.

Each policy is a Markdown file with a small YAML header (`topic`, `title`, `title_en`, `keywords_zh`,
`keywords_en`); the body is Chinese, and a `## English` section holds the English text. Keywords live in the
files, so a shop that brings its own policies also brings its own trigger words — no code change.

The returns and shipping headers may also declare the policy's figures (return window, excluded categories,
delivery days …; see `knowledge.policy_terms`), validated on load, so code decides with the numbers the customer
reads (`PolicyBook.terms`).
`find` returns whole documents by keyword list (kept for existing callers); `find_bullets` returns the bullets
that answer a question, by meaning (see `knowledge.policy_search`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import KnowledgeError
from knowledge.models import PolicyDoc, PolicyHit
from knowledge.policy_search import Bullet, BulletIndex
from knowledge.policy_terms import (
    TERMS_FIELDS,
    TERMS_MODELS,
    PaymentTerms,
    PolicyTerms,
    ReturnTerms,
    ShippingTerms,
    WarrantyTerms,
)
from knowledge.protocols import Embedder, KeywordExtractor
from knowledge.yaml_data import load_yaml

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_ENGLISH_HEADING = re.compile(r"^##\s*(English|EN|英文)\s*$", re.MULTILINE | re.IGNORECASE)
_TITLE_LINE = re.compile(r"\A\s*#\s+(.+?)\s*\n")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_LABEL = re.compile(r"^\*\*(.+?)\*\*\s*[:：]?\s*")


class PolicyError(KnowledgeError):
    """A policy file cannot be read (bad header, no topic)."""


def bullets_of(doc: PolicyDoc) -> list[Bullet]:
    """The list items of a document (continuation lines joined), bold lead as label, Markdown marks removed.

    Parsed once per document content (`PolicyDoc` is a frozen value: an edited policy is another key)."""
    return list(_bullets(doc))


@functools.lru_cache(maxsize=256)
def _bullets(doc: PolicyDoc) -> tuple[Bullet, ...]:
    items: list[str] = []
    for line in doc.text.splitlines():
        match = _BULLET.match(line)
        if match:
            items.append(match.group(1).strip())
        elif items and line.strip() and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
    if not items and doc.text.strip():
        items = [part.strip() for part in re.split(r"\n\s*\n", doc.text) if part.strip()]
    out = []
    for index, item in enumerate(items):
        label_match = _LABEL.match(item)
        label = label_match.group(1).strip() if label_match else ""
        body = item[label_match.end() :] if label_match else item
        text = f"{label}：{body}" if label and doc.language == "zh" else f"{label}: {body}" if label else body
        out.append(Bullet(doc.topic, doc.title, doc.language, index, label, text.replace("**", "")))
    return tuple(out)


@dataclass(frozen=True)
class _Topic:
    """One policy topic: its documents per language and the words that ask about it."""

    name: str
    docs: dict[str, PolicyDoc]
    zh_keywords: tuple[str, ...]
    en_patterns: tuple[re.Pattern[str], ...]
    terms: BaseModel | None = None

    def score(self, text: str, lowered: str) -> int:
        hits = sum(1 for word in self.zh_keywords if word in text)
        return hits + sum(1 for pattern in self.en_patterns if pattern.search(lowered))


def _keyword_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,，、]", value) if part.strip()]
    if isinstance(value, list):
        return [str(part).strip() for part in value if str(part).strip()]
    return []


def _split_body(body: str) -> tuple[str, str]:
    match = _ENGLISH_HEADING.search(body)
    if not match:
        return body.strip(), ""
    return body[: match.start()].strip(), body[match.end() :].strip()


def _terms(path: Path, topic: str, header: dict[str, object]) -> BaseModel | None:
    """The structured figures in a header, validated against the topic's model (None when it declares none)."""
    fields = {key: value for key, value in header.items() if key in TERMS_FIELDS}
    if not fields:
        return None
    misplaced = sorted(key for key in fields if TERMS_FIELDS[key] != topic)
    if misplaced:
        raise PolicyError(
            f"{path}: {misplaced[0]} belongs in the {TERMS_FIELDS[misplaced[0]]} policy, not {topic}"
        )
    try:
        return TERMS_MODELS[topic].model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"{path}: invalid policy figures ({problems})") from exc


def _parse(path: Path) -> _Topic:
    text = path.read_text(encoding="utf-8-sig")
    header: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = load_yaml(match.group(1))
        except yaml.YAMLError as exc:
            raise PolicyError(f"{path}: the header is not valid YAML ({exc})") from exc
        header = loaded if isinstance(loaded, dict) else {}
        text = text[match.end() :]
    topic = str(header.get("topic") or path.stem).strip()
    title_match = _TITLE_LINE.match(text)
    title = str(header.get("title") or (title_match.group(1) if title_match else topic))
    if title_match:
        text = text[title_match.end() :]
    zh_text, en_text = _split_body(text)
    docs: dict[str, PolicyDoc] = {}
    if zh_text:
        docs["zh"] = PolicyDoc(topic=topic, title=title, text=zh_text, language="zh")
    if en_text:
        docs["en"] = PolicyDoc(
            topic=topic, title=str(header.get("title_en") or title), text=en_text, language="en"
        )
    english = _keyword_list(header.get("keywords_en"))
    return _Topic(
        name=topic,
        docs=docs,
        zh_keywords=tuple(_keyword_list(header.get("keywords_zh"))),
        # A word boundary in front only, so "refund" also finds "refunds" and "ship" finds "shipping".
        en_patterns=tuple(re.compile(r"\b" + re.escape(word.lower())) for word in english),
        terms=_terms(path, topic, {str(key): value for key, value in header.items()}),
    )


class PolicyBook:
    """All policy documents of a shop, and topic and bullet lookups for customer questions."""

    def __init__(
        self,
        topics: list[_Topic],
        *,
        extractor: KeywordExtractor | None = None,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self._topics = topics
        self._extractor = extractor
        self._embedder = embedder
        self._cache_dir = cache_dir
        self._bullets: BulletIndex | None = None

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        extractor: KeywordExtractor | None = None,
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
    ) -> PolicyBook:
        """Read every `*.md` in a directory (sorted by name); a missing directory is an empty book.

        `extractor`/`embedder` power `find_bullets` (jieba on an empty vocabulary and keywords only when absent);
        bullet vectors are cached by content hash under `cache_dir` when given.
        """
        directory = Path(directory)
        topics = [_parse(path) for path in sorted(directory.glob("*.md"))] if directory.is_dir() else []
        return cls(topics, extractor=extractor, embedder=embedder, cache_dir=cache_dir)

    @property
    def docs(self) -> list[PolicyDoc]:
        return [doc for topic in self._topics for doc in topic.docs.values()]

    @property
    def terms(self) -> PolicyTerms:
        """The validated figures of the returns, shipping, payment and warranty policies (None where a file declares none)."""
        returns = next((t.terms for t in self._topics if isinstance(t.terms, ReturnTerms)), None)
        shipping = next((t.terms for t in self._topics if isinstance(t.terms, ShippingTerms)), None)
        payment = next((t.terms for t in self._topics if isinstance(t.terms, PaymentTerms)), None)
        warranty = next((t.terms for t in self._topics if isinstance(t.terms, WarrantyTerms)), None)
        return PolicyTerms(returns=returns, shipping=shipping, payment=payment, warranty=warranty)

    def topics(self) -> list[str]:
        return [topic.name for topic in self._topics]

    def get(self, topic: str, language: str = "zh") -> PolicyDoc | None:
        """The document of one topic in a language (falling back to the other language)."""
        for entry in self._topics:
            if entry.name == topic:
                return entry.docs.get(language) or next(iter(entry.docs.values()), None)
        return None

    def keyword_hits(self, text: str) -> dict[str, int]:
        """Topic → how many of its front-matter keywords the text contains (0 topics left out)."""
        lowered = text.lower()
        return {t.name: hits for t in self._topics if (hits := t.score(text, lowered)) > 0}

    def find(self, text: str, language: str = "zh", k: int = 2) -> list[PolicyDoc]:
        """Policies a message asks about, best first; empty when it asks about no policy topic."""
        lowered = text.lower()
        scored = [(topic.score(text, lowered), order, topic) for order, topic in enumerate(self._topics)]
        ranked = sorted((item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1]))
        found: list[PolicyDoc] = []
        for _, _, topic in ranked[:k]:
            doc = topic.docs.get(language) or next(iter(topic.docs.values()), None)
            if doc is not None:
                found.append(doc)
        return found

    @property
    def bullets_built(self) -> bool:
        """Whether the bullet index exists already (then `find_bullets` is a quick in-memory ranking)."""
        return self._bullets is not None

    def bullet_index(self) -> BulletIndex:
        """The bullet search index, built on first use (or eagerly by calling this at start-up)."""
        if self._bullets is None:
            extractor = self._extractor
            if extractor is None:
                from knowledge.keywords import JiebaKeywordExtractor  # jieba loads lazily

                extractor = JiebaKeywordExtractor()
            bullets = [b for doc in self.docs for b in bullets_of(doc)]
            self._bullets = BulletIndex(
                bullets,
                self.keyword_hits,
                extractor=extractor,
                embedder=self._embedder,
                cache_dir=self._cache_dir,
            )
        return self._bullets

    def find_bullets(
        self,
        text: str,
        language: str = "zh",
        k: int = 3,
        *,
        vector: object | None = None,
        min_relevance: float | None = None,
        topics: Sequence[str] = (),
    ) -> list[PolicyHit]:
        """Policy bullets that answer a question, best first, in `language` when the document has it.

        `vector` is the question's embedding when the caller already has one (from the same embedder).
        Empty when nothing in the policies is relevant (a product question, small talk); a caller whose intent
        classifier already says "policy question" passes `min_relevance=0` to get the best bullets regardless.
        `topics` restricts the search to those policy documents (after-sales → warranty and returns).
        """
        return self.bullet_index().find(
            text,
            language,
            k,
            vector=vector,  # type: ignore[arg-type]
            min_relevance=min_relevance,
            topics=topics,
        )
