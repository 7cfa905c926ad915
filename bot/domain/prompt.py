"""A prompt as a plain value: role-tagged f-string templates and the variables they declare.

The prompt files under `bot/prompts/` load into `PromptSpec`s; the conversation and copywriting pass a spec
and its values to a `bot.domain.protocols.ChatModel`, which turns them into a request (the OpenAI adapter
with LangChain's `ChatPromptTemplate`, the scripted model with `render`). Templates use Python's f-string
syntax (`{name}`, `{{` for a literal brace) — the same syntax LangChain's f-string templates use — so both
implementations format a prompt identically. Model output that must go back into a conversation (a second
attempt after a rejected draft) enters as a *value* of an `assistant` turn, never as template text.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant")
_FORMATTER = string.Formatter()


def placeholders(template: str) -> set[str]:
    """Field names used by an f-string template ('{{' escapes are ignored)."""
    names: set[str] = set()
    for _, name, _, _ in _FORMATTER.parse(template):
        if name:
            names.add(name.split(".", 1)[0].split("[", 1)[0])
    return names


@dataclass(frozen=True)
class ChatMessage:
    """One formatted turn of a chat request (`role` as in the OpenAI chat API)."""

    role: Role
    text: str


@dataclass(frozen=True)
class PromptSpec:
    """A validated prompt: `messages` are (role, f-string template) pairs in request order.

    `variables` are the placeholders the templates use (checked by the loader); `meta` is free-form data a
    feature keeps with its prompt (e.g. a copy platform's limits).
    """

    name: str
    messages: tuple[tuple[Role, str], ...]
    variables: tuple[str, ...]
    path: Path | None = None
    description: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def system(self) -> str:
        """The first system template ('' when there is none)."""
        return next((text for role, text in self.messages if role == "system"), "")

    @property
    def human(self) -> str:
        """The first user template ('' when there is none)."""
        return next((text for role, text in self.messages if role == "user"), "")

    def render(self, values: Mapping[str, object]) -> tuple[ChatMessage, ...]:
        """The turns with `values` filled in; raises KeyError naming a variable that has no value."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise KeyError(f"prompt {self.name!r} is missing values for {missing}")
        return tuple(ChatMessage(role, _FORMATTER.vformat(text, (), values)) for role, text in self.messages)

    def then(self, *turns: tuple[Role, str]) -> PromptSpec:
        """This prompt followed by more turns (e.g. `("assistant", "{previous}")` and a revision request)."""
        declared = dict.fromkeys(self.variables)
        for _, template in turns:
            declared.update(dict.fromkeys(sorted(placeholders(template))))
        return replace(self, messages=(*self.messages, *turns), variables=tuple(declared))
