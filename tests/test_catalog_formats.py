"""JSON/JSONL, Shopify exports, column mapping, format detection and the canonical writer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.catalog import (
    SAMPLE_CATALOG,
    detect_format,
    load_catalog,
    load_mapping_file,
    parse_map_flags,
    write_catalog_csv,
)
from knowledge.errors import CatalogFormatError
from knowledge.models import Product


def write(tmp_path: Path, name: str, body: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def test_jsonl_loads_attributes_tags_and_exact_prices(tmp_path: Path) -> None:
    lines = [
        '{"sku": "J1", "title": "降噪耳机", "price": 399.00, "stock": 5, "tags": ["耳机", "降噪"],'
        ' "attributes": {"color": "黑色", "size": ["S", "M"]}}',
        "",
        json.dumps(
            {
                "sku": "J2",
                "title": "Earbuds",
                "price": "19.99",
                "currency": "USD",
                "tags": "a;b",
                "attr_color": "white",
            }
        ),
    ]
    load = load_catalog(write(tmp_path, "c.jsonl", "\n".join(lines) + "\n"))
    assert load.errors == []
    first, second = load.products
    assert first.price == Decimal("399.00") and str(first.price) == "399.00"
    assert first.tags == ("耳机", "降噪") and first.attributes == {"color": "黑色", "size": "S;M"}
    assert second.currency == "USD" and second.tags == ("a", "b") and second.attributes == {"color": "white"}


def test_jsonl_bad_lines_are_reported_by_line(tmp_path: Path) -> None:
    good_utf8 = '{"sku": "K1", "title": "好的"}\n{"sku": "K2", "title": broken}\n["not", "an", "object"]\n'
    gbk_line = b'{"sku": "K3", "title": "\xd5\xfd"}\n'  # GBK bytes in a UTF-8 file
    rest = '{"sku": "K4", "title": "neg", "price": -1}\n{"sku": "K1", "title": "dup"}\n'
    rest += '{"sku": "K5", "title": "正常", "stock": 0}\n'
    body = good_utf8.encode() + gbk_line + rest.encode()
    load = load_catalog(write(tmp_path, "c.jsonl", body))
    assert [p.sku for p in load.products] == ["K1", "K5"]
    assert [str(e) for e in load.errors] == [
        "line 2: invalid JSON (Expecting value at column 24)",
        "line 3: not a JSON object (found list)",
        "line 4: invalid UTF-8 bytes (wrong encoding; save the file as UTF-8)",
        "line 5: negative price '-1'",
        "line 6: duplicate SKU 'K1' (first seen on line 1)",
    ]


def test_json_array_reports_each_object_at_its_starting_line(tmp_path: Path) -> None:
    body = '[\n  {"sku": "L1",\n   "title": "多行对象"},\n  {"sku": "L2", "title": ""},\n  {"sku": "L3", "title": "ok", "price": 1.50}\n]\n'
    load = load_catalog(write(tmp_path, "c.json", body))
    assert [p.sku for p in load.products] == ["L1", "L3"]
    assert load.products[1].price == Decimal("1.50")
    assert [str(e) for e in load.errors] == ["line 4: missing title"]


def test_json_wrapped_in_products_key(tmp_path: Path) -> None:
    body = '{"shop": "demo",\n "products": [\n  {"sku": "W1", "title": "a"},\n  {"sku": "W2", "price": "x", "title": "b"}\n]}'
    load = load_catalog(write(tmp_path, "c.json", body))
    assert [p.sku for p in load.products] == ["W1"]
    assert [str(e) for e in load.errors] == ["line 4: bad price 'x' (expected a decimal like 399.00)"]


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("c.json", "[1, 2, 3]", "no product objects"),
        ("c.json", '["a", "b"]', "no product objects"),
        ("c.json", "42", "expected a JSON array"),
        ("c.json", '[{"sku": "a", ', "invalid JSON"),
        ("c.jsonl", "[1]\n[2]\n", "no line holds a JSON object"),
        ("c.jsonl", "not json at all\n", "no line holds a JSON object"),
    ],
)
def test_json_that_is_not_a_catalog(tmp_path: Path, name: str, body: str, needle: str) -> None:
    with pytest.raises(CatalogFormatError, match=needle):
        load_catalog(write(tmp_path, name, body))


SHOPIFY = """Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Inventory Qty,Variant Price,Image Src,Variant Image
pegasus-41,Pegasus 41,<p>Responsive <b>cushioning</b> &amp; more</p>,Nike,Apparel & Accessories > Shoes,Running,"running, shoes",TRUE,Size,42,Color,Black,PEG-42-BLK,5,899.00,https://img/peg.jpg,
pegasus-41,,,,,,,,,43,,Black,PEG-43-BLK,-2,899.00,,https://img/peg43.jpg
pegasus-41,,,,,,,,,44,,White,,0,919.00,,
pegasus-41,,,,,,,,,,,,,,,https://img/peg-side.jpg,
mug,Ceramic Mug,,Acme,,Kitchen,,TRUE,Title,Default Title,,,MUG-1,,29.00,,
mug,,,,,,,,,,,,,,abc,,
"""


def test_shopify_variants_become_skus(tmp_path: Path) -> None:
    path = write(tmp_path, "products_export.csv", SHOPIFY)
    assert detect_format(path) == "shopify"
    load = load_catalog(path)
    by_sku = {p.sku: p for p in load.products}
    assert list(by_sku) == ["PEG-42-BLK", "PEG-43-BLK", "pegasus-41-44-White", "MUG-1"]
    first = by_sku["PEG-42-BLK"]
    assert first.title == "Pegasus 41 (42 / Black)" and first.brand == "Nike"
    assert first.category == "Apparel & Accessories/Shoes"
    assert first.description == "Responsive cushioning & more"
    assert first.attributes == {"size": "42", "color": "Black"}
    assert first.tags == ("running", "shoes") and first.price == Decimal("899.00") and first.stock == 5
    assert by_sku["PEG-43-BLK"].stock == 0  # Shopify oversold inventory is simply out of stock
    assert by_sku["PEG-43-BLK"].image_url == "https://img/peg43.jpg"
    assert by_sku["pegasus-41-44-White"].price == Decimal("919.00")
    assert by_sku["pegasus-41-44-White"].image_url == "https://img/peg.jpg"
    mug = by_sku["MUG-1"]
    assert (
        mug.title == "Ceramic Mug"
        and mug.category == "Kitchen"
        and mug.stock is None
        and mug.attributes == {}
    )
    assert [str(e) for e in load.errors] == ["line 7: bad price 'abc' (expected a decimal like 399.00)"]


def test_shopify_format_forced_on_a_plain_csv_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="Shopify"):
        load_catalog(write(tmp_path, "c.csv", "sku,title\nA,b\n"), fmt="shopify")


def test_mapping_dict_renames_csv_and_json_columns(tmp_path: Path) -> None:
    mapping = {"Product ID": "sku", "Name": "title", "Cost": "price", "Colour": "attr_color"}
    csv_path = write(
        tmp_path, "other.csv", "Product ID,Name,Cost,Colour,Warehouse\nX1,保温杯,59.00,蓝色,A3\n"
    )
    with pytest.raises(CatalogFormatError, match="--map"):
        load_catalog(csv_path)
    load = load_catalog(csv_path, mapping=mapping)
    assert load.products[0].sku == "X1" and load.products[0].price == Decimal("59.00")
    assert load.products[0].attributes == {"color": "蓝色"} and load.ignored_columns == ("Warehouse",)
    json_path = write(tmp_path, "other.jsonl", '{"Product ID": "X2", "Name": "杯子", "Colour": "红"}\n')
    assert load_catalog(json_path, mapping=mapping).products[0].attributes == {"color": "红"}


def test_mapping_files_and_flags(tmp_path: Path) -> None:
    yaml_file = write(tmp_path, "map.yaml", "columns:\n  Product ID: sku\n  Name: title\n")
    json_file = write(tmp_path, "map.json", '{"Product ID": "sku", "Name": "TITLE"}')
    expected = {"Product ID": "sku", "Name": "title"}
    assert load_mapping_file(yaml_file) == expected
    assert load_mapping_file(json_file) == expected
    assert parse_map_flags(["Product ID=sku", "a=b=attr_ab"]) == {"Product ID": "sku", "a=b": "attr_ab"}
    with pytest.raises(CatalogFormatError, match="not a catalog column"):
        parse_map_flags(["Name=headline"])
    with pytest.raises(CatalogFormatError, match="source=target"):
        parse_map_flags(["Name"])
    with pytest.raises(CatalogFormatError, match="must be an object"):
        load_mapping_file(write(tmp_path, "bad.yaml", "- a\n- b\n"))
    with pytest.raises(CatalogFormatError, match="not valid"):
        load_mapping_file(write(tmp_path, "bad.json", "{nope"))


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("a.csv", "sku,title\n", "csv"),
        ("a.txt", "sku,title\n", "csv"),
        ("a.jsonl", '{"sku": "a"}\n', "jsonl"),
        ("a.data", '{"sku": "a", "title": "b"}\n{"sku": "c"}\n', "jsonl"),
        ("a.json", '{"sku": "a", "title": "b"}\n', "json"),
        ("a.data", '[\n {"sku": "a"}\n]', "json"),
        ("a.toml", "[build-system]\nrequires = []\n", "csv"),
        ("export.csv", "Handle,Title,Variant Price\n", "shopify"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, body: str, expected: str) -> None:
    assert detect_format(write(tmp_path, name, body)) == expected


def test_unknown_format_name_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="unknown catalog format"):
        load_catalog(write(tmp_path, "a.csv", "sku,title\nA,b\n"), fmt="xml")


def test_writer_round_trips_the_sample_catalog(tmp_path: Path) -> None:
    original = load_catalog(SAMPLE_CATALOG).products
    out = tmp_path / "copy.csv"
    write_catalog_csv(original, out)
    again = load_catalog(out)
    assert again.errors == [] and again.products == original


def test_writer_keeps_unknown_price_and_stock_blank(tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    write_catalog_csv([Product(sku="Z", title='引号"和,逗号', attributes={"size": "S;M"})], out)
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",tags,attr_size")
    product = load_catalog(out).products[0]
    assert product.price is None and product.stock is None and product.title == '引号"和,逗号'


def test_huge_nested_attribute_in_json_is_rejected(tmp_path: Path) -> None:
    body = json.dumps({"sku": "H1", "title": "t", "attributes": {"notes": "x" * 70_000}}) + "\n"
    body += json.dumps({"sku": "H2", "title": "t"}) + "\n"
    load = load_catalog(write(tmp_path, "h.jsonl", body))
    assert [p.sku for p in load.products] == ["H2"]
    assert [str(e) for e in load.errors] == ["line 1: huge field 'attr_notes' (70000 bytes, limit 65536)"]
