"""The staff console under /console/: login, the handoff inbox across channels, insights, catalog upload,
the copy generator and the audit log — server-rendered HTML (Jinja2, autoescaped) and a little JS."""

from bot.channels.web.console.routes import ConsoleDeps, build_console_router

__all__ = ["ConsoleDeps", "build_console_router"]
