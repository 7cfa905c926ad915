"""Words of a price or stock question that the keyword reader left out ("钛杯多少钱" → 钛杯).

"钛杯多少钱" while dog treats are in focus asks the price of a titanium cup; when the keyword reader knows no
"钛杯" (jieba splits it, the catalog spells it otherwise) the message looked like "多少钱" alone, a question
about the product in focus — and the reply quoted the dog treats' price (a price claim about a product other
than the one asked). `unread_words` returns the Chinese words left once the ask, reference and grammar words are
taken out; `names_other_thing` says whether any of them is missing from the product in focus, in which case the
message is a search for that thing, never a question about the focus.

Pure functions over Simplified text.
"""

from __future__ import annotations

import re

from knowledge.models import Product
from knowledge.script import han_runs

_ASK_AND_GRAMMAR = re.compile(
    r"多少钱|多少|价格|价钱|售价|标价|什么价|啥价|几块钱|几块|几钱|贵不贵|贵吗|便宜吗|卖多少|怎么卖|"
    r"有没有货|有货吗|有货|现货|库存|还有吗|还有货|缺货|卖完|到货|补货|请问|现在|一下|"
    r"[这那哪][个款双件只台套条瓶支把盒包]?|它|他|她|[的吗呢啊呀吧了是要卖有没还和就都也么啥些]"
)


def unread_words(text: str) -> list[str]:
    """The Chinese words (two characters or more) of `text` that are neither an ask nor grammar."""
    return han_runs(_ASK_AND_GRAMMAR.sub(" ", text), min_length=2)


def names_other_thing(text: str, focus: Product) -> list[str]:
    """The unread words of `text` that the product in focus does not carry (title, brand, category, tags,
    attribute values); empty when the message can only be about it."""
    own = " ".join(
        [focus.title, focus.brand or "", focus.category, *focus.tags, *map(str, focus.attributes.values())]
    ).lower()
    return [w for w in unread_words(text) if w.lower() not in own]
