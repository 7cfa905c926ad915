"""A role-checked registry of slash commands, shared by every feature and every channel.

Features register handlers (copy, keywords, handoff, …); channels read `for_role` to publish menus
(Telegram's `set_my_commands` per scope). The core checks the role before calling a handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.messages import Inbound, Outbound, Role

CommandHandler = Callable[[Inbound], Awaitable[list[Outbound]]]

EVERYONE = frozenset(Role)
STAFF_ONLY = frozenset({Role.STAFF})
AGENTS = frozenset({Role.AGENT, Role.STAFF})


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    roles: frozenset[Role]
    description_zh: str
    description_en: str

    def allowed(self, role: Role) -> bool:
        return role in self.roles

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_zh


class CommandRegistry:
    """Name → command. Registering a name twice is a programming error."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(
        self,
        name: str,
        handler: CommandHandler,
        *,
        roles: frozenset[Role] = EVERYONE,
        zh: str = "",
        en: str = "",
    ) -> None:
        if name in self._commands:
            raise ValueError(f"command /{name} registered twice")
        self._commands[name] = Command(name, handler, frozenset(roles), zh or name, en or name)

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._commands

    def for_role(self, role: Role) -> list[Command]:
        """Commands a role may use, in registration order (for command menus and /help)."""
        return [command for command in self._commands.values() if command.allowed(role)]
