"""Carriers as data: codes, zh/en names and tracking-link templates from `knowledge/resources/carriers.yaml`.

Why data: a shop that ships with another courier adds an entry to the file; no code changes. The file is
validated when loaded (unknown keys, duplicate codes or aliases, a template without `{number}` fail with the
file's name), and the tracking number is URL-encoded into the template, so a number can never inject a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.orders.contact import normalise_text
from knowledge.resources import RESOURCES_DIR
from knowledge.yaml_data import load_yaml

CARRIERS_FILE = RESOURCES_DIR / "carriers.yaml"


class CarrierFileError(ValueError):
    """The carriers file is invalid; the message names the file and the entry."""


class Carrier(BaseModel):
    """One carrier: `code` is what the orders file and the stores keep."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()
    tracking_url: str
    url_kind: Literal["deep_link", "landing"] = "landing"

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not value or not value.isascii() or value != value.strip().lower():
            raise ValueError(f"carrier code {value!r} must be lower-case ASCII")
        return value

    @field_validator("tracking_url")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{number}" not in value or not value.startswith("https://"):
            raise ValueError(f"tracking_url {value!r} must be an https:// template containing {{number}}")
        return value

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    def tracking_link(self, number: str) -> str:
        """The tracking page for `number` ("" when there is no number yet)."""
        number = number.strip()
        return self.tracking_url.replace("{number}", quote(number, safe="")) if number else ""


def _alias_key(text: str) -> str:
    return "".join(normalise_text(text).casefold().split()).replace(".", "")


@dataclass(frozen=True)
class CarrierBook:
    """Every known carrier by code, plus a lookup by the names platforms use ("SF Express" → sf)."""

    carriers: dict[str, Carrier]
    aliases: dict[str, str]

    @classmethod
    def load(cls, path: Path = CARRIERS_FILE) -> CarrierBook:
        """Read and validate a carriers file; raises CarrierFileError naming the file."""
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CarrierFileError(f"{path}: cannot read the carriers file ({exc})") from exc
        entries = data.get("carriers") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            raise CarrierFileError(f"{path}: expected a non-empty `carriers:` list")
        carriers: dict[str, Carrier] = {}
        aliases: dict[str, str] = {}
        for position, entry in enumerate(entries, start=1):
            try:
                carrier = Carrier.model_validate(entry)
            except ValidationError as exc:
                raise CarrierFileError(f"{path}: carrier #{position} is invalid: {exc}") from exc
            if carrier.code in carriers:
                raise CarrierFileError(f"{path}: carrier code {carrier.code!r} appears twice")
            carriers[carrier.code] = carrier
            for name in (carrier.code, carrier.name_zh, carrier.name_en, *carrier.aliases):
                key = _alias_key(name)
                if aliases.get(key, carrier.code) != carrier.code:
                    raise CarrierFileError(f"{path}: the name {name!r} belongs to two carriers")
                aliases[key] = carrier.code
        return cls(carriers, aliases)

    def __contains__(self, code: str) -> bool:
        return code in self.carriers

    def get(self, code: str) -> Carrier | None:
        return self.carriers.get(code)

    def codes(self) -> list[str]:
        return list(self.carriers)

    def resolve(self, name: str) -> Carrier | None:
        """The carrier a code or any known name refers to ("顺丰", "SF Express", "sf" → SF); None if unknown."""
        code = self.aliases.get(_alias_key(name)) if name else None
        return self.carriers.get(code) if code else None


@cache
def default_carriers() -> CarrierBook:
    """The carriers shipped with Xiaoer (cached: the file is read once per process)."""
    return CarrierBook.load(CARRIERS_FILE)
