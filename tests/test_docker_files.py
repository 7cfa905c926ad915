"""`docker/` stays consistent with the code: service layout, env names, CLI commands, non-root image, proxy.

`make docker-check` builds the image and runs the stack for real (it needs root and minutes, so it is not part of
`make test`); these tests keep the files honest on every run: every environment name must be a real Settings
alias, every command must parse with the real CLI (`xiaoer …`, `chroma run …`), the proxy must point at the bot's
webhook port, and the image must create every path its services write to.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from bot.cli.main import app
from bot.ops.settings import Settings, load_settings

DOCKER = Path(__file__).resolve().parents[1] / "docker"
XIAOER_SERVICES = ("chroma", "ingest", "bot")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
ENV = {
    "TELEGRAM_BOT_TOKEN": "123:abc",
    "PUBLIC_WEBHOOK_URL": "https://shop.example.com/telegram",
    "XIAOER_WEBHOOK_SECRET": "s3cret",
}


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose-style `${VAR}`, `${VAR:-default}`, `${VAR:?error}` over nested structures."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        if op.endswith("?"):
            raise KeyError(f"{name}: {arg}")
        return arg

    return _VAR.sub(sub, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return interpolate(yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8")), ENV)


def settings_aliases() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(c for c in getattr(alias, "choices", [alias]) if isinstance(c, str) and c.isupper())
    return names


def cli_commands() -> dict[str, Any]:
    """`xiaoer`'s sub-commands (Typer collapses an app with one command into that command).

    Duck-typed: recent Typer versions bring their own copy of click, so isinstance checks mislead."""
    command = typer.main.get_command(app)
    subcommands = getattr(command, "commands", None)
    return dict(subcommands) if subcommands is not None else {command.name or "": command}


def test_services_and_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"chroma", "postgres", "ingest", "bot", "proxy"} <= set(services)
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert set(depends) <= set(services), name
    assert services["bot"]["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    assert int(services["bot"]["deploy"]["replicas"]) >= 2
    assert set(compose["volumes"]) >= {"chroma-data", "postgres-data", "xiaoer-data"}


def test_environment_names_are_real_settings(compose: dict[str, Any]) -> None:
    aliases = settings_aliases()
    assert {"XIAOER_CHROMA_URL", "XIAOER_DATABASE_URL", "OPENAI_API_KEY", "TELEGRAM_BOT_TOKEN"} <= aliases
    for name in ("ingest", "bot"):
        env = compose["services"][name]["environment"]
        unknown = set(env) - aliases
        assert not unknown, f"{name}: {sorted(unknown)} are not Settings aliases"
    assert set(compose["services"]["chroma"]["environment"]) == {"ANONYMIZED_TELEMETRY"}


def test_bot_environment_loads_into_settings(compose: dict[str, Any]) -> None:
    env = compose["services"]["bot"]["environment"]
    assert env["XIAOER_SUPPORT_CHAT_ID"] == ""  # unset optional settings arrive blank: blank means unset
    settings = load_settings(**env)
    assert settings.resolved_database_url == "postgresql+psycopg://xiaoer:xiaoer@postgres:5432/xiaoer"
    assert settings.chroma_url == "http://chroma:8000"
    assert settings.metrics_port == 9090 and settings.log_json is True
    assert settings.telegram_bot_token is not None and settings.webhook_secret is not None
    assert not settings.llm_configured  # no key and no base URL → the offline composer


def _xiaoer_argv(service: dict[str, Any]) -> list[str]:
    assert "entrypoint" not in service  # the image's ENTRYPOINT is `xiaoer`
    return [str(part) for part in service["command"]]


@pytest.mark.parametrize("service", ["ingest", "bot"])
def test_commands_parse_with_the_real_cli(compose: dict[str, Any], service: str) -> None:
    argv = _xiaoer_argv(compose["services"][service])
    commands = cli_commands()
    name, *args = argv
    assert name in commands, f"`xiaoer {name}` does not exist (have {sorted(commands)})"
    commands[name].make_context(name, list(args))  # raises click.UsageError when it does not parse


def test_bot_listens_where_the_proxy_and_healthcheck_look(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    argv = _xiaoer_argv(bot)
    port = argv[argv.index("--port") + 1]
    assert argv[argv.index("--listen") + 1] == "0.0.0.0"
    assert argv[argv.index("--webhook") + 1] == ENV["PUBLIC_WEBHOOK_URL"]
    assert {port, bot["environment"]["XIAOER_METRICS_PORT"]} == set(bot["expose"])
    nginx = (DOCKER / "nginx.conf").read_text(encoding="utf-8")
    # The upstream is named through a variable, so nginx re-resolves `bot` (every replica) at request time.
    upstream = re.search(r"set\s+\$(\w+)\s+http://([\w.-]+):(\d+);", nginx)
    assert upstream is not None
    assert (upstream.group(2), upstream.group(3)) == ("bot", port)
    assert f"proxy_pass ${upstream.group(1)};" in nginx
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", nginx, re.M), "Docker's embedded DNS"
    listen = re.search(r"listen\s+(\d+);", nginx)
    assert listen is not None
    published = compose["services"]["proxy"]["ports"][0]
    assert published.split(":")[-1] == listen.group(1)
    assert compose["services"]["proxy"]["volumes"][0].startswith("./nginx.conf:")
    assert "/metrics" not in re.findall(r"location\s+(\S+)", nginx)


def test_proxy_config_runs_on_nginx_1_22() -> None:
    """Debian bookworm ships nginx 1.22 (and `make docker-check` runs it): no `resolve` on upstream servers
    (nginx >= 1.27.3) and no upstream block that would pin the replicas resolved at start-up."""
    nginx = (DOCKER / "nginx.conf").read_text(encoding="utf-8")
    directives = re.sub(r"#.*", "", nginx)
    assert not re.search(r"\bupstream\s+\w+\s*\{", directives)
    assert not re.search(r"\bserver\s+[^;{]*\bresolve\b", directives)


def test_chroma_service_runs_the_real_chroma_cli(compose: dict[str, Any]) -> None:
    chroma = compose["services"]["chroma"]
    argv = chroma["entrypoint"] + chroma["command"]
    assert argv[:2] == ["chroma", "run"]
    cli = Path(sys.executable).with_name("chroma")
    help_text = subprocess.run(
        [str(cli), "run", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for option in [a for a in argv[2:] if a.startswith("--")]:
        assert option in help_text, option
    assert argv[argv.index("--port") + 1] == "8000"
    assert compose["services"]["bot"]["environment"]["XIAOER_CHROMA_URL"] == "http://chroma:8000"
    assert "8000/api/v2/heartbeat" in " ".join(chroma["healthcheck"]["test"])


def _stages(dockerfile: str) -> list[tuple[str, list[str]]]:
    stages: list[tuple[str, list[str]]] = []
    for raw in re.sub(r"\\\n", " ", dockerfile).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_dockerfile_is_multi_stage_non_root_and_caches_dependencies() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    stages = _stages(text)
    assert len(stages) >= 2 and all(" AS " in head.upper() for head, _ in stages)
    builder = stages[0][1]
    copies = [line for line in builder if line.startswith("COPY")]
    assert copies[0].split()[1] == "pyproject.toml", (
        "dependencies must be installed before the code is copied"
    )
    first_code = next(i for i, line in enumerate(builder) if line.startswith("COPY bot"))
    install_deps = next(i for i, line in enumerate(builder) if "pip install -r" in line)
    assert install_deps < first_code
    runtime = stages[-1][1]
    assert "COPY --from=builder /app /app" in runtime, "the code is installed in place at /app"
    users = [line.split()[1] for line in runtime if line.startswith("USER")]
    assert users and users[-1] not in ("root", "0")
    exposed = {port for line in runtime if line.startswith("EXPOSE") for port in line.split()[1:]}
    assert {"8443", "9090", "8000"} <= exposed
    entry = next(line for line in runtime if line.startswith("ENTRYPOINT"))
    assert "xiaoer" in entry
    env_names = {
        m.group(1)
        for line in runtime
        if line.startswith("ENV")
        for m in re.finditer(r"\b([A-Z][A-Z0-9_]+)=", line)
    }
    xiaoer_env = {name for name in env_names if name.startswith("XIAOER_")}
    assert xiaoer_env <= settings_aliases(), xiaoer_env - settings_aliases()
    assert "/healthz" in next(line for line in runtime if line.startswith("HEALTHCHECK"))
    # Every COPY source exists in the repository and is let through by the build-context ignore file, which
    # sits at the context root: the classic builder (`make docker-check`), BuildKit and Compose all read it there.
    root = DOCKER.parent
    ignore = [
        line.strip()
        for line in (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "**", "the context is deny-by-default"
    for _head, lines in stages:
        for line in lines:
            if line.startswith("COPY") and "--from=" not in line:
                sources = [p for p in shlex.split(line)[1:-1] if not p.startswith("--")]
                for source in sources:
                    assert (root / source).exists(), source
                    allowed = f"!{source.rstrip('/')}/**" if (root / source).is_dir() else f"!{source}"
                    assert allowed in ignore, f"{source} is not in .dockerignore"


def test_dockerfile_builds_without_a_frontend_image_or_registry_base() -> None:
    """No `# syntax=` line (BuildKit would pull a frontend image) and a base image that can be swapped for a
    local one (`make docker-check` passes BASE_IMAGE where no registry is reachable)."""
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I)
    assert re.search(r"^ARG BASE_IMAGE=python:\$\{PYTHON_VERSION\}-slim$", text, re.M)
    assert [head.split()[1] for head, _ in _stages(text)] == ["${BASE_IMAGE}", "${BASE_IMAGE}"]


def test_image_creates_every_path_its_services_write(compose: dict[str, Any]) -> None:
    """A fresh named volume takes the owner of the image's directory it is mounted on: a path the image does
    not create is root-owned, and the non-root service cannot write it (Chroma died on /chroma that way)."""
    runtime = _stages((DOCKER / "Dockerfile").read_text(encoding="utf-8"))[-1][1]
    user = [line.split()[1] for line in runtime if line.startswith("USER")][-1]
    commands = " ".join(line for line in runtime if line.startswith("RUN"))
    created = {p for m in re.finditer(r"mkdir -p((?:\s+/[\w./-]+)+)", commands) for p in m.group(1).split()}
    owned = {
        p
        for m in re.finditer(rf"chown (?:-R )?{user}(?::{user})?((?:\s+/[\w./-]+)+)", commands)
        for p in m.group(1).split()
    }
    writable = set()
    for name in XIAOER_SERVICES:
        for volume in compose["services"][name].get("volumes", []):
            source, target, *mode = volume.split(":")
            if source in compose["volumes"] and mode != ["ro"]:
                writable.add(target)
    chroma = compose["services"]["chroma"]["command"]
    assert chroma[chroma.index("--path") + 1] in writable
    assert writable == {"/data", "/chroma"}
    assert writable <= created, writable - created
    assert writable <= owned, writable - owned


def test_docker_check_override_adds_peers_and_leaves_the_users_services_alone() -> None:
    """docker/compose.check.yaml (for `make docker-check` only) adds the local Bot API and LLM servers and may
    swap the PostgreSQL/nginx images for local stand-ins; the users' services keep their own definitions."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!override", lambda loader, node: loader.construct_sequence(node))
    override = interpolate(
        yaml.load((DOCKER / "compose.check.yaml").read_text(encoding="utf-8"), Loader), ENV
    )
    services = override["services"]
    assert set(services) == {"postgres", "proxy", "telegram", "llm", "bot"}
    assert set(services["postgres"]) == {"image"} and set(services["proxy"]) == {"image", "ports"}
    assert set(services["bot"]) == {"depends_on"}
    for peer in ("telegram", "llm"):
        assert services[peer]["command"][0] == peer
        mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in services[peer]["volumes"]}
        assert mounts["../tests"] == "/check/tests"
        script = services[peer]["entrypoint"][-1]
        assert (DOCKER / next(src for src, dst in mounts.items() if dst == script)).exists()
