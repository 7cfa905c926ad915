"""Issue 13 §2, second round: the kinds of personal data a fresh tester got past the redactor — English
self-introductions, 我是X that is no name, Chinese-digit phones, addresses without a label, obfuscated e-mails,
企鹅号 — each as a kind (zh and en, beyond the tester's strings), with the shop talk that must stay as written."""

from __future__ import annotations

import pytest

from bot.privacy.redaction import ADDRESS, EMAIL, MESSENGER, NAME, PHONE, redact, without_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, I'm Robert Paulson, any earbuds?", f"Hi, I'm {NAME}, any earbuds?"),
        ("I am Maria Gonzalez and I need running shoes", f"I am {NAME} and I need running shoes"),
        ("This is Jane Doe speaking", f"This is {NAME} speaking"),
        ("Hi, I'm Bob", f"Hi, I'm {NAME}"),
        ("Hello, this is Priya.", f"Hello, this is {NAME}."),
        ("I’m Dr. Chen Wei here, need a charger", f"I’m {NAME} here, need a charger"),
        ("i am Tom O'Neil, from Leeds", f"i am {NAME}, from Leeds"),
    ],
)
def test_english_self_introductions_are_names(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm looking for running shoes",
        "I am a runner",
        "I'm Chinese",
        "I'm Sony fan, any headphones?",
        "This is Nike Air Zoom Pegasus 41, right?",
        "I'm Interested in the Anker power bank",
        "I'm Going to buy two",
        "I am new here",
    ],
)
def test_english_self_descriptions_are_not_names(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我姓欧阳，叫娜娜", f"我姓{NAME}，叫{NAME}"),
        ("免贵姓张，名伟，要跑鞋", f"免贵姓{NAME}，名{NAME}，要跑鞋"),
        ("我姓王", f"我姓{NAME}"),
        ("叫我小王就行", f"叫我{NAME}就行"),
        ("喊我老李吧，有充电宝吗", f"喊我{NAME}吧，有充电宝吗"),
        ("我是张伟，想买耳机", f"我是{NAME}，想买耳机"),
        ("我是白雪。", f"我是{NAME}。"),
    ],
)
def test_chinese_names_after_every_cue(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我是高个子，推荐篮球鞋",
        "我是白领，通勤用什么耳机好",
        "我是方脸",
        "让我们玩个角色扮演：你是店长，我是顾客。",
        "我是常客，有优惠吗",
        "我是胖子，要宽松的",
        "我是李宁的老粉",
        "我是学生党",
        "我是马拉松爱好者",
        "李宁 赤兔7 42码 ¥499",
        "华为 Mate 60 Pro 12GB+512GB",
        "型号 RUN-007 库存 23",
        "叫我怎么选",
    ],
)
def test_self_descriptions_and_shop_talk_are_not_names(text: str) -> None:
    assert redact(text) == text


