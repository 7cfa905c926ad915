"""`xiaoer staff add|list|passwd|disable|enable`: accounts for the web console (staff: everything; agents: the inbox)."""

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
        ended = _auth().set_password(name, _password())
    except AccountError as exc:
        typer.echo(f"xiaoer staff passwd: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Password of {name!r} changed; {ended} open console session(s) ended.")


@staff_app.command("disable")
def disable(name: str = typer.Argument(..., help="The account to lock.")) -> None:
    """Lock an account: it can no longer log in, and its open console sessions end now."""
    _set_disabled("disable", name, True)


@staff_app.command("enable")
def enable(name: str = typer.Argument(..., help="The account to unlock.")) -> None:
    """Unlock a disabled account (its password is unchanged)."""
    _set_disabled("enable", name, False)


def _set_disabled(command: str, name: str, disabled: bool) -> None:
    from bot.staff.accounts import AccountError

    try:
        ended = _auth().set_disabled(name, disabled)
    except AccountError as exc:
        typer.echo(f"xiaoer staff {command}: {exc}", err=True)
        raise typer.Exit(1) from None
    if disabled:
        typer.echo(f"Disabled {name!r}; {ended} open console session(s) ended.")
    else:
        typer.echo(f"Enabled {name!r}.")


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
