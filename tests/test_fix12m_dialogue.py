"""fix12-m (issue 12, part M): dialogue state over shops other than the demo — body measurements answered from the
size chart a product's description gives (or plainly no chart, and a person), checked on the held-out set
tests/data/conversations_fix12m.yaml (a slice per shop here; the whole set with `xiaoer eval conversations`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.conversation.size_advice import ChartEntry, Measure, asks_size_advice, measurements, size_chart
from tests.support.case_sets import assert_floor, run_case_file

DATA = Path(__file__).parent / "data"
CASES = DATA / "conversations_fix12m.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身高165体重50穿什么码", [("height", "165"), ("weight", "50")]),
        ("1米75 130斤穿多大", [("height", "175"), ("weight", "65")]),  # 斤 is half a kilogram
        ("I'm 180cm and 75kg, which size?", [("height", "180"), ("weight", "75")]),
        ("头围58cm戴什么码", [("head", "58")]),
        ("手掌围21cm选哪个码", [("hand", "21")]),
        ("27英寸显示器", []),  # a product's size is no body measurement
    ],
)
def test_body_measurements_are_read_in_cm_and_kg(text: str, expected: list[tuple[str, str]]) -> None:
    assert measurements(text) == [Measure(k, Decimal(v)) for k, v in expected]


@pytest.mark.parametrize(
    ("text", "asks"),
    [("头围58cm戴什么码", True), ("身高185体重90选哪个尺码", True), ("which size should I get", True),
     ("有XL码的吗", False), ("身高175", False)],
)  # fmt: skip
def test_a_size_question_needs_a_size_word(text: str, asks: bool) -> None:
    assert asks_size_advice(text) is asks


@pytest.mark.parametrize(
    ("description", "entries"),
    [
        ("带MIPS防旋转系统，头围S:51-55，M:55-59，L:59-63。", [("S", "head", 51, 55), ("M", "head", 55, 59),
                                                           ("L", "head", 59, 63)]),
        ("冷却凝胶记忆棉，R尺码适合身高170-189cm，承重130kg。", [("R", "height", 170, 189)]),
        ("一体成型，头围54-61cm均码，重量280g。", [("均码", "head", 54, 61)]),
        ("手摇升降 52-76cm，桌面可倾斜0-40°，适合身高110-180cm。", [("", "height", 110, 180)]),
        ("2.6英寸屏幕，续航最长26小时", []),
    ],
)  # fmt: skip
def test_a_description_s_size_chart_is_read_by_measure(description: str, entries: list[tuple]) -> None:
    assert size_chart(description) == [
        ChartEntry(lb, k, Decimal(lo), Decimal(hi)) for lb, k, lo, hi in entries
    ]


async def test_a_slice_of_the_fix12m_set_over_the_pets_cycling_shop(tmp_path: Path) -> None:
    # body sizes (a head/chest chart in the description, or no chart and a person), constraints that persist,
    # and bargaining that is not a search; the other shops run with `xiaoer eval conversations --only oa-m/lt-m`
    only = ("pc-m-size", "pc-m-persist", "pc-m-haggle")
    _, report = await run_case_file(
        tmp_path / "data",
        CASES,
        catalog=DATA / "pets_cycling_catalog.csv",
        policies=DATA / "pets_cycling_policies",
        only=only,
    )
    assert len(report.results) == 11
    assert_floor(report, 10)  # pc-m-haggle-03 "能不能少点" is still read as a search
