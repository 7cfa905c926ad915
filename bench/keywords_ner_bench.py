"""Do our keywords recover brand, product type and model from real Taobao titles? (taobao-ner-zh, NAACL 2019)

Gold: the test split's BIO entities HPPX (brand), HCCX (product type), XH (model/spec). For each type we print
  whole-word recall  share of gold entities the tokenizer keeps as ONE word (`words()`), and
  keyword recall     share of gold entities among `keywords(title, top_k=8)`,
for the extractor without a catalog (the baseline, jieba's generic dictionary and IDF) and with a vocabulary
built from the TRAIN split (its titles as products, their annotated brand/type as brand/category: what a shop's
own catalog gives us). Skips cleanly when `../shared/data/taobao-ner-zh` is absent. No assertions.

    .venv/bin/python bench/keywords_ner_bench.py [--limit 1000]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from knowledge.keywords import JiebaKeywordExtractor, build_vocabulary
from knowledge.models import Product
from knowledge.resources import normalise_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "taobao-ner-zh" / "data" / "ecommerce"
TYPES = {"HPPX": "brand", "HCCX": "product type", "XH": "model/spec"}
Sentence = tuple[str, dict[str, list[str]]]


def read_conll(path: Path) -> list[Sentence]:
    """Sentences as (text, {tag: [entity, …]}) from one-character-per-line BIO files."""
    sentences: list[Sentence] = []
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            char, _, tag = line.rpartition(" ")
            chars.append(char or " ")
            tags.append(tag)
            continue
        if chars:
            entities: dict[str, list[str]] = defaultdict(list)
            current, kind = "", ""
            for char, tag in [*zip(chars, tags, strict=True), (" ", "O")]:
                if tag.startswith("I-") and current:
                    current += char
                    continue
                if current:
                    entities[kind].append(current)
                current, kind = (char, tag[2:]) if tag.startswith("B-") else ("", "")
            sentences.append(("".join(chars), dict(entities)))
        chars, tags = [], []
    return sentences


def score(extractor: JiebaKeywordExtractor, sentences: list[Sentence]) -> dict[str, tuple[float, float, int]]:
    whole: dict[str, int] = defaultdict(int)
    found: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for text, entities in sentences:
        words = set(extractor.words(text))
        keywords = set(extractor.keywords(text, top_k=8))
        for tag in TYPES:
            for entity in entities.get(tag, []):
                gold = normalise_text(entity).strip()
                total[tag] += 1
                whole[tag] += gold in words
                found[tag] += gold in keywords
    return {
        tag: (whole[tag] / max(total[tag], 1), found[tag] / max(total[tag], 1), total[tag]) for tag in TYPES
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    if not (DATA / "test.txt").is_file():
        print(f"skipped: {DATA} is not present")
        return
    train, test = read_conll(DATA / "train.txt"), read_conll(DATA / "test.txt")[: args.limit]
    products = [
        Product(
            sku=f"t{i}", title=text, brand=(e.get("HPPX") or [""])[0], category=(e.get("HCCX") or [""])[0]
        )
        for i, (text, e) in enumerate(train)
    ]
    started = time.perf_counter()
    vocabulary = build_vocabulary(products)
    print(
        f"vocabulary from {len(products)} train titles in {time.perf_counter() - started:.1f} s: "
        f"{len(vocabulary.brands)} brands, {len(vocabulary.categories)} types, {len(vocabulary.models)} models"
    )
    rows = {
        "no catalog (baseline)": score(JiebaKeywordExtractor(), test),
        "train-split vocabulary": score(JiebaKeywordExtractor(vocabulary), test),
    }
    print(f"{len(test)} test titles; whole-word recall / keyword@8 recall")
    print(
        f"{'extractor':<26}"
        + "".join(f"{TYPES[t] + f' (n={n})':>28}" for t, (_, _, n) in rows["no catalog (baseline)"].items())
    )
    for name, result in rows.items():
        print(f"{name:<26}" + "".join(f"{w:>18.3f} / {k:.3f}" for w, k, _ in result.values()))


if __name__ == "__main__":
    main()
