"""Does a fact question about the product in focus name some other item? ("钛杯多少钱" after dog treats)

A message such as "钛杯多少钱" carries only the ask word 多少钱 as a keyword (the extractor drops the unknown
noun 钛杯), so it used to be read as a price follow-up on the product in focus. `unmatched_item` finds the word
left once the ask words, references, particles, amounts, colours and sizes are taken out; when that word is a
short Chinese noun the focused product's title, tags, category and brand share no character with, the message
names another item and must not be answered about the focused one (the caller searches for the word instead).
`names_other_item` is the same test used as a guard before a price/stock sentence is composed.

Shapes: `text` is a cleaned (Simplified) customer message; results are a word (str) or "" / bool.
"""

from __future__ import annotations

import re

from bot.conversation.asks import asked_attribute_words, asks_in
from knowledge.models import Product
from knowledge.script import is_han

# Ask phrases (asks.py keeps the canonical ones; these are the remaining question shapes around an item).
_ASK = re.compile(
    r"多少钱|价格|价钱|几块钱?|贵不贵|有货|有库存|库存|现货|还有吗|卖完了?|缺货|尺码|码数|尺寸|几码|什么码|"
    r"颜色|什么色|几种色|介绍一?下?|详情|参数|规格|材质|特点|怎么样|好不好|好用吗|能用吗|咋样|"
    r"多重|多大|多长|多久|多高|多宽|重多少|是什么|是啥|有什么|有没有|有吗|还有|卖吗|"
    r"最[大小长短高低重轻贵好多少便宜]+|更[大小长短高低重轻贵好]|多少|几个?|"
    r"请问|一下|呢|吗|吧|啊|呀|的|了|么|嘛|是|都|也|还"
)
_REFERENCE = re.compile(
    r"其他的?|其它的?|别的|另外的?|这个|那个|这款|那款|这双|那双|这件|那件|这台|那台|这只|那只|这套|那套|这瓶|那瓶|这本|那本|"
    r"它们?|该|此|第[一二三四五六七八九十\d]+[个款双件台只]?|上面|刚才|前面|后面|这|那|个|款|双|件|台|只"
)
_AMOUNT = re.compile(r"[\d.,]+|[一二两三四五六七八九十百千万几]+|[a-zA-Z]+|\W+|_")
_COLOUR = re.compile(r"[红橙黄绿青蓝紫黑白灰粉棕金银米咖]色?")
# Residues that describe or ask, never name an item ("耐用吗", "正品吗", "包邮吗").
_NOT_ITEMS = frozenset(
    [
        "耐用",
        "正品",
        "包邮",
        "好看",
        "实用",
        "安全",
        "便宜",
        "划算",
        "保修",
        "退货",
        "退换",
        "发货",
        "快递",
        "推荐",
        "适合",
        "防水",
        "保温",
        "耐摔",
        "结实",
        "大号",
        "小号",
        "新款",
        "同款",
        "原装",
        "进口",
        "国产",
        "现在",
        "今天",
        "明天",
        "还是",
        "可以",
        "能不能",
        "需要",
        "多少",
        "几天",
        "多久",
    ]
)


def unmatched_item(text: str) -> str:
    """The Chinese noun a fact question names besides its ask words ("钛杯多少钱" → "钛杯"), else ""."""
    rest = text
    for w in asked_attribute_words(asks_in(text)):
        rest = rest.replace(w, " ")
    rest = _ASK.sub(" ", rest)
    rest = _REFERENCE.sub(" ", rest)
    rest = _AMOUNT.sub(" ", rest)
    rest = _COLOUR.sub(" ", rest)
    words = [w for w in rest.split() if w]
    if len(words) != 1:
        return ""
    word = words[0]
    if not 2 <= len(word) <= 4 or not all(is_han(c) for c in word) or word in _NOT_ITEMS:
        return ""
    return word


def _product_text(product: Product) -> str:
    return " ".join(
        [product.title, product.brand or "", product.category or "", *product.tags, *product.category_path]
    ).lower()


def matches_product(word: str, product: Product) -> bool:
    """True when the product's title, brand, category or tags contain the word, or every one of its characters
    (钛杯 ↔ 钛金属单层杯): character overlap links short Chinese nouns to the titles they abbreviate."""
    text = _product_text(product)
    return word in text or all(c in text for c in word)


def names_other_item(text: str, product: Product) -> bool:
    """True when `text` names an item (`unmatched_item`) that `product` does not match: a price or stock
    sentence about `product` would answer a question about something else."""
    word = unmatched_item(text)
    return bool(word) and not matches_product(word, product)
