"""Publish the agents' commands on the core's registry, so menus list them and role checks apply.

The same handler also runs when `intercept` sees the command in the support chat first, so whichever
path the core takes, /claim /close /queue /transcript behave the same.
"""

from __future__ import annotations

from bot.domain.commands import AGENTS, CommandRegistry
from bot.handoff.service import HandoffService
from bot.handoff.support import AGENT_COMMANDS


def register_handoff_commands(registry: CommandRegistry, service: HandoffService) -> None:
    """Register /claim /close /queue /transcript for AGENT and STAFF roles (skips names already taken)."""
    for name in AGENT_COMMANDS:
        if name not in registry:
            key = f"handoff_cmd_{name}"
            registry.register(
                name,
                service.agent_command,
                roles=AGENTS,
                zh=service.messages.get(key, "zh"),
                en=service.messages.get(key, "en"),
            )