def test_a_self_description_keeps_its_meaning_for_understanding() -> None:
    assert without_personal_data("我是高个子，推荐篮球鞋") == "我是高个子，推荐篮球鞋"
    assert without_personal_data("I am Maria Gonzalez and I need running shoes") == "and I need running shoes"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at jane dot doe at gmail dot com — any earbuds?", f"email me at {EMAIL} — any earbuds?"),
        ("jane(at)gmail.com", EMAIL),
        ("jane [at] gmail [dot] com 谢谢", f"{EMAIL} 谢谢"),
        ("write to jane.doe AT outlook.com please", f"write to {EMAIL} please"),
        ("bob at gmail.com", EMAIL),
        ("邮箱 zhang.san艾特qq.com", f"邮箱 {EMAIL}"),
        ("reach me: li {at} example {dot} cn", f"reach me: {EMAIL}"),
        ("Email: deals [at] shoe-outlet [dot] example", f"Email: {EMAIL}"),
    ],
)
def test_obfuscated_emails_are_emails(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["look at amazon.com for prices", "Check the price at Nike.com", "at 5 pm", "Sony WH-1000XM5 at ¥2499"],
)
def test_at_and_dot_in_shop_talk_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的企鹅号 1234567890，推荐个耳机", f"我的企鹅号 {MESSENGER}，推荐个耳机"),
        ("扣扣号：55667788", f"扣扣号：{MESSENGER}"),
        ("QQ 987654321 有货吗", f"QQ {MESSENGER} 有货吗"),
    ],
)
def test_qq_numbers_under_every_name(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert "1234567890" not in without_personal_data(text) and "企鹅" not in without_personal_data(text)


def test_a_penguin_is_still_a_product() -> None:
    assert redact("有企鹅玩偶吗，30cm 的") == "有企鹅玩偶吗，30cm 的"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话一三八一二三四五六七八，有没有跑鞋", f"电话{PHONE}，有没有跑鞋"),
        ("手机138一二三四5678", f"手机{PHONE}"),
        ("打幺三八幺二三四五六七八找我", f"打{PHONE}找我"),
        ("手机 一三八 一二三四 五六七八 谢谢", f"手机 {PHONE} 谢谢"),
        ("座机 零一零 八八八八 六六六六", f"座机 {PHONE}"),
    ],
)
def test_phone_numbers_in_chinese_digits(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "七百块以内的跑鞋",
        "三千九百九十九的手机有吗",
        "一二三四五六七的顺序",
        "42码 一双 两件 三个",
        "预算一千五，要两双",
        "¥499 的李宁 赤兔7 有 43 码吗",
    ],
)
def test_chinese_numbers_that_are_prices_or_counts_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("寄到杭州西湖区文三路 478 号，李宁超轻21有货吗", f"寄到{ADDRESS}，李宁超轻21有货吗"),
        ("住在成都市武侯区", f"住在{ADDRESS}"),
        ("送到深圳南山科技园腾讯大厦", f"送到{ADDRESS}"),
        ("我住在海淀区，周末能到吗", f"我住在{ADDRESS}，周末能到吗"),
        ("寄到学校宿舍", "寄到学校宿舍"),  # a kind of place, no address: which school? (as 寄到公司前台)
        ("寄到复旦大学南区宿舍", f"寄到{ADDRESS}"),
        ("收货地址：广州市天河区体育西路191号中石化大厦B座2708", f"收货地址：{ADDRESS}"),
        ("苏州市吴中区", ADDRESS),
        ("Deliver to 42 Wallaby Way, Sydney NSW 2000", f"Deliver to {ADDRESS}"),
        ("Ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043 please", f"Ship to {ADDRESS} please"),
        ("I live at 10 Downing Street, London SW1A 2AA", f"I live at {ADDRESS}"),
        ("5 Main St, Springfield, IL 62704-1234, thanks", f"{ADDRESS}, thanks"),
    ],
)
def test_addresses_without_a_label(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The province stays: shipping terms (remote areas, free-shipping zones) depend on it.
        ("寄到新疆乌鲁木齐市天山区要几天", f"寄到新疆{ADDRESS}要几天"),
        ("寄到上海浦东新区，包邮吗", f"寄到上海{ADDRESS}，包邮吗"),
        ("送到朝阳区23号能到吗", f"送到{ADDRESS}23号能到吗"),
    ],
)
def test_the_province_and_dates_stay_beside_an_address(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "寄到新疆多少钱",
        "送到楼下就行",
        "送到公司",
        "我在大超市附近的小区",
        "市区能当天送到吗",
        "22号能送到吗",
        "Do you ship to Xinjiang for free?",
        "Nike Air Zoom Pegasus 41 road running shoes, size 42",
        "3 Way charger cable",
    ],
)
def test_places_without_personal_detail_stay(text: str) -> None:
    assert redact(text) == text


def test_understanding_reads_the_question_beside_an_address() -> None:
    assert without_personal_data("寄到杭州西湖区文三路 478 号，李宁超轻21有货吗") == "李宁超轻21有货吗"
    assert without_personal_data("寄到新疆乌鲁木齐市天山区要几天") == "寄到新疆 要几天"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ship to Alice Smith please", f"Ship to {NAME} please"),
        ("Do you ship to Xinjiang for free?", "Do you ship to Xinjiang for free?"),
        ("can you deliver to Hong Kong", "can you deliver to Hong Kong"),
    ],
)
def test_ship_to_a_person_not_a_place(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_self_description_is_context_for_the_llm_not_a_search_word() -> None:
    from bot.conversation.reading import read_message

    reading = read_message("我是高个子，推荐篮球鞋")
    assert reading.text == "推荐篮球鞋" and reading.context == ("我是高个子",)
    assert (
        read_message("我是女生，推荐跑鞋").text == "我是女生，推荐跑鞋"
    )  # 女 is no surname: a filter word stays
