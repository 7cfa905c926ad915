"""CLI commands for the copy feature (placeholder until that feature lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the `xiaoer` app."""
