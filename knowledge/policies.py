"""Store policies (shipping, returns, payment, warranty …) as documents the bot may quote, found by topic.

Each policy is a Markdown file with a small YAML header (`topic`, `title`, `title_en`, `keywords_zh`,
`keywords_en`); the body is Chinese, and a `## English` section holds the English text. Keywords live in the
files, so a shop that brings its own policies also brings its own trigger words — no code change.

The returns and shipping headers may also declare the policy's figures (return window, excluded categories,
delivery days …; see `knowledge.policy_terms`), validated on load, so code decides with the numbers the customer
reads (`PolicyBook.terms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import KnowledgeError
from knowledge.models import PolicyDoc
from knowledge.policy_terms import TERMS_FIELDS, TERMS_MODELS, PolicyTerms, ReturnTerms, ShippingTerms

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_ENGLISH_HEADING = re.compile(r"^##\s*(English|EN|英文)\s*$", re.MULTILINE | re.IGNORECASE)
_TITLE_LINE = re.compile(r"\A\s*#\s+(.+?)\s*\n")


class PolicyError(KnowledgeError):
    """A policy file cannot be read (bad header, no topic)."""


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
            loaded = yaml.safe_load(match.group(1))
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
    """All policy documents of a shop, and a topic lookup for customer questions."""

    def __init__(self, topics: list[_Topic]) -> None:
        self._topics = topics

    @classmethod
    def load(cls, directory: Path) -> PolicyBook:
        """Read every `*.md` in a directory (sorted by name); a missing directory is an empty book."""
        directory = Path(directory)
        if not directory.is_dir():
            return cls([])
        return cls([_parse(path) for path in sorted(directory.glob("*.md"))])

    @property
    def docs(self) -> list[PolicyDoc]:
        return [doc for topic in self._topics for doc in topic.docs.values()]

    @property
    def terms(self) -> PolicyTerms:
        """The validated figures of the returns and shipping policies (None where a file declares none)."""
        returns = next((t.terms for t in self._topics if isinstance(t.terms, ReturnTerms)), None)
        shipping = next((t.terms for t in self._topics if isinstance(t.terms, ShippingTerms)), None)
        return PolicyTerms(returns=returns, shipping=shipping)

    def topics(self) -> list[str]:
        return [topic.name for topic in self._topics]

    def get(self, topic: str, language: str = "zh") -> PolicyDoc | None:
        """The document of one topic in a language (falling back to the other language)."""
        for entry in self._topics:
            if entry.name == topic:
                return entry.docs.get(language) or next(iter(entry.docs.values()), None)
        return None

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
