"""Copy rubric, before and after in the same run: the offline copy of a whole catalog × every platform.

The "after" copy is written by this checkout; the "before" copy by the baseline commit (default: the last
commit before issue 18's copy work), extracted with `git archive` into a temporary folder and run in a
subprocess with the same catalog, tone and products. Both are scored here by the same rubric
(`bot/copywriting/rubric.py`): grammar artefacts, CJK in finished Amazon copy, copies flagged
needs_translation, shared sentences (> 10 % of a platform's copies), distinct-2, attribute coverage, invented
values and advertising-law hits; "templates" is the shared share with each product's own names masked (stock
sentences with a slot, "x的更多细节以详情页为准"). Also over `../shared/data/advertisegen/dev800.jsonl` (Shao et al., EMNLP
2019) when present; that part is skipped cleanly otherwise. No assertions: figures side by side.

    .venv/bin/python bench/copy_rubric.py [--baseline REF|none] [--tone professional] [--ag-limit 800]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AG_DATA = ROOT.parent / "shared" / "data" / "advertisegen" / "dev800.jsonl"
BASELINE = "9030f43"  # main before issue 18's copy work
TYPE_KEYS = ("衣样式", "裙型", "裤型", "裙长", "裤长", "类型")


def advertisegen_rows(limit: int) -> list[dict[str, Any]]:
    """AdvertiseGen records as catalog-like rows (attributes from `content`; the type is the title)."""
    if not AG_DATA.exists():
        return []
    rows = []
    for index, line in enumerate(AG_DATA.read_text(encoding="utf-8").splitlines()[:limit]):
        record = json.loads(line)
        attributes: dict[str, list[str]] = defaultdict(list)
        for part in record["content"].split("*"):
            if "#" in part:
                key, value = (s.strip() for s in part.split("#", 1))
                if value not in attributes[key]:
                    attributes[key].append(value)
        kind = next((attributes[k][0] for k in TYPE_KEYS if attributes.get(k)), "服饰")
        style = attributes.get("风格", [""])[0]
        rows.append(
            {
                "sku": f"AG-{index:04d}",
                "title": f"{style}{kind}",
                "category": f"服饰/{attributes['类型'][0]}" if attributes.get("类型") else "服饰",
                "attributes": {k: ";".join(v) for k, v in attributes.items()},
            }
        )
    return rows


async def collect(catalog: Path, tone: str, ag_limit: int) -> list[dict[str, Any]]:
    """Every copy of the code on `sys.path` (this checkout, or the baseline in the subprocess)."""
    from bot.copywriting.platforms import CopyLibrary
    from bot.copywriting.service import CopyService
    from bot.ops.settings import DEFAULT_PROMPTS_DIR
    from knowledge.catalog import load_catalog
    from knowledge.keywords import JiebaKeywordExtractor
    from knowledge.models import Product

    try:  # this checkout
        from knowledge.keywords import build_vocabulary
    except ImportError:  # the baseline commit, before the tokenizer was passed in
        from knowledge.vocabulary import Vocabulary

        build_vocabulary = Vocabulary.from_products

    library = CopyLibrary.load(DEFAULT_PROMPTS_DIR)
    sets = {
        "catalog": load_catalog(catalog).products,
        "advertisegen": [Product(**row) for row in advertisegen_rows(ag_limit)],
    }
    out: list[dict[str, Any]] = []
    for name, products in sets.items():
        if not products:
            continue
        service = CopyService(library, extractor=JiebaKeywordExtractor(build_vocabulary(products)))
        specs = [*library.platforms.values(), library.describe]
        for product in products:
            facts = await service.resolve(product)
            for spec in specs:
                result = await service._one(facts, spec, tone, 1)
                out.append(
                    {
                        "set": name,
                        "sku": product.sku,
                        "platform": spec.name,
                        "language": spec.language,
                        "title": result.title,
                        "text": result.text,
                        "bullets": list(result.bullets),
                        "needs_translation": bool(getattr(result, "needs_translation", False)),
                        "keywords": list(result.keywords),
                        "flags": [f.type for f in getattr(result, "flags", ())],
                    }
                )
    return out


def collect_baseline(ref: str, catalog: Path, tone: str, ag_limit: int) -> list[dict[str, Any]] | None:
    """The baseline commit's copies, from a subprocess importing that commit's `bot` and `knowledge`."""
    with tempfile.TemporaryDirectory(prefix="copy-rubric-") as tmp:
        archive = Path(tmp) / "src.tar"
        try:
            subprocess.run(
                ["git", "-C", str(ROOT), "archive", "-o", str(archive), ref, "bot", "knowledge"],
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"baseline {ref!r} skipped: {getattr(exc, 'stderr', b'').decode() or exc}")
            return None
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        out = Path(tmp) / "copies.json"
        env = {**os.environ, "PYTHONPATH": tmp}
        command = [sys.executable, __file__, "--collect", str(out), "--catalog", str(catalog), "--tone", tone]
        command += ["--ag-limit", str(ag_limit)]
        subprocess.run(command, check=True, env=env, cwd=tmp)
        return json.loads(out.read_text(encoding="utf-8"))


def _context(row: dict[str, Any], glossary: Any) -> tuple[str, ...]:
    """The product's own words besides its attributes (and their English): never counted as invented."""
    texts = (row.get("title", ""), row.get("category", ""), row.get("description", ""))
    translated = tuple(glossary.translate(text).text for text in texts)
    return (*translated, row.get("category", ""), " ".join(row.get("tags", ())))


