"""Ingest orchestration: incremental upserts, prune safety, vocabulary refresh, nothing lost on a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.catalog import SAMPLE_CATALOG, load_catalog, write_catalog_csv
from knowledge.errors import CatalogFormatError, StoreUnavailable
from knowledge.ingest import VOCABULARY_FILE, ingest_path
from knowledge.memory_index import InMemoryProductIndex
from knowledge.models import Product
from knowledge.vocabulary import Vocabulary

HEADER = "sku,title,brand,price,stock\n"


def csv_file(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.fixture
def index() -> InMemoryProductIndex:
    return InMemoryProductIndex()


def test_sample_ingest_is_incremental_and_writes_the_vocabulary(
    tmp_path: Path, index: InMemoryProductIndex
) -> None:
    calls: list[tuple[int, int]] = []
    first = ingest_path(
        SAMPLE_CATALOG, index=index, data_dir=tmp_path, progress=lambda d, t: calls.append((d, t))
    )
    total = len(load_catalog(SAMPLE_CATALOG).products)
    assert (first.added, first.updated, first.unchanged, first.removed, first.rejected) == (total, 0, 0, 0, 0)
    assert first.vocabulary_updated and calls[-1] == (total, total)
    assert index.count() == total
    vocabulary = Vocabulary.load(tmp_path / VOCABULARY_FILE)
    assert {"Nike", "李宁", "Sony"} <= set(vocabulary.brands)
    again = ingest_path(SAMPLE_CATALOG, index=index, data_dir=tmp_path, prune=True)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, total, 0)
    assert not again.vocabulary_updated
    assert again.summary() == f"added 0, updated 0, unchanged {total}, removed 0, rejected 0"


def test_changed_rows_are_updated(tmp_path: Path, index: InMemoryProductIndex) -> None:
    ingest_path(
        csv_file(tmp_path, "a.csv", "A,杯子,Acme,10.00,1\nB,碗,Acme,5.00,2\n"), index=index, data_dir=tmp_path
    )
    report = ingest_path(
        csv_file(tmp_path, "b.csv", "A,杯子,Acme,12.00,1\nB,碗,Acme,5.00,2\n"), index=index, data_dir=tmp_path
    )
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert str(index.get("A").price) == "12.00"


def test_prune_deletes_vanished_skus_but_never_rejected_ones(
    tmp_path: Path, index: InMemoryProductIndex
) -> None:
    index.upsert([Product(sku=s, title=f"商品{s}") for s in ("A", "B", "C")])
    path = csv_file(tmp_path, "c.csv", "A,商品A,,1,1\nB,商品B,,bad,1\nD,商品D,,1,1\n")
    report = ingest_path(path, index=index, data_dir=tmp_path, prune=True)
    assert [str(e) for e in report.errors] == ["line 3: bad price 'bad' (expected a decimal like 399.00)"]
    assert (report.added, report.removed, report.rejected) == (1, 1, 1)
    assert index.skus() == {"A", "B", "D"}  # C vanished; B's row was bad, so B stays as it was
    assert index.get("B").title == "商品B"


def test_prune_is_skipped_when_a_rejected_row_has_no_readable_sku(
    tmp_path: Path, index: InMemoryProductIndex
) -> None:
    index.upsert([Product(sku=s, title=s) for s in ("A", "B", "C")])
    path = tmp_path / "d.csv"
    path.write_bytes(HEADER.encode() + "A,杯子,,1,1\n".encode() + b"\xb2\xbb,\xb9\xfd,,1,1\n")  # GBK bytes
    report = ingest_path(path, index=index, data_dir=tmp_path, prune=True)
    assert report.removed == 0 and report.rejected == 1
    assert report.prune_skipped and "no readable SKU" in report.prune_skipped
    assert index.skus() == {"A", "B", "C"}


def test_prune_never_empties_the_store_from_a_file_without_valid_rows(
    tmp_path: Path, index: InMemoryProductIndex
) -> None:
    index.upsert([Product(sku=s, title=s) for s in ("A", "B")])
    report = ingest_path(
        csv_file(tmp_path, "e.csv", ",no sku,,1,1\n"), index=index, data_dir=tmp_path, prune=True
    )
    assert report.rejected == 1 and report.removed == 0 and report.prune_skipped
    assert index.skus() == {"A", "B"}


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", b"name,cost\nx,1\n"])
def test_a_file_that_is_not_a_catalog_changes_nothing(
    tmp_path: Path, index: InMemoryProductIndex, content: bytes
) -> None:
    ingest_path(csv_file(tmp_path, "good.csv", "A,a,Acme,1,1\n"), index=index, data_dir=tmp_path)
    vocabulary_before = (tmp_path / VOCABULARY_FILE).read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(CatalogFormatError):
        ingest_path(bad, index=index, data_dir=tmp_path, prune=True)
    assert index.skus() == {"A"}
    assert (tmp_path / VOCABULARY_FILE).read_bytes() == vocabulary_before


def test_vocabulary_covers_every_product_in_the_index(tmp_path: Path, index: InMemoryProductIndex) -> None:
    ingest_path(csv_file(tmp_path, "one.csv", "A,跑鞋,李宁,1,1\n"), index=index, data_dir=tmp_path)
    ingest_path(csv_file(tmp_path, "two.csv", "B,耳机,漫步者,1,1\n"), index=index, data_dir=tmp_path)
    assert {"李宁", "漫步者"} <= set(Vocabulary.load(tmp_path / VOCABULARY_FILE).brands)


def test_mapping_and_format_are_passed_to_the_loader(tmp_path: Path, index: InMemoryProductIndex) -> None:
    path = tmp_path / "feed.txt"
    path.write_text('{"id": "M1", "name": "保温杯"}\n', encoding="utf-8")
    report = ingest_path(
        path, index=index, data_dir=tmp_path, fmt="jsonl", mapping={"id": "sku", "name": "title"}
    )
    assert report.added == 1 and index.get("M1").title == "保温杯"


def test_writer_output_ingests_identically(tmp_path: Path, index: InMemoryProductIndex) -> None:
    products = load_catalog(SAMPLE_CATALOG).products
    ingest_path(SAMPLE_CATALOG, index=index, data_dir=tmp_path)
    copy = tmp_path / "copy.csv"
    write_catalog_csv(products, copy)
    report = ingest_path(copy, index=index, data_dir=tmp_path)
    assert report.unchanged == len(products) and report.added == report.updated == 0


class _StoreDown(InMemoryProductIndex):
    """An index whose store fails on write, as a Chroma server going away mid-ingest would."""

    def upsert(self, products):  # type: ignore[override]
        raise StoreUnavailable("chroma server went away")


def test_a_failing_store_prunes_nothing_and_keeps_the_old_vocabulary(tmp_path: Path) -> None:
    index = _StoreDown()
    InMemoryProductIndex.upsert(index, [Product(sku="OLD", title="旧商品", brand="老牌子")])
    (tmp_path / VOCABULARY_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(StoreUnavailable):
        ingest_path(
            csv_file(tmp_path, "n.csv", "NEW,新商品,新牌子,1,1\n"), index=index, data_dir=tmp_path, prune=True
        )
    assert index.skus() == {"OLD"}
    assert (tmp_path / VOCABULARY_FILE).read_text(encoding="utf-8") == "{}"


def test_timings_cover_each_phase(tmp_path: Path, index: InMemoryProductIndex) -> None:
    report = ingest_path(SAMPLE_CATALOG, index=index, data_dir=tmp_path)
    assert {"load", "upsert", "vocabulary_build", "vocabulary_wait"} <= set(report.timings)
    assert report.seconds >= report.timings["load"] + report.timings["upsert"]
