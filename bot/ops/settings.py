"""One settings object, read once at the edge (the CLI) from the environment and `.env`.

The environment variable names marked *fixed* are driven by other tools and must never change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.reply_budget import DEFAULT_BUDGET
from bot.prompts import PROMPTS_DIR as DEFAULT_PROMPTS_DIR
from knowledge.money import ExchangeRates


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Everything Xiaoer can be configured with; see the README's configuration table."""

    # Blank means unset, for every setting: compose passes `VAR: ${VAR:-}` as "" when VAR is not set. A blank
    # environment variable falls through to `.env` and then to the default; blank keyword values are dropped.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    # LLM (fixed names). No key and no base URL = the offline composer.
    openai_api_key: SecretStr | None = Field(None, validation_alias=_alias("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_alias("OPENAI_BASE_URL"))
    llm_model: str = Field("gpt-4o-mini", validation_alias=_alias("XIAOER_LLM_MODEL"))
    llm_timeout_s: float = Field(30.0, gt=0, validation_alias=_alias("XIAOER_LLM_TIMEOUT"))
    # Time to the first token (and the longest silence between tokens), retries included: a stalled
    # provider costs the customer this long before the offline answer, whatever the retry settings. The
    # default is the reply budget's (bot/domain/reply_budget.py: 10 s promise − 1.5 s margin − the rest).
    llm_first_token_timeout_s: float = Field(
        DEFAULT_BUDGET.first_token_s(), gt=0, validation_alias=_alias("XIAOER_LLM_FIRST_TOKEN_TIMEOUT")
    )
    llm_max_retries: int = Field(2, validation_alias=_alias("XIAOER_LLM_MAX_RETRIES"))
    # The reply promise (bot/domain/reply_budget.py): seconds from a message's arrival within which its reply
    # goes out, the offline answer when the LLM has not started by then; it also caps the first-token wait.
    reply_promise_s: float = Field(
        DEFAULT_BUDGET.promise_s,
        ge=DEFAULT_BUDGET.promise_s - DEFAULT_BUDGET.first_token_s() + 1,
        validation_alias=_alias("XIAOER_REPLY_PROMISE"),
    )
    # Embeddings: unset = the offline multilingual encoder shipped in a wheel.
    embedding_model: str | None = Field(None, validation_alias=_alias("XIAOER_EMBEDDING_MODEL"))

    # Storage (fixed names).
    data_dir: Path = Field(Path(".xiaoer"), validation_alias=_alias("XIAOER_DATA_DIR"))
    chroma_url: str | None = Field(None, validation_alias=_alias("XIAOER_CHROMA_URL"))
    database_url: str | None = Field(None, validation_alias=_alias("XIAOER_DATABASE_URL"))

    # Telegram (fixed names).
    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_alias("TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias=_alias("TELEGRAM_API_BASE_URL")
    )
    telegram_api_file_url: str = Field(
        "https://api.telegram.org/file/bot", validation_alias=_alias("TELEGRAM_API_FILE_URL")
    )
    staff_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias=_alias("XIAOER_STAFF_IDS")
    )
    support_chat_id: int | None = Field(None, validation_alias=_alias("XIAOER_SUPPORT_CHAT_ID"))
    webhook_secret: SecretStr | None = Field(None, validation_alias=_alias("XIAOER_WEBHOOK_SECRET"))
    # Telegram: seconds a reply may take before the typing indicator shows (sooner: the reply is just sent).
    typing_after_s: float = Field(1.0, ge=0, validation_alias=_alias("XIAOER_TYPING_AFTER"))
    # Fault injection for crash tests only: SIGKILL the Telegram process right after its first message was
    # accepted by the Bot API, before anything recorded it (the reply in doubt). Never set in production.
    fault_kill_after_send: bool = Field(False, validation_alias=_alias("XIAOER_FAULT_KILL_AFTER_SEND"))
    # Webhook mode: bot processes in this container sharing the port (SO_REUSEPORT); 1 = this process only.
    workers: int = Field(1, ge=1, le=64, validation_alias=_alias("XIAOER_WORKERS"))
    worker_index: int | None = Field(None, ge=0, validation_alias=_alias("XIAOER_WORKER_INDEX"))  # set by it

    # Behaviour.
    prompts_dir: Path = Field(DEFAULT_PROMPTS_DIR, validation_alias=_alias("XIAOER_PROMPTS_DIR"))
    # Store policy documents (*.md); unset = the sample policies shipped with the package.
    policies_dir: Path | None = Field(None, validation_alias=_alias("XIAOER_POLICIES_DIR"))
    rate_limit_messages: int = Field(6, validation_alias=_alias("XIAOER_RATE_LIMIT_MESSAGES"))
    rate_limit_window_s: float = Field(10.0, validation_alias=_alias("XIAOER_RATE_LIMIT_WINDOW"))
    handoff_claim_timeout_s: float = Field(300.0, validation_alias=_alias("XIAOER_HANDOFF_TIMEOUT"))
    # Agents' messages reach customers as anonymous copies unless this is on (then "Li: …").
    handoff_reveal_agent: bool = Field(False, validation_alias=_alias("XIAOER_HANDOFF_REVEAL_AGENT"))
    support_language: str = Field("zh", validation_alias=_alias("XIAOER_SUPPORT_LANGUAGE"))  # cards, /queue
    history_token_budget: int = Field(1500, validation_alias=_alias("XIAOER_HISTORY_TOKENS"))
    pseudonym_key: SecretStr = Field(
        SecretStr("xiaoer-local-pseudonym-key"), validation_alias=_alias("XIAOER_PSEUDONYM_KEY")
    )
    log_level: str = Field("INFO", validation_alias=_alias("XIAOER_LOG_LEVEL"))
    log_json: bool = Field(False, validation_alias=_alias("XIAOER_LOG_JSON"))
    # Transcripts (conversation turns, handoff transcripts, insights rows) older than this are purged; 0 = keep.
    retention_days: int = Field(180, ge=0, validation_alias=_alias("XIAOER_RETENTION_DAYS"))
    # Web channel (`xiaoer web`): sites allowed to embed the widget (comma-separated origins such as
    # https://shop.example), the secret that signs visitor sessions and buttons (unset = a random one kept
    # in the data directory), limits per visitor and per IP address, console login lifetime.
    web_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_alias("XIAOER_WEB_ORIGINS")
    )
    web_secret: SecretStr | None = Field(None, validation_alias=_alias("XIAOER_WEB_SECRET"))
    web_ip_rate_limit_messages: int = Field(60, validation_alias=_alias("XIAOER_WEB_IP_RATE_LIMIT_MESSAGES"))
    web_ip_max_sockets: int = Field(50, validation_alias=_alias("XIAOER_WEB_IP_MAX_SOCKETS"))
    web_max_chars: int = Field(2000, validation_alias=_alias("XIAOER_WEB_MAX_CHARS"))
    web_forwarded_allow_ips: str = Field(
        "127.0.0.1", validation_alias=_alias("XIAOER_WEB_FORWARDED_ALLOW_IPS")
    )
    console_session_hours: float = Field(8.0, validation_alias=_alias("XIAOER_CONSOLE_SESSION_HOURS"))
    # Prices in different currencies are compared only through these rates ("USD:CNY=7.1,EUR:CNY=7.8");
    # unset = never (a budget in 元 admits only prices in 元).
    exchange_rates: str | None = Field(None, validation_alias=_alias("XIAOER_EXCHANGE_RATES"))
    # Ops HTTP endpoint (/metrics, /healthz, /readyz); unset = not served.
    metrics_port: int | None = Field(None, validation_alias=_alias("XIAOER_METRICS_PORT"))

    # Orders (fixed names for the Shopify pair). No shop/token = the local store filled by `xiaoer orders import`.
    shopify_shop: str | None = Field(None, validation_alias=_alias("XIAOER_SHOPIFY_SHOP"))
    shopify_token: SecretStr | None = Field(None, validation_alias=_alias("XIAOER_SHOPIFY_TOKEN"))
    shopify_api_version: str = Field("2026-01", validation_alias=_alias("XIAOER_SHOPIFY_API_VERSION"))
    # Verification: lockout after N failures within the window (per user and per order number); link lifetime.
    order_verify_max_failures: int = Field(
        5, ge=1, validation_alias=_alias("XIAOER_ORDER_VERIFY_MAX_FAILURES")
    )
    order_verify_window_s: float = Field(900.0, gt=0, validation_alias=_alias("XIAOER_ORDER_VERIFY_WINDOW"))
    order_verify_ttl_s: float = Field(3600.0, gt=0, validation_alias=_alias("XIAOER_ORDER_VERIFY_TTL"))

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("exchange_rates")
    @classmethod
    def _valid_rates(cls, value: str | None) -> str | None:
        ExchangeRates.parse(value)  # raises ValueError naming the bad entry: a clear start-up error
        return value

    @field_validator("web_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: object) -> object:
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return data

    @property
    def llm_configured(self) -> bool:
        """An LLM is used when a key or a base URL is given (Ollama and vLLM need no key)."""
        return bool(self.openai_api_key and self.openai_api_key.get_secret_value()) or bool(
            self.openai_base_url
        )

    @property
    def shopify_configured(self) -> bool:
        """Orders come from Shopify when both the shop and an access token are set."""
        return bool(self.shopify_shop) and bool(self.shopify_token and self.shopify_token.get_secret_value())

    @property
    def resolved_database_url(self) -> str:
        """SQLAlchemy URL: `XIAOER_DATABASE_URL`, else SQLite in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'xiaoer.db').resolve()}"


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` / `postgresql://` forms and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and `.env`) once; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
