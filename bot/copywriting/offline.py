"""The offline composer: publishable, grounded copy from a product's own facts, with no LLM at all.

Every sentence is built from catalog facts: attributes phrased by kind (`attributes.yaml`), the catalog
description (each sentence cleaned by the advertising-law list and dropped when the edit breaks it), and lines
that name the product or its category (tone banks in `tones/*.yaml`, category families in `families.yaml`).
Structure and phrasing vary per product — theme order, sentence leads, clause templates, openers — chosen by a
generator seeded with (SKU, name, platform, tone, variant), so a batch does not repeat itself and a rerun is
identical. English copy (Amazon) is translated through the glossary; what it cannot translate is carried in
`Draft.untranslated` so the copy is flagged, never passed off as finished. The platform shapes live in
`bot/copywriting/styles.py`.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from bot.copywriting.attributes import AttributeBook
from bot.copywriting.compliance import ComplianceChecker
from bot.copywriting.composition import Ctx, DescriptionCleaner, Resources
from bot.copywriting.families import FamilyBook
from bot.copywriting.glossary import Glossary
from bot.copywriting.models import Draft, ProductFacts
from bot.copywriting.platforms import PlatformSpec, ToneSpec
from bot.copywriting.styles import STYLES


class OfflineComposer:
    """compose(facts, platform, tone, variant) → Draft, deterministic per (sku, platform, tone, variant)."""

    def __init__(self, root: Path, compliance: ComplianceChecker | None = None) -> None:
        self.resources = Resources(
            book=AttributeBook.load(root / "attributes.yaml"),
            glossary=Glossary.load(root / "glossary_en.yaml"),
            families=FamilyBook.load(root / "families.yaml"),
            cleaner=DescriptionCleaner(compliance),
        )

    @property
    def book(self) -> AttributeBook:
        return self.resources.book

    @property
    def glossary(self) -> Glossary:
        return self.resources.glossary

    @property
    def families(self) -> FamilyBook:
        return self.resources.families

    def compose(self, facts: ProductFacts, platform: PlatformSpec, tone: ToneSpec, variant: int) -> Draft:
        seed = hashlib.sha256(
            f"{facts.sku}|{facts.name}|{platform.name}|{tone.name}|{variant}".encode()
        ).digest()
        ctx = Ctx(
            self.resources, facts, platform, tone, variant, random.Random(int.from_bytes(seed[:8], "big"))
        )
        style = "amazon" if platform.language == "en" else platform.style
        return STYLES[style](ctx)
