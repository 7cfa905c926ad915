"""How Xiaoer talks: the conversation core, chains, handoff, copy, channels, CLI and settings."""
