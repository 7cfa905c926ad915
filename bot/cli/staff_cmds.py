"""`xiaoer staff add|list|passwd`: accounts for the web console (staff: everything; agents: the inbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from bot.staff.auth import StaffAuth

staff_app = typer.Typer(
    help="Accounts for the staff console (/console/ of `xiaoer web`).", no_args_is_help=True
)


def _auth() -> StaffAuth:
    from bot.ops.settings import load_settings
    from bot.staff.auth import StaffAuth
    from bot.staff.store_sql import SqlStaffStore
    from bot.wiring import open_database  # the schema is upgraded before accounts are written

    settings = load_settings()
    return StaffAuth(SqlStaffStore(open_database(settings)))


def _password(confirm: bool = True) -> str:
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


@staff_app.command("add")
def add(
    name: str = typer.Argument(..., help="Login name (2–32 letters, digits, Chinese, '.', '_', '-')."),
    role: str = typer.Option("agent", "--role", help="staff (everything) or agent (the handoff inbox)."),
) -> None:
    """Create an account; the password is asked for (twice) and stored only as an argon2 hash."""
    from bot.staff.accounts import AccountError, StaffRole

    if role not in (StaffRole.STAFF.value, StaffRole.AGENT.value):
        typer.echo("xiaoer staff add: --role must be staff or agent", err=True)
        raise typer.Exit(2)
    auth = _auth()
    try:
        auth.add_account(name, StaffRole(role), _password())
    except AccountError as exc:
        typer.echo(f"xiaoer staff add: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Added {role} account {name!r}. It can log in at /console/ of `xiaoer web`.")


@staff_app.command("passwd")
def passwd(name: str = typer.Argument(..., help="The account whose password changes.")) -> None:
    """Set a new password for an account."""
    from bot.staff.accounts import AccountError

    try:
        _auth().set_password(name, _password())
    except AccountError as exc:
        typer.echo(f"xiaoer staff passwd: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Password of {name!r} changed.")


@staff_app.command("list")
def list_accounts() -> None:
    """Accounts and their roles."""
    accounts = _auth().store.accounts()
    if not accounts:
        typer.echo("No accounts yet: xiaoer staff add NAME --role staff")
    for account in accounts:
        typer.echo(f"{account.name}\t{account.role.value}{'  (disabled)' if account.disabled else ''}")


def register(app: typer.Typer) -> None:
    app.add_typer(staff_app, name="staff")
