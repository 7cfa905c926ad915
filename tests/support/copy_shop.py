"""A catalog the copy code was not written for, copied on every platform and scored by the rubric.

Shared by the tests that read offline copy of other shops' catalogs (`test_copy_generalisation`,
`test_copy_third_catalog`): products built from a few fields, every platform's copy (and `/describe`) in the
professional tone, and the rubric row over all of them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.copywriting import rubric
from bot.copywriting.models import CopyResult
from bot.copywriting.platforms import CopyLibrary
from bot.copywriting.service import CopyService
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product

LIBRARY = CopyLibrary.load(DEFAULT_PROMPTS_DIR)


def catalog_product(
    sku: str, title: str, brand: str, category: str, description: str, **attributes: str
) -> Product:
    """A catalog row; `tags="a;b"` becomes the tags, every other keyword an attribute."""
    tags = attributes.pop("tags", "")
    return Product(
        sku=sku,
        title=title,
        brand=brand,
        category=category,
        description=description,
        tags=[t for t in tags.split(";") if t],
        attributes=attributes,
    )


@dataclass
class ShopCopy:
    """Every product of one shop × every platform and `/describe`, with the service that wrote them."""

    service: CopyService
    copies: list[tuple[Product, CopyResult]]

    def rubric_row(self, name: str) -> rubric.RubricRow:
        samples = [sample(product, result) for product, result in self.copies]
        return rubric.score(
            name,
            samples,
            vocabulary=rubric.vocabulary_of(s.product for s in samples),
            compliance=self.service.checks.compliance,
            forms=self.service.glossary.forms,
            label=self.service.book.label,
        )


def copy_every_platform(shop: list[Product]) -> ShopCopy:
    """Offline copy of `shop` on every platform (tone "professional", variant 1), keywords from its own words."""
    service = CopyService(LIBRARY, extractor=JiebaKeywordExtractor(build_vocabulary(shop)))
    platforms = [*LIBRARY.platforms.values(), LIBRARY.describe]

    async def run() -> list[tuple[Product, CopyResult]]:
        out = []
        for product in shop:
            facts = await service.resolve(product)
            for spec in platforms:
                out.append((product, await service._one(facts, spec, "professional", 1)))
        return out

    return ShopCopy(service, asyncio.run(run()))


def sample(product: Product, result: CopyResult) -> rubric.CopySample:
    """One copy as the rubric reads it."""
    spec = LIBRARY.platforms.get(result.platform) or LIBRARY.describe
    item = rubric.RubricProduct(
        product.sku,
        product.attributes,
        product.brand,
        product.description,
        product.title,
        category=product.category,
    )
    return rubric.CopySample(
        result.platform,
        spec.language,
        item,
        result.title,
        result.text,
        result.bullets,
        result.needs_translation,
        result.keywords,
        tuple(f.type for f in result.flags),
    )
