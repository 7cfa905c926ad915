"""Prompts and user-facing strings: data files in this folder (package data), validated at start-up.

A prompt file is YAML with `description`, `variables`, `system`, `human` and an optional free-form
`meta` (e.g. a copy platform's limits). Unknown keys, or placeholders that differ from the declared
variables, fail with the file's name. Templates use f-string syntax (as LangChain's f-string templates
do), never Jinja; a loaded prompt is a plain `bot.domain.prompt.PromptSpec`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.domain.errors import PromptFileError
from bot.domain.prompt import PromptSpec, placeholders
from knowledge.yaml_data import load_yaml

__all__ = [
    "LANGUAGES",
    "PROMPTS_DIR",
    "Messages",
    "PromptSpec",
    "load_messages",
    "load_prompt",
    "load_prompt_dir",
    "placeholders",
]

PROMPT_KEYS = frozenset({"description", "variables", "system", "human", "meta"})
LANGUAGES = ("zh", "en")
# The prompt and string files ship inside the package (package data), next to this loader.
PROMPTS_DIR = Path(__file__).resolve().parent


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptFileError(f"{path}: cannot read prompt file: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptFileError(f"{path}: expected a mapping at the top level")
    return data


def load_prompt(path: Path) -> PromptSpec:
    """Load and validate one prompt file."""
    data = _read_yaml(path)
    unknown = set(data) - PROMPT_KEYS
    if unknown:
        raise PromptFileError(f"{path}: unknown keys {sorted(unknown)} (allowed: {sorted(PROMPT_KEYS)})")
    for key in ("system", "human"):
        if not isinstance(data.get(key), str):
            raise PromptFileError(f"{path}: '{key}' must be a string")
    declared = tuple(data.get("variables") or ())
    used = placeholders(data["system"]) | placeholders(data["human"])
    if used != set(declared):
        raise PromptFileError(
            f"{path}: placeholders {sorted(used)} do not match declared variables {sorted(declared)}"
        )
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise PromptFileError(f"{path}: 'meta' must be a mapping")
    return PromptSpec(
        name=path.stem,
        messages=(("system", data["system"]), ("user", data["human"])),
        variables=declared,
        path=path,
        description=str(data.get("description", "")),
        meta=meta,
    )


def load_prompt_dir(directory: Path) -> dict[str, PromptSpec]:
    """Every `*.yaml` prompt in a folder, by file stem (a new platform is a new file)."""
    return {path.stem: load_prompt(path) for path in sorted(directory.glob("*.yaml"))}


class Messages:
    """User-facing strings in Chinese and English from `messages.yaml` (`key: {zh: …, en: …}`)."""

    def __init__(self, path: Path) -> None:
        data = _read_yaml(path)
        self.path = path
        self._strings: dict[str, dict[str, str]] = {}
        for key, value in data.items():
            if not isinstance(value, dict) or set(value) != set(LANGUAGES):
                raise PromptFileError(f"{path}: '{key}' must have exactly the languages {list(LANGUAGES)}")
            if placeholders(value["zh"]) != placeholders(value["en"]):
                raise PromptFileError(f"{path}: '{key}' uses different placeholders in zh and en")
            self._strings[key] = {lang: str(text) for lang, text in value.items()}

    def __contains__(self, key: str) -> bool:
        return key in self._strings

    def keys(self) -> set[str]:
        return set(self._strings)

    def get(self, key: str, lang: str = "zh", **values: object) -> str:
        """The string for `key` in `lang` ('zh' unless 'en'), formatted with `values`."""
        text = self._strings[key]["en" if lang == "en" else "zh"]
        return text.format(**values) if values else text


@lru_cache(maxsize=8)
def load_messages(prompts_dir: Path) -> Messages:
    return Messages(prompts_dir / "messages.yaml")
