"""The devices a product is listed as fitting: a phone case "for iPhone 15", a charger for "华为 Mate 60".

Catalogs write them in an attribute (`attr_compatible`, `适用机型` …; values separated by `;`) and often in the
title too ("Spigen Tough Armor Case for iPhone 15"). A device named in a message is then a thing the customer
owns ("iPhone 15能用吗"), not the name of the case: mention resolution reads titles without these words, and
compatibility answers quote the list. Pure functions over `Product`.
"""

from __future__ import annotations

import re

from knowledge.models import Product
from knowledge.resources import normalise_text

COMPATIBLE_KEYS = frozenset(
    {
        "compatible",
        "compatibility",
        "compatible_with",
        "compatible_models",
        "works_with",
        "fits",
        "for_models",
        "适用机型",
        "适配机型",
        "兼容机型",
        "适用型号",
        "适配型号",
        "兼容型号",
        "适用设备",
    }
)
_SPLIT = re.compile(r"[;；,，、/|]")
_FOR = re.compile(r"(?:\bfor\b|适用于?|适配|专用)\s*$", re.IGNORECASE)


def compatible_models(product: Product) -> tuple[str, ...]:
    """The devices the listing says the product fits, as written ("iPhone 15", "华为 Mate 60"); () if none."""
    out: list[str] = []
    for key, value in product.attributes.items():
        if key.strip().lower().removeprefix("attr_") in COMPATIBLE_KEYS:
            out += [v.strip() for v in _SPLIT.split(value) if v.strip()]
    return tuple(dict.fromkeys(out))


def naming_title(product: Product) -> str:
    """The title without the devices it is listed as fitting ("Spigen Tough Armor Case for iPhone 15" →
    "Spigen Tough Armor Case"), so naming a device names no case; the title itself when nothing would be left
    or it writes none of them. Longest models first ("iPhone 15 Pro" before "iPhone 15")."""
    title = product.title
    models = sorted(compatible_models(product), key=len, reverse=True)
    if not models:
        return title
    lowered = normalise_text(title)
    out = title
    for model in models:
        form = normalise_text(model)
        if len(form) < 3 or form not in lowered:
            continue
        pattern = re.compile(r"\s*".join(re.escape(part) for part in model.split()), re.IGNORECASE)
        out = pattern.sub(" ", out)
        lowered = normalise_text(out)
    out = re.sub(r"\s+", " ", out).strip(" /,，")
    out = _FOR.sub("", out).strip()
    return out if len(normalise_text(out)) >= 2 and out != title else title


_DEVICE = re.compile(r"[a-z][a-z]*\s*\d+[a-z0-9 ]*|[a-z]+\s*(?:pro|max|plus|ultra|mini)\b", re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", normalise_text(text))


def _forms(model: str) -> tuple[str, ...]:
    """ "华为 Mate 60 Pro" → ("华为mate60pro", "mate60pro"): whole, and from its first Latin letter on (a customer
    writes "Mate 60 Pro" without the brand)."""
    whole = _squash(model)
    latin = re.search(r"[a-z0-9].*", whole)
    tail = latin.group(0) if latin and latin.start() > 0 and len(latin.group(0)) >= 4 else ""
    return tuple(f for f in (whole, tail) if f)


def _said(form: str, text: str) -> bool:
    """`form` (spaces squashed) in the normalised `text`, spaces allowed anywhere, and not inside a longer
    word or model ("iphone15" is not said by "iphone 15 pro" nor by "xiphone15")."""
    pattern = r"(?<![a-z0-9])" + r"\s*".join(re.escape(ch) for ch in form) + r"(?!\s*[a-z0-9])"
    return re.search(pattern, text) is not None


def devices_in(text: str, models: tuple[str, ...]) -> tuple[str, ...]:
    """The models of `models` the text names, longest first and as listed ("iPhone 16 Pro")."""
    norm = normalise_text(text)
    found = [m for m in sorted(set(models), key=len, reverse=True) if any(_said(f, norm) for f in _forms(m))]
    return tuple(found)


def fits(product: Product, text: str) -> tuple[bool | None, str]:
    """Whether the product is listed as fitting the device `text` names: (True, device) when its list has it
    (or its family: "华为" fits "华为 Mate 60"), (False, device) when the text names a device-like model its
    list lacks ("iPhone 15" for a case listed for iPhone 16), (None, "") when it has no list or the text
    names no device."""
    models = compatible_models(product)
    if not models:
        return None, ""
    named = devices_in(text, models)
    if named:
        return True, named[0]
    squashed = _squash(text)
    for model in models:  # a family entry ("iPhone", "华为") covers every model of it
        form = _squash(model)
        if not re.search(r"\d", form) and form in squashed:
            asked = _DEVICE.search(text)
            return True, asked.group(0).strip() if asked else model
    asked = _DEVICE.search(text)
    return (False, asked.group(0).strip()) if asked else (None, "")
