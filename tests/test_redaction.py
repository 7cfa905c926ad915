"""`bot.privacy.redaction`: secrets and personal data never survive; ordinary shop talk stays readable."""

from __future__ import annotations

import pytest

from bot.privacy.redaction import ADDRESS, CN_ID, EMAIL, ORDER, PHONE, SECRET, Redactor, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机13812345678请联系", f"我的手机{PHONE}请联系"),
        ("电话 138-1234-5678 或 139 8765 4321", f"电话 {PHONE} 或 {PHONE}"),
        ("call +86 13812345678 please", f"call {PHONE} please"),
        ("call me at +1 (415) 555-0132", f"call me at {PHONE}"),
        ("UK: +44 20 7946 0958.", f"UK: {PHONE}."),
        ("座机 010-62345678", f"座机 {PHONE}"),
        ("(0755) 8765 4321 ext", f"{PHONE} ext"),
    ],
)
def test_phone_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_chinese_id_numbers_with_and_without_x() -> None:
    assert redact("身份证110105199003071234") == f"身份证{CN_ID}"
    assert redact("ID: 44030619851231002X ok") == f"ID: {CN_ID} ok"
    assert redact("id 44030619851231002x") == f"id {CN_ID}"
    # 18 digits that are not a plausible birth date are still redacted as a long number (order-like).
    assert "110105199013071234" not in redact("号码110105199013071234")


def test_emails() -> None:
    assert redact("write to li.lei+shop@example.com.cn now") == f"write to {EMAIL} now"
    assert redact("邮箱：zhang_san@qq.com") == f"邮箱：{EMAIL}"


@pytest.mark.parametrize(
    "text",
    [
        f"token={TOKEN}",
        f"GET https://api.telegram.org/bot{TOKEN}/getMe",
        "OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def",
        '{"api_key": "hunter2-very-secret"}',
        "password=p4ssw0rd!",
    ],
)
def test_secrets_never_survive(text: str) -> None:
    out = redact(text)
    assert SECRET in out
    for secret in (TOKEN, "sk-proj-abcdefghijklmnop1234", "eyJhbGciOiJIUzI1NiJ9", "hunter2", "p4ssw0rd"):
        assert secret not in out


def test_order_numbers_default_pattern_keeps_the_label() -> None:
    assert redact("订单号：202611231234567 还没发货") == f"订单号：{ORDER} 还没发货"
    assert redact("my order no. A1B2C3D4E5 is late") == f"my order no. {ORDER} is late"
    assert redact("单号 SF1234567890123") == f"单号 {ORDER}"
    assert redact("物流 4300123456789012") == f"物流 {ORDER}"


def test_order_pattern_is_configurable() -> None:
    shop = Redactor(order_pattern=r"XE-\d{6}")
    assert shop("please check XE-123456 today") == f"please check {ORDER} today"
    assert shop("订单号：ABCDEFG") == "订单号：ABCDEFG"  # only the shop's own format is used


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("寄到北京市朝阳区建国路88号SOHO现代城5号楼1203室", ["建国路88号", "1203室", "朝阳区"]),
        ("地址：广东省深圳市南山区科技园南区深南大道9988号", ["深南大道9988号", "南山区"]),
        ("送到上海市浦东新区张江镇祖冲之路2288弄3号", ["祖冲之路2288弄", "张江镇"]),
        ("我住在阳光花园3栋2单元501室", ["3栋2单元501室"]),
        ("杭州市西湖区文三路478号华星时代广场A座", ["文三路478号"]),
    ],
)
def test_chinese_addresses(text: str, gone: list[str]) -> None:
    out = redact(text)
    assert ADDRESS in out, out
    for part in gone:
        assert part not in out, out


def test_address_redaction_keeps_the_surrounding_words() -> None:
    assert redact("请寄到北京市朝阳区建国路88号，谢谢") == f"请寄到{ADDRESS}，谢谢"
    assert Redactor(redact_addresses=False)("建国路88号") == "建国路88号"


@pytest.mark.parametrize(
    "text",
    [
        "有没有500以内适合跑步的鞋",
        "这款耐克Air Zoom Pegasus 41 多少钱？¥699.00",
        "SKU-0123456789 还有42码吗",
        "北京发货吗？上海市能到吗",
        "I want size 42, under 300 yuan, 2 pairs",
        "",
        "😀😀😀",
    ],
)
def test_ordinary_shop_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_everything_at_once_leaves_no_pii() -> None:
    text = (
        f"我叫小王，手机13912345678，邮箱wang@163.com，身份证320102198001011234，"
        f"订单号：88887777666655，地址江苏省南京市玄武区中山路18号，token {TOKEN}"
    )
    out = redact(text)
    for raw in ("13912345678", "wang@163.com", "320102198001011234", "88887777666655", "中山路18号", TOKEN):
        assert raw not in out
    assert out.startswith("我叫[name]")  # a name the customer introduces is personal data too
