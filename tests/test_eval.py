"""Retrieval eval: metric formulas on hand-computed examples, file formats, and the fixed JSON of the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from knowledge.eval import (
    EvalFormatError,
    mrr_at_k,
    ndcg_at_k,
    read_qrels,
    read_queries,
    recall_at_k,
    score_mode,
)

GRADES = {"b": 2, "d": 1, "e": 1}


def test_ndcg_linear_gains_hand_computed() -> None:
    # DCG@3 of [a, b, c] = 2 / log2(3); ideal [2, 1, 1] = 2/1 + 1/log2(3) + 1/2
    expected = (2 / math.log2(3)) / (2 + 1 / math.log2(3) + 0.5)
    assert ndcg_at_k(["a", "b", "c", "d"], GRADES, 3) == pytest.approx(expected)
    assert round(expected, 4) == 0.4030
    assert ndcg_at_k(["b", "d", "e"], GRADES, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], GRADES, 10) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}, 10) == 0.0  # nothing relevant: 0, not a division error


def test_recall_and_mrr_hand_computed() -> None:
    assert recall_at_k(["a", "b", "c", "d"], GRADES, 3) == pytest.approx(1 / 3)
    assert recall_at_k(["a", "b", "c", "d"], GRADES, 4) == pytest.approx(2 / 3)
    assert mrr_at_k(["a", "b", "c"], GRADES, 3) == 0.5
    assert mrr_at_k(["a", "c", "x", "d"], GRADES, 3) == 0.0  # first hit at rank 4 is beyond k
    assert mrr_at_k(["d"], GRADES, 1) == 1.0


def test_queries_and_qrels_files(tmp_path: Path) -> None:
    queries = tmp_path / "q.tsv"
    queries.write_text("qid\tquery\n1\t降噪耳机\n\n# a comment\n2\trunning shoes\n", encoding="utf-8")
    qrels = tmp_path / "r.tsv"
    qrels.write_text("1\tEAR-1\t2\n1\tEAR-2\t0\n2\t0\tRUN-1\t1\n", encoding="utf-8")
    assert read_queries(queries) == {"1": "降噪耳机", "2": "running shoes"}
    assert read_qrels(qrels) == {"1": {"EAR-1": 2, "EAR-2": 0}, "2": {"RUN-1": 1}}
    qrels.write_text("1\tEAR-1\t2\n1\tEAR-2\thigh\n", encoding="utf-8")
    with pytest.raises(EvalFormatError, match="line 2: grade 'high'"):
        read_qrels(qrels)
    queries.write_text("1 no tab here\n", encoding="utf-8")
    with pytest.raises(EvalFormatError, match="line 1"):
        read_queries(queries)


def test_score_mode_skips_unjudged_queries_and_ignores_unknown_qids() -> None:
    rankings = {"shoes": ["RUN-1", "RUN-2"], "earbuds": ["EAR-9", "EAR-1"], "unjudged": ["X"]}
    queries = {"q1": "shoes", "q2": "earbuds", "q3": "unjudged"}
    qrels = {"q1": {"RUN-1": 1}, "q2": {"EAR-1": 1}, "q3": {"X": 0}, "q404": {"RUN-1": 2}}
    calls: list[str] = []

    def search(text: str, k: int) -> list[str]:
        calls.append(text)
        return rankings[text][:k]

    scores = score_mode(search, queries, qrels, 10)
    assert set(scores) == {"ndcg@10", "recall@10", "mrr@10", "p50_ms", "p95_ms"}
    assert scores["mrr@10"] == 0.75 and scores["recall@10"] == 1.0
    assert scores["ndcg@10"] == round((1 + 1 / math.log2(3)) / 2, 4)
    assert "unjudged" not in calls and scores["p95_ms"] >= scores["p50_ms"] >= 0


CATALOG = """sku,title,brand,category,price,currency,stock,description,image_url,url,tags,attr_color
RUN-1,Nike Air Zoom Pegasus 41 男子跑步鞋,Nike,运动鞋/跑步鞋,899.00,CNY,23,缓震公路跑鞋,,,跑鞋;缓震,黑色;白色
RUN-2,李宁 超轻21 跑步鞋,李宁,运动鞋/跑步鞋,399.00,CNY,41,轻量慢跑鞋,,,跑鞋;轻量,黑色
EAR-1,Sony WH-1000XM5 头戴式无线降噪耳机,Sony,数码/耳机,2499.00,CNY,14,旗舰降噪,,,耳机;降噪,黑色
EAR-2,QCY T13 真无线蓝牙耳机,QCY,数码/耳机,99.00,CNY,120,平价耳机,,,耳机;平价,白色
CRM-1,薇诺娜 舒敏保湿特护霜 50g,薇诺娜,美妆护肤/面霜,268.00,CNY,52,敏感肌修护,,,面霜;敏感肌,
POT-1,苏泊尔 不粘炒锅 30cm,苏泊尔,厨房/锅具,239.00,CNY,34,不粘锅,,,炒锅;不粘锅,红色
"""


def test_eval_cli_prints_exactly_one_json_object(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    (tmp_path / "queries.tsv").write_text(
        "1\t降噪耳机\n2\trunning shoes\n3\tnon-stick pan\n4\t没有标注的问题\n", encoding="utf-8"
    )
    (tmp_path / "qrels.tsv").write_text(
        "1\tEAR-1\t2\n1\tEAR-2\t1\n2\tRUN-1\t2\n2\tRUN-2\t1\n3\tPOT-1\t2\n99\tCRM-1\t1\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "retrieval",
            "--catalog",
            str(catalog),
            "--queries",
            str(tmp_path / "queries.tsv"),
            "--qrels",
            str(tmp_path / "qrels.tsv"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"modes", "queries"} and payload["queries"] == 3
    assert set(payload["modes"]) == {"bm25", "dense", "hybrid", "langchain"}
    for scores in payload["modes"].values():
        assert set(scores) == {"ndcg@10", "recall@10", "mrr@10", "p50_ms", "p95_ms"}
        assert all(isinstance(v, float) and v >= 0 for v in scores.values())
        assert scores["recall@10"] == 1.0  # six products, k=10: everything is retrieved
    assert payload["modes"]["bm25"]["mrr@10"] == 1.0  # each query's best product ranks first on keywords


def test_eval_cli_reports_a_bad_file_clearly(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    (tmp_path / "q.tsv").write_text("1\t降噪耳机\n", encoding="utf-8")
    (tmp_path / "r.tsv").write_text("1\tEAR-1\ttwo\n", encoding="utf-8")
    args = ["eval", "retrieval", "--catalog", str(catalog), "--queries", str(tmp_path / "q.tsv")]
    result = CliRunner().invoke(app, [*args, "--qrels", str(tmp_path / "r.tsv"), "--json"])
    assert result.exit_code == 2 and "line 1: grade 'two'" in result.stderr
    missing = CliRunner().invoke(app, [*args, "--qrels", str(tmp_path / "absent.tsv")])
    assert missing.exit_code == 2 and "is not a file" in missing.stderr


def test_shared_multicpr_set_reads(shared_data: Path) -> None:
    root = shared_data / "multicpr-mini-zh"
    if not root.is_dir():
        pytest.skip("multicpr-mini-zh is not present")
    queries, qrels = read_queries(root / "queries.dev.tsv"), read_qrels(root / "qrels.dev.tsv")
    judged = [q for q in queries if any(g > 0 for g in qrels.get(q, {}).values())]
    assert len(queries) == 150 and len(judged) == 150
