"""The canonical CSV loader: good rows load, every bad row is `line N: reason`, non-catalogs fail once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.catalog import load_catalog
from knowledge.errors import CatalogFormatError

HEADER = "sku,title,brand,category,price,currency,stock,description,image_url,url,tags,attr_color,attr_size\n"


def write(tmp_path: Path, body: str | bytes, name: str = "catalog.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def messages(load) -> list[str]:
    return [str(error) for error in load.errors]


def test_good_rows_with_bom_multiline_field_and_optional_values(tmp_path: Path) -> None:
    body = (
        "\ufeff"
        + HEADER
        + 'RUN-1,飞马41 跑步鞋,Nike,运动鞋/跑步鞋,899.00,CNY,23,"第一行\n第二行",https://i/1,https://p/1,跑鞋;缓震,黑色;白色,40;41;42\n'
        + "RUN-2,No price shoe,,运动鞋/跑步鞋,,,,,,,,,\n"
        + "RUN-3,价格大写币种,,,12.5,usd,0,,,,a; b ;,,\n"
    )
    load = load_catalog(write(tmp_path, body))
    assert load.errors == []
    assert [p.sku for p in load.products] == ["RUN-1", "RUN-2", "RUN-3"]
    first, second, third = load.products
    assert first.price == Decimal("899.00") and first.stock == 23 and first.currency == "CNY"
    assert first.description == "第一行\n第二行"
    assert first.tags == ("跑鞋", "缓震")
    assert first.attributes == {"color": "黑色;白色", "size": "40;41;42"}
    assert second.price is None and second.stock is None and second.in_stock is None
    assert second.currency == "CNY" and second.attributes == {}
    assert third.currency == "USD" and third.price == Decimal("12.5") and third.in_stock is False
    assert third.tags == ("a", "b")
    assert load.rows_seen == 3


def test_each_malformed_row_is_reported_with_its_physical_line(tmp_path: Path) -> None:
    body = (
        HEADER
        + 'A1,好鞋,,,399.00,,3,"多行\n描述",,,,,\n'  # lines 2-3
        + ",没有SKU,,,1,,1,,,,,,\n"  # 4
        + "A2,,,,1,,1,,,,,,\n"  # 5
        + "A3,坏价格,,,abc,,1,,,,,,\n"  # 6
        + "A4,负价格,,,-5.00,,1,,,,,,\n"  # 7
        + "A5,坏库存,,,1,,x2,,,,,,\n"  # 8
        + "A6,负库存,,,1,,-1,,,,,,\n"  # 9
        + "A1,重复,,,1,,1,,,,,,\n"  # 10
        + "A7,多一列,,,1,,1,,,,,,,extra\n"  # 11
        + "A8,坏币种,,,1,RMB1,1,,,,,,\n"  # 12
        + "A9,最后一行好的,,,1,RMB,1,,,,,,\n"  # 13
    )
    load = load_catalog(write(tmp_path, body))
    assert [p.sku for p in load.products] == ["A1", "A9"]
    assert load.products[1].currency == "CNY"  # RMB is the same currency
    assert messages(load) == [
        "line 4: missing SKU",
        "line 5: missing title",
        "line 6: bad price 'abc' (expected a decimal like 399.00)",
        "line 7: negative price '-5.00'",
        "line 8: bad stock 'x2' (expected a whole number)",
        "line 9: bad stock '-1' (negative)",
        "line 10: duplicate SKU 'A1' (first seen on line 2)",
        "line 11: expected 13 fields, found 14",
        "line 12: bad currency 'RMB1' (expected a 3-letter code like CNY)",
    ]
    assert load.rows_seen == 11
    assert {"A2", "A3", "A4", "A5", "A6", "A7", "A8"} <= load.rejected_skus
    assert load.unidentified_rejects == 1  # the row without a SKU


def test_invalid_utf8_row_is_rejected_and_the_rest_still_loads(tmp_path: Path) -> None:
    body = (
        HEADER.encode()
        + "B1,正常,,,1,,1,,,,,,\n".encode()
        + b"B2,\xd5\xfd\xb3\xa3GBK,,,1,,1,,,,,,\n"  # GBK bytes, not UTF-8
        + "B3,也正常,,,2,,1,,,,,,\n".encode()
    )
    load = load_catalog(write(tmp_path, body))
    assert [p.sku for p in load.products] == ["B1", "B3"]
    assert messages(load) == ["line 3: invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)"]
    assert load.rejected_skus == {"B2"}  # the SKU itself was readable


def test_unterminated_quote_is_reported_and_parsing_continues(tmp_path: Path) -> None:
    body = HEADER + "C1,ok,,,1,,1,,,,,,\n" + 'C2,"never closed,,,1,,1,,,,,,\n' + "C3,ok too,,,1,,1,,,,,,\n"
    load = load_catalog(write(tmp_path, body))
    assert [p.sku for p in load.products] == ["C1", "C3"]
    assert messages(load) == ["line 3: broken quoting: unterminated quoted field"]
    assert load.unidentified_rejects == 1


def test_stray_quotes_are_reported_and_rows_between_them_recovered(tmp_path: Path) -> None:
    body = (
        HEADER
        + 'D1,"opened here,,,1,,1,,,,,,\n'  # 2: the quote swallows lines until the next quote
        + "D2,fine,,,1,,1,,,,,,\n"  # 3
        + 'D3,"bad"tail,,,1,,1,,,,,,\n'  # 4: text after a closing quote
        + 'D4,"quoted, with comma and ""inner"" quotes",,,1,,1,,,,,,\n'  # 5: valid
    )
    load = load_catalog(write(tmp_path, body))
    assert [p.sku for p in load.products] == ["D2", "D4"]
    assert load.products[1].title == 'quoted, with comma and "inner" quotes'
    assert messages(load) == [
        "line 2: broken quoting: a quoted field opened here runs on to line 4",
        "line 4: broken quoting: text right after a closing quote (double a quote inside a quoted field)",
    ]


def test_huge_field_is_rejected_by_the_default_and_a_configured_limit(tmp_path: Path) -> None:
    huge = "长" * 30_000  # 90,000 UTF-8 bytes > 64 KiB
    body = HEADER + f"E1,ok,,,1,,1,,,,,,\nE2,big,,,1,,1,{huge},,,,,\nE3,ok,,,1,,1,{'x' * 2000},,,,,\n"
    path = write(tmp_path, body)
    load = load_catalog(path)
    assert [p.sku for p in load.products] == ["E1", "E3"]
    assert messages(load) == ["line 3: huge field 'description' (90000 bytes, limit 65536)"]
    strict = load_catalog(path, max_field_bytes=1024)
    assert [p.sku for p in strict.products] == ["E1"]
    assert [e.line for e in strict.errors] == [3, 4]


def test_crlf_and_tab_separated_files(tmp_path: Path) -> None:
    crlf = load_catalog(write(tmp_path, "sku,title,price\r\nF1,a,1\r\nF2,,2\r\nF3,c,3\r\n"))
    assert [p.sku for p in crlf.products] == ["F1", "F3"]
    assert messages(crlf) == ["line 3: missing title"]
    tabs = load_catalog(write(tmp_path, "sku\ttitle\tprice\nT1\t耳机, 蓝牙\t99.00\n", "tabs.tsv"))
    assert tabs.products[0].title == "耳机, 蓝牙" and tabs.errors == []


def test_unknown_columns_are_ignored_and_headers_are_case_insensitive(tmp_path: Path) -> None:
    load = load_catalog(write(tmp_path, "SKU, Title ,Attr_Color,internal_note\nG1,杯子,红色,secret\n"))
    assert load.products[0].attributes == {"color": "红色"}
    assert load.ignored_columns == ("internal_note",)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary"),
        ("sku,title".encode("utf-16"), "UTF-16"),
        (b"name,cost\nshoe,1\n", "no sku or title column"),
        (b"sku,price\nA,1\n", "no title column"),
        (b"sku,title,sku\nA,b,c\n", "appears twice"),
        (b"\xff\xfesku,title\nA,b\n", "UTF-16"),
    ],
)
def test_files_that_are_not_catalogs_raise_one_clear_error(
    tmp_path: Path, content: bytes, needle: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(CatalogFormatError) as info:
        load_catalog(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_directory_are_format_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="no such file"):
        load_catalog(tmp_path / "absent.csv")
    with pytest.raises(CatalogFormatError, match="directory"):
        load_catalog(tmp_path)


def test_header_with_invalid_utf8_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="not valid UTF-8"):
        load_catalog(write(tmp_path, b"sku,title\xff\nA,b\n"))


def test_too_long_sku_is_rejected(tmp_path: Path) -> None:
    load = load_catalog(write(tmp_path, f"sku,title\n{'S' * 65},too long\nOK,fine\n"))
    assert messages(load) == ["line 2: SKU longer than 64 characters"]
    assert [p.sku for p in load.products] == ["OK"]


def test_a_gbk_file_from_chinese_excel_is_read_as_gb18030(tmp_path: Path) -> None:
    body = "sku,title,brand,price\nA1,跑步鞋,李宁,399.00\nA2,保温杯,,59.00\n".encode("gbk")
    load = load_catalog(write(tmp_path, body))
    assert load.errors == [] and load.encoding == "gb18030"
    assert [p.title for p in load.products] == ["跑步鞋", "保温杯"] and load.products[0].brand == "李宁"


def test_multi_valued_attributes_are_normalised_to_semicolons(tmp_path: Path) -> None:
    load = load_catalog(write(tmp_path, "sku,title,attr_size,attr_color\nS1,鞋,39； 40 ;41;,黑色\n"))
    assert load.products[0].attributes == {"size": "39;40;41", "color": "黑色"}


# --- catalog files as spreadsheets save them (issue 18) ---------------------------------------------------


def test_rows_of_only_commas_are_blank_lines_skipped_and_counted(tmp_path: Path) -> None:
    body = (
        HEADER + "RUN-1,跑鞋,,,,,,,,,,,\n" + ",,,,,,,,,,,,\r\n" * 300 + ",,\n" + "RUN-2,篮球鞋,,,,,,,,,,,\n"
    )
    load = load_catalog(write(tmp_path, body))
    assert load.errors == [] and load.ok  # 301 empty rows no longer turn a good file into exit 1
    assert [p.sku for p in load.products] == ["RUN-1", "RUN-2"]
    assert load.blank_rows == 301 and load.rows_seen == 2


def test_trailing_empty_columns_in_the_header_and_the_rows_are_ignored(tmp_path: Path) -> None:
    body = HEADER.rstrip("\n") + ",,,\n" + "RUN-1,跑鞋,Nike,,899,,,,,,,黑色,42,,,\n" + "RUN-2,鞋,,,,,\n"
    load = load_catalog(write(tmp_path, body))
    assert load.errors == []
    first, second = load.products
    assert first.attributes == {"color": "黑色", "size": "42"} and second.title == "鞋"  # short row padded
    long_row = HEADER + "RUN-3,鞋,,,,,,,,,,,,extra\n"
    assert messages(load_catalog(write(tmp_path, long_row, "long.csv"))) == [
        "line 2: expected 13 fields, found 14"
    ]


def test_a_bom_before_the_header_is_not_part_of_the_sku_column(tmp_path: Path) -> None:
    load = load_catalog(write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "RUN-1,跑鞋,,,,,,,,,,,\n").encode()))
    assert load.errors == [] and load.products[0].sku == "RUN-1"


@pytest.mark.parametrize(
    ("price", "currency", "expected", "code"),
    [
        ('"1,299.00"', "", "1299.00", "CNY"),  # a spreadsheet quotes a cell that holds a comma
        ('"1,299.00"', "CNY", "1299.00", "CNY"),
        ("¥1299", "", "1299", "CNY"),
        ('"￥1,299"', "", "1299", "CNY"),
        ("1299元", "", "1299", "CNY"),
        ("$25.50", "", "25.50", "USD"),
        ('"12,345,678.5"', "", "12345678.5", "CNY"),
    ],
)
def test_prices_as_spreadsheets_write_them(
    tmp_path: Path, price: str, currency: str, expected: str, code: str
) -> None:
    load = load_catalog(write(tmp_path, HEADER + f"RUN-1,跑鞋,,,{price},{currency},,,,,,,\n"))
    assert load.errors == [], messages(load)
    assert load.products[0].price == Decimal(expected) and load.products[0].currency == code


@pytest.mark.parametrize(
    ("stock", "expected"),
    [('"1,200"', 1200), ("12.0", 12), ("１２", 12), (" 7 ", 7), ('"12,000,000"', 12000000)],
)
def test_stock_as_spreadsheets_write_it(tmp_path: Path, stock: str, expected: int) -> None:
    """The same number formats as prices: "1,200" was rejected as a bad stock (issue 18 re-test)."""
    load = load_catalog(write(tmp_path, HEADER + f"RUN-1,跑鞋,,,99,,{stock},,,,,,\n"))
    assert load.errors == [], messages(load)
    assert load.products[0].stock == expected


@pytest.mark.parametrize("stock", ["12.5", '"1,20"', "abc", "-3"])
def test_stock_that_is_no_whole_number_still_rejects_the_row(tmp_path: Path, stock: str) -> None:
    load = load_catalog(write(tmp_path, HEADER + f"RUN-1,跑鞋,,,99,,{stock},,,,,,\n"))
    assert load.products == [] and "stock" in messages(load)[0]


def test_a_price_whose_symbol_contradicts_the_currency_column_is_rejected(tmp_path: Path) -> None:
    body = HEADER + "RUN-1,跑鞋,,,$25,CNY,,,,,,,\n" + 'RUN-2,鞋,,,"1,29",,,,,,,,\n'
    assert messages(load_catalog(write(tmp_path, body))) == [
        "line 2: price '$25' is in USD but the currency column says CNY",
        "line 3: bad price '1,29' (expected a decimal like 399.00)",
    ]


@pytest.mark.parametrize(
    ("sku", "why"),
    [
        ("1.23457E+11", "scientific notation"),
        ("6.92E+12", "scientific notation"),
        ("2024/3/5", "looks like a date"),
        ("2024-03-05", "looks like a date"),
        ("3-Mar", "looks like a date"),
        ("Mar-24", "looks like a date"),
        ("5/3/2024", "looks like a date"),
    ],
)
def test_skus_a_spreadsheet_turned_into_numbers_or_dates_are_rejected(
    tmp_path: Path, sku: str, why: str
) -> None:
    body = HEADER + f"{sku},跑鞋,,,,,,,,,,,\n" + "RUN-2,鞋,,,,,,,,,,,\n"
    load = load_catalog(write(tmp_path, body))
    [error] = messages(load)
    assert error.startswith(f"line 2: SKU {sku!r}") and why in error and "Text" in error
    assert [p.sku for p in load.products] == ["RUN-2"]  # the rest still loads


def test_ordinary_skus_that_contain_digits_and_dashes_still_load(tmp_path: Path) -> None:
    body = HEADER + "".join(
        f"{sku},鞋,,,,,,,,,,,\n" for sku in ("RUN-001", "1E5X", "2024-A1", "12-34-56", "E5")
    )
    load = load_catalog(write(tmp_path, body))
    assert load.errors == [] and len(load.products) == 5


def test_a_line_break_or_no_break_space_inside_a_title_cell_becomes_one_space(tmp_path: Path) -> None:
    """Excel's Alt+Enter inside a title cell and a no-break space pasted from a web page (issue 18, third
    test): the title, brand and category are one line, so a card, a copy or an exported CSV row never breaks."""
    body = HEADER + 'RUN-1,"Nike 跑鞋\r\n男款",Nike\u00a0 Inc,"运动鞋/\n跑步鞋",,,,"第一行\n第二行",,,,,\n'
    [product] = load_catalog(write(tmp_path, body)).products
    assert (product.title, product.brand, product.category) == ("Nike 跑鞋 男款", "Nike Inc", "运动鞋/跑步鞋")
    assert product.description == "第一行\n第二行"  # a description keeps its paragraphs
