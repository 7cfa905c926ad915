"""Decide from a customer's words whether people should take over, and record why.

The phrases live in `bot/prompts/handoff/triggers.yaml` (data, not code): explicit requests, complaints and
strong negative sentiment, and sensitive topics (refund disputes, damaged goods, payment problems). Each
group can be switched off and names the reason stored on the request. "The bot could not answer twice in
a row" is the core's to notice; it calls `HandoffGate.request(…, reason="unanswered", …)` itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.errors import PromptFileError
from bot.prompts import PROMPTS_DIR as DEFAULT_PROMPTS_DIR
from knowledge.yaml_data import load_yaml

DEFAULT_TRIGGERS_FILE = DEFAULT_PROMPTS_DIR / "handoff" / "triggers.yaml"
_GROUP_KEYS = frozenset({"enabled", "reason", "phrases", "patterns"})


def _normalise(text: str) -> str:
    """Full-width → half-width, lower case, single spaces: "ＴＡＬＫ to  a Person" matches "talk to a person"."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@dataclass(frozen=True)
class TriggerGroup:
    """One configurable family of triggers (e.g. complaints) and the reason it records."""

    name: str
    reason: str
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    enabled: bool = True

    def matches(self, normalised: str) -> bool:
        return any(p in normalised for p in self.phrases) or any(p.search(normalised) for p in self.patterns)


class TriggerSet:
    """The loaded trigger file: `detect(text)` → reason or None; `is_leave(text)` for going back to the bot."""

    def __init__(self, groups: list[TriggerGroup], leave: tuple[str, ...] = ()) -> None:
        self.groups = groups
        self.leave = leave

    @classmethod
    def load(cls, path: Path = DEFAULT_TRIGGERS_FILE) -> TriggerSet:
        """Read and validate a trigger file; mistakes fail at start-up with the file's name."""
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PromptFileError(f"{path}: cannot read trigger file: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
            raise PromptFileError(f"{path}: expected a mapping with 'groups'")
        groups = [cls._group(path, name, spec) for name, spec in data["groups"].items()]
        leave = tuple(_normalise(str(p)) for p in data.get("leave") or ())
        return cls(groups, leave)

    @staticmethod
    def _group(path: Path, name: str, spec: Any) -> TriggerGroup:
        if not isinstance(spec, dict) or set(spec) - _GROUP_KEYS:
            raise PromptFileError(f"{path}: group '{name}' must be a mapping with keys {sorted(_GROUP_KEYS)}")
        try:
            patterns = tuple(re.compile(str(p)) for p in spec.get("patterns") or ())
        except re.error as exc:
            raise PromptFileError(f"{path}: group '{name}' has a bad pattern: {exc}") from exc
        phrases = tuple(_normalise(str(p)) for p in spec.get("phrases") or () if str(p).strip())
        if not phrases and not patterns:
            raise PromptFileError(f"{path}: group '{name}' has no phrases or patterns")
        return TriggerGroup(
            name=name,
            reason=str(spec.get("reason") or name),
            phrases=phrases,
            patterns=patterns,
            enabled=bool(spec.get("enabled", True)),
        )

    def detect(self, text: str) -> str | None:
        """The reason of the first enabled group the text matches (file order), else None."""
        normalised = _normalise(text)
        if not normalised:
            return None
        for group in self.groups:
            if group.enabled and group.matches(normalised):
                return group.reason
        return None

    def is_leave(self, text: str) -> bool:
        """True when a held customer asks to go back to the bot ("/cancel", "取消人工" …)."""
        normalised = _normalise(text)
        if not normalised:
            return False
        head = normalised.split(maxsplit=1)[0].split("@", 1)[0]
        return any(
            head == phrase if phrase.startswith("/") else phrase in normalised for phrase in self.leave
        )

    def reasons(self) -> list[str]:
        """Reasons of the enabled groups (for docs and /stats)."""
        return [g.reason for g in self.groups if g.enabled]


_default: TriggerSet | None = None


def detect_trigger(text: str, triggers: TriggerSet | None = None) -> str | None:
    """Reason a handoff should start for `text` (default trigger file), or None."""
    global _default
    if triggers is None:
        if _default is None:
            _default = TriggerSet.load()
        triggers = _default
    return triggers.detect(text)