def score_all(copies: list[dict[str, Any]], products: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Rubric rows per (set, platform) and per set, for one side of the comparison."""
    from bot.copywriting import rubric
    from bot.copywriting.service import CopyService
    from bot.ops.settings import DEFAULT_PROMPTS_DIR

    service = CopyService.from_prompts(DEFAULT_PROMPTS_DIR)
    forms = service.glossary.forms
    label = service.book.label
    glossary = service.glossary
    rows: dict[str, Any] = {}
    by_set: dict[str, list[rubric.CopySample]] = defaultdict(list)
    for copy in copies:
        row = products[f"{copy['set']}|{copy['sku']}"]
        sample = rubric.CopySample(
            platform=copy["platform"],
            language=copy["language"],
            product=rubric.RubricProduct(
                row["sku"],
                row["attributes"],
                row.get("brand", ""),
                row.get("description", ""),
                row.get("title", ""),
                _context(row, glossary),
                row.get("category", ""),
            ),
            title=copy["title"],
            text=copy["text"],
            bullets=tuple(copy["bullets"]),
            needs_translation=copy["needs_translation"],
            keywords=tuple(copy.get("keywords", ())),
            flags=tuple(copy.get("flags", ())),
        )
        by_set[copy["set"]].append(sample)
    for name, samples in by_set.items():
        vocab = rubric.vocabulary_of(s.product for s in samples)
        kwargs = {"vocabulary": vocab, "compliance": service.checks.compliance}
        kwargs |= {"forms": forms, "label": label}
        platforms = sorted({s.platform for s in samples})
        for platform in platforms:
            batch = [s for s in samples if s.platform == platform]
            rows[f"{name}|{platform}"] = rubric.score(platform, batch, **kwargs)
        rows[f"{name}|all"] = rubric.score("all platforms", samples, **kwargs)
    return rows


def _cell(before: Any, after: Any, fmt: str) -> str:
    if before is None:
        return format(after, fmt)
    return f"{format(before, fmt)} → {format(after, fmt)}"


def print_table(title: str, keys: list[str], before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    print(f"\n{title}")
    header = (
        f"{'platform':<14}{'copies':>7}  {'artefacts':<13}{'CJK en':<10}{'needs tr.':<11}"
        f"{'shared':<15}{'templates':<15}{'distinct-2':<15}{'coverage':<16}{'invented':<11}{'ad-law':<9}"
        f"{'thin fl.':<9}"
    )
    print(header)
    for key in keys:
        a = after[key]
        b = before.get(key) if before else None

        def pick(name: str, row: Any) -> Any:
            return getattr(row, name) if row is not None else None

        print(
            f"{a.name:<14}{a.copies:>7}  "
            f"{_cell(pick('artefact_total', b), a.artefact_total, 'd'):<13}"
            f"{_cell(pick('cjk_copies', b), a.cjk_copies, 'd'):<10}"
            f"{_cell(pick('needs_translation', b), a.needs_translation, 'd'):<11}"
            f"{_cell(pick('shared', b), a.shared, '.1%'):<15}"
            f"{_cell(pick('templated', b), a.templated, '.1%'):<15}"
            f"{_cell(pick('distinct2', b), a.distinct2, '.3f'):<15}"
            f"{_cell(pick('coverage', b), a.coverage, '.1%'):<16}"
            f"{_cell(pick('invented_copies', b), a.invented_copies, 'd'):<11}"
            f"{_cell(pick('absolute_total', b), a.absolute_total, 'd'):<9}"
            f"{_cell(pick('thin_flagged', b), a.thin_flagged, 'd'):<9}"
        )
    for side, rows in (("before", before), ("after", after)):
        if not rows:
            continue
        total = rows[keys[-1]]
        kinds = ", ".join(f"{k} {n} (e.g. {total.examples[k]!r})" for k, n in total.artefacts.most_common())
        print(f"  {side} artefacts: {kinds or 'none'}")
        print(f"  {side} most shared sentences: {total.shared_examples[:4] or 'none'}")
        print(
            f"  {side} most shared templates (x = the product's name): {total.template_examples[:4] or 'none'}"
        )
        if total.invented:
            print(f"  {side} invented: {total.invented.most_common(6)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the 'before' code, or 'none'")
    parser.add_argument("--tone", default="professional")
    parser.add_argument("--ag-limit", type=int, default=800)
    parser.add_argument("--catalog", type=Path, default=ROOT / "knowledge" / "sample" / "catalog.csv")
    parser.add_argument("--collect", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.collect is not None:  # the baseline subprocess
        copies = asyncio.run(collect(args.catalog, args.tone, args.ag_limit))
        args.collect.write_text(json.dumps(copies, ensure_ascii=False), encoding="utf-8")
        return
    from knowledge.catalog import load_catalog

    products = {
        f"catalog|{p.sku}": p.model_dump(mode="json") for p in load_catalog(args.catalog).products
    } | {f"advertisegen|{row['sku']}": row for row in advertisegen_rows(args.ag_limit)}
    started = time.perf_counter()
    after_copies = asyncio.run(collect(args.catalog, args.tone, args.ag_limit))
    seconds = time.perf_counter() - started
    before_copies = None
    if args.baseline != "none":
        before_copies = collect_baseline(args.baseline, args.catalog, args.tone, args.ag_limit)
    after = score_all(after_copies, products)
    before = score_all(before_copies, products) if before_copies else None
    print(
        f"copy rubric, tone {args.tone}: {len(after_copies)} copies in {seconds:.1f}s "
        f"({len(after_copies) / seconds:.0f}/s); before = {args.baseline if before else 'not run'}"
    )
    for name, title in (
        ("catalog", "bundled catalog (knowledge/sample/catalog.csv)"),
        ("advertisegen", "AdvertiseGen dev (Shao et al., EMNLP 2019)"),
    ):
        keys = sorted(k for k in after if k.startswith(f"{name}|") and not k.endswith("|all"))
        if not keys:
            print(f"\n{title}: skipped (data not present)")
            continue
        print_table(title, [*keys, f"{name}|all"], before, after)


if __name__ == "__main__":
    main()
