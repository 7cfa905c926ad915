"""Copy benchmark on AdvertiseGen (Shao et al., EMNLP 2019): offline copy vs the human-written summaries.

Each record's `content` (key#value pairs) becomes a product; the offline composer writes copy for it through
the same checks staff get (compliance, grounding, limits). Figures, for our copy and — as the baseline in
the same run — for the human `summary` (and the bare input values for overlap):
  coverage   share of the input values the text mentions
  invented   texts mentioning a value of an input key that the input does not have (another colour …)
  ad-law     texts with at least one advertising-law hit (the human copy has 33 with 最)
  length     mean characters; bigram F1 = character-bigram F1 against the human summary
  copies/s   offline generation speed (single process)
Skips cleanly when `../shared/data/advertisegen/dev800.jsonl` is absent. No assertions.

    .venv/bin/python bench/copy_bench.py [--limit 800] [--platforms describe,xiaohongshu,taobao]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from bot.copywriting.compliance import ComplianceChecker
from bot.copywriting.platforms import CopyLibrary
from bot.copywriting.service import CopyService
from bot.ops.settings import DEFAULT_PROMPTS_DIR
from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "advertisegen" / "dev800.jsonl"
TYPE_KEYS = ("衣样式", "裙型", "裤型", "类型")
TONES = ("professional", "playful", "luxury", "plain")


def parse_content(content: str) -> list[tuple[str, str]]:
    pairs = []
    for part in content.split("*"):
        if "#" in part:
            key, value = part.split("#", 1)
            pairs.append((key.strip(), value.strip()))
    return pairs


def to_product(index: int, pairs: list[tuple[str, str]]) -> Product:
    attributes: dict[str, list[str]] = defaultdict(list)
    for key, value in pairs:
        if value not in attributes[key]:
            attributes[key].append(value)
    kind = next((attributes[k][0] for k in TYPE_KEYS if attributes.get(k)), "服饰")
    style = attributes.get("风格", [""])[0]
    return Product(
        sku=f"AG-{index:04d}",
        title=f"{style}{kind}",
        category=f"服饰/{attributes['类型'][0]}" if attributes.get("类型") else "服饰",
        attributes={k: ";".join(v) for k, v in attributes.items()},
    )


def bigrams(text: str) -> Counter[str]:
    chars = [c for c in text if not c.isspace()]
    return Counter(a + b for a, b in itertools.pairwise(chars))


def bigram_f1(candidate: str, reference: str) -> float:
    cand, ref = bigrams(candidate), bigrams(reference)
    overlap = sum((cand & ref).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(cand.values()), overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def invented(text: str, pairs: list[tuple[str, str]], vocab: dict[str, set[str]]) -> list[str]:
    """Values of the input's keys that appear in `text` outside any occurrence of an input value."""
    masked = text
    for value in sorted({v for _, v in pairs}, key=len, reverse=True):
        masked = masked.replace(value, "\0" * len(value))
    values = {v for _, v in pairs}
    keys = {k for k, _ in pairs}
    return sorted({v for k in keys for v in vocab[k] if v not in values and len(v) > 1 and v in masked})


class Tally:
    def __init__(self) -> None:
        self.n = 0
        self.coverage = 0.0
        self.invented = 0
        self.adlaw = 0
        self.chars = 0
        self.f1 = 0.0
        self.examples: Counter[str] = Counter()

    def add(
        self,
        text: str,
        pairs: list[tuple[str, str]],
        vocab: dict[str, set[str]],
        checker: ComplianceChecker,
        reference: str | None,
    ) -> None:
        values = {v for _, v in pairs}
        self.n += 1
        self.coverage += sum(1 for v in values if v in text) / max(1, len(values))
        extra = invented(text, pairs, vocab)
        self.invented += bool(extra)
        self.examples.update(extra)
        self.adlaw += bool(checker.find(text))
        self.chars += len(text)
        self.f1 += bigram_f1(text, reference) if reference is not None else 0.0

    def row(self, name: str, with_f1: bool = True) -> str:
        n = max(1, self.n)
        f1 = f"{self.f1 / n:8.3f}" if with_f1 else f"{'—':>8}"
        return f"{name:<28}{self.coverage / n:9.1%}{self.invented:9d}{self.adlaw:8d}{self.chars / n:9.0f}{f1}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=800)
    parser.add_argument("--platforms", default="describe,xiaohongshu,taobao")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} is not present")
        return
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()[: args.limit]]
    parsed = [parse_content(r["content"]) for r in records]
    vocab: dict[str, set[str]] = defaultdict(set)
    for pairs in parsed:
        for key, value in pairs:
            vocab[key].add(value)
    products = [to_product(i, pairs) for i, pairs in enumerate(parsed)]
    library = CopyLibrary.load(DEFAULT_PROMPTS_DIR)
    service = CopyService(library, extractor=JiebaKeywordExtractor(build_vocabulary(products)))
    checker = service.checks.compliance
    await service.extract_keywords("预热 jieba")  # warm up the tokenizer outside the timing

    human, values_only = Tally(), Tally()
    human_terms: Counter[str] = Counter()
    for record, pairs in zip(records, parsed, strict=True):
        human.add(record["summary"], pairs, vocab, checker, None)
        human_terms.update(hit.matched for hit in checker.find(record["summary"]))
        values_only.add("".join(v for _, v in pairs), pairs, vocab, checker, record["summary"])
    print(f"AdvertiseGen dev, {len(records)} records (Shao et al., EMNLP 2019); offline composer, no LLM\n")
    print(
        f"{'copy':<28}{'coverage':>9}{'invented':>9}{'ad-law':>8}{'chars':>9}{'bigramF1':>8}  copies/s  flags"
    )
    print(human.row("human summary (baseline)", with_f1=False))
    print(values_only.row("input values only"))
    for platform in args.platforms.split(","):
        tally, flags = Tally(), Counter()
        started = time.perf_counter()
        for i, (record, pairs, product) in enumerate(zip(records, parsed, products, strict=True)):
            tone = TONES[i % len(TONES)]
            if platform == "describe":
                facts = await service.resolve(product)
                result = await service._one(facts, library.describe, tone, 1)
            else:
                result = await service.generate_variant(product, platform, tone, 1)
            flags.update(f.type for f in result.flags)
            tally.add(
                f"{result.title}\n{result.text}\n" + "\n".join(result.bullets),
                pairs,
                vocab,
                checker,
                record["summary"],
            )
        rate = len(records) / (time.perf_counter() - started)
        top = ", ".join(f"{k} {v}" for k, v in flags.most_common(3)) or "-"
        print(f"{tally.row('offline ' + platform)}{rate:10.0f}  {top}")
        if tally.examples:
            print(f"{'':<28}invented examples: {tally.examples.most_common(5)}")
    print(f"\nhuman summaries: invented examples {human.examples.most_common(5)}")
    print(f"human summaries: ad-law terms {human_terms.most_common(8)}")


if __name__ == "__main__":
    asyncio.run(main())
