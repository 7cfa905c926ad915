"""`open_product_index`: the one way the CLI and the bot open the product index on a data directory."""

from __future__ import annotations

import logging
from pathlib import Path

from knowledge.embeddings import make_embedder
from knowledge.hybrid import HybridProductIndex
from knowledge.money import NO_RATES, ExchangeRates
from knowledge.protocols import Embedder, KeywordExtractor

log = logging.getLogger(__name__)


def default_extractor(data_dir: Path) -> KeywordExtractor:
    """jieba with the catalog's own vocabulary; the dictionary-free tokenizer only if that module is missing."""
    try:
        from knowledge.keywords import JiebaKeywordExtractor
        from knowledge.vocabulary import Vocabulary
    except ImportError:  # pragma: no cover - only while the keywords module is absent
        from knowledge.simple_tokens import SimpleKeywordExtractor

        log.warning("knowledge.keywords is unavailable; using the simple tokenizer")
        return SimpleKeywordExtractor()
    return JiebaKeywordExtractor(Vocabulary.load(Path(data_dir) / "vocabulary.json"))


def open_product_index(
    data_dir: Path,
    *,
    chroma_url: str | None = None,
    embedder: Embedder | None = None,
    extractor: KeywordExtractor | None = None,
    rates: ExchangeRates = NO_RATES,
) -> HybridProductIndex:
    """Chroma under `data_dir/chroma` (or the server at `chroma_url`) + BM25 under `data_dir/bm25`.

    `rates` convert price bounds between currencies (none: a bound admits only prices in its own currency).
    Raises `knowledge.errors.StoreUnavailable` when the store cannot be opened (e.g. the server is down).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return HybridProductIndex(
        data_dir,
        embedder=embedder or make_embedder(),
        extractor=extractor or default_extractor(data_dir),
        chroma_url=chroma_url,
        rates=rates,
    )
