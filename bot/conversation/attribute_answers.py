"""Answers to attribute questions about one product ("有降噪吗", "能用电磁炉吗", "how heavy is it?").

One clean sentence per fact asked, and only the facts asked:
- the product's attribute (`attr_<name>` in the catalog), a yes/no attribute ("是", "yes") said as a word in the
  chat's language ("支持降噪" / "has noise cancelling"), never "降噪：是";
- a value question ("能用电磁炉吗" → stove includes 电磁炉?) answered yes or no against the listed values; a value
  the customer used to NAME the product ("罗马仕 20000mAh 充电宝") is not a question;
- when the attribute is not listed, the description's own clause about it, quoted;
- otherwise a plain "the catalog does not say" and an offer to ask a colleague.
Every sentence is built from the product's fields and `bot/prompts/replies.yaml`; nothing is inferred.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.conversation.cards import Phrases
from bot.conversation.claims.quote import quotable
from bot.conversation.ip_rating import asks_water, water_level, water_meaning
from bot.conversation.ordering import ATTRIBUTES_FILE, load_attribute_words, measure
from knowledge.models import Product
from knowledge.script import is_han
from knowledge.vocabulary import split_values
from knowledge.yaml_data import load_yaml

YES_WORDS = frozenset({"是", "有", "支持", "带", "yes", "y", "true"})
NO_WORDS = frozenset({"否", "无", "没有", "不支持", "不带", "no", "n", "false", "none"})
_CLAUSE = re.compile(r"[^。；;！!？?\n]+(?:[。；;！!？?]|$)")
_PART = re.compile(r"[，,。；;！!？?\n]")  # a description's comma-separated parts: one fact each
_ASCII_WORD = re.compile(r"^[A-Za-z][A-Za-z .'-]*$")


def as_boolean(raw: str) -> bool | None:
    """'是' / 'yes' → True, '否' / 'no' → False, anything else (a measured value) → None."""
    value = raw.strip().lower()
    if value in YES_WORDS:
        return True
    if value in NO_WORDS:
        return False
    return None


def mentions(text: str, word: str) -> bool:
    """`word` in `text`; an English word only as a whole word ("gas" is not in "Pegasus", "no" not in "know")."""
    lowered, wanted = text.lower(), word.lower()
    if _ASCII_WORD.match(wanted):
        return english_word(wanted).search(lowered) is not None
    return wanted in lowered


def english_word(word: str) -> re.Pattern[str]:
    """An English word at a word start; a short word (≤ 4 letters) also whole, plural allowed
    ("gas" not in "Pegasus", "port" not in "portable"; "noise cancel" still in "noise cancelling")."""
    tail = r"s?(?![a-z])" if len(word) <= 4 else ""
    word = word.lower()
    if len(word) > 4 and word.endswith("y") and word[-2] not in "aeiou":  # "battery" is in "2 batteries"
        return re.compile(rf"(?<![a-z]){re.escape(word[:-1])}(?:y|ies)")
    return re.compile(rf"(?<![a-z]){re.escape(word)}{tail}")


def listed(product: Product, name: str) -> str:
    """The product's raw value of attribute `name` (case-insensitive key), or ''."""
    return next((v for k, v in product.attributes.items() if k.lower() == name and v.strip()), "")


# What a question adds to the thing it asks about: "保温多久" asks about 保温, "能放多久" about 放.
_QUESTION_TAIL = re.compile(
    r"(?:多长时间|多久|多少|多大|多重|多长|多高|几个?(?:小时|分钟|天|次)?|时间|时长|吗|呢|能|可以|要)+$|^(?:能|可以|会)"
)
_TIME_QUESTION = re.compile(
    r"多久|多长时间|几(?:个)?(?:小时|分钟|天)|多少(?:小时|分钟|天)|how long|how many (?:hours|minutes|days)",
    re.I,
)
# How long a product runs on one charge/battery, asked with a verb of use ("能飞多久", "能亮多久", "能用多久").
_USE_TIME = re.compile(
    r"能?(?:用|飞|亮|跑|玩|开|撑|续航)(?:多久|多长时间|几个?小时|几分钟)|续航|充一次|how long does it (?:last|run)",
    re.I,
)
_RUNTIME = re.compile(r"续航|使用时间|工作时间|可用|runtime|battery life|lasts?", re.I)
# A duration in a description ("真空保温12小时", "5分钟烧开一壶水", "30-minute charge").
_TIME_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:-\s*\d+\s*)?(?:小时|分钟|秒钟?|天|个月|周|年|h\b|hrs?\b|hours?|minutes?|mins?\b|days?|weeks?|months?|"
    r"years?)",
    re.I,
)


def _stems(words: Iterable[str]) -> list[str]:
    """The asked words and what they ask about without the question ("保温多久" → 保温), two characters or more."""
    out: list[str] = []
    for word in words:
        out.append(word)
        stem = _QUESTION_TAIL.sub("", word)
        if stem != word and len(stem) >= 2:
            out.append(stem)
    return list(dict.fromkeys(out))


def described(product: Product, words: Iterable[str]) -> str:
    """The description's first clause that mentions one of `words` or what they ask about ("保温多久" →
    the clause with 保温), quoted after `quotable` cuts instructions, links and contacts; ''."""
    text = quotable(product.description or "")
    wanted = [w for w in _stems(words) if len(w) >= 2]
    # a verb and its object with a figure between ("放电脑" in "可放15.6英寸电脑")
    spread = [
        re.compile(rf"{re.escape(w[0])}[^，,。；;]{{0,8}}{re.escape(w[1:])}")
        for w in wanted
        if _verb_object(w)
    ]
    for clause in _CLAUSE.findall(text):
        if any(mentions(clause, w) for w in wanted) or any(rx.search(clause) for rx in spread):
            return clause.strip().rstrip("。；;，,")
    return ""


def _verb_object(word: str) -> bool:
    """A Han stem of a one-character verb and a noun of two ("放电脑", "装水杯")."""
    return len(word) == 3 and all(map(is_han, word))


def _listed_alias(product: Product, name: str) -> str:
    """The value of `name` under another column name of the same attribute (`attributes.yaml` orderable
    keys: a "功率多大" answered from attr_wattage), or ''."""
    spec = next((w for w in load_attribute_words() if w.name == name), None)
    found = next((v for key in (spec.keys if spec else ()) if (v := listed(product, key))), "")
    dimension = spec.dimension if spec is not None else _FIGURE_DIMENSIONS.get(name)
    if found or not dimension:
        return found
    # a column of another name, read by its unit when it is the product's only one in that dimension
    # ("how tall is the easel?" → its size column, 160cm)
    measured = [v for v in product.attributes.values() if (m := measure(v)) and m.dimension == dimension]
    return measured[0] if len(measured) == 1 else ""


# Attributes a bare figure answers by its unit ("它多长" → "90cm", "多少流明" → "1500流明", "多少罐" → "12-pack"):
# the dimension of `bot.conversation.ordering.UNITS` it is measured in.
_FIGURE_DIMENSIONS = {
    "length": "length",
    "height": "length",  # "how tall is the easel?" → "1.6米" in its title
    "brightness": "luminous",
    "pressure": "pressure",
    "capacity": "volume",
    "power": "power",
    "warmth": "temperature",
}
_PACK = re.compile(
    r"\d+\s*(?:-?\s*pack|-?\s*count|pcs|cans|罐|支装|片装|袋装|包装|本装|只装|支|片|袋|本|罐装)(?![a-z])",
    re.I,
)
_PHRASE = re.compile(r"[^，,。；;！!？?\n]+")


def figured(product: Product, name: str) -> str:
    """The title's or description's phrase holding a figure in the unit `name` is measured in ("90cm" for a
    length, "1500流明", "12 cans of 85g each" for a pack size), quoted; ''."""
    dimension = _FIGURE_DIMENSIONS.get(name)
    texts = [quotable(product.description or ""), product.title]
    for text in texts:
        for phrase in _PHRASE.findall(text):
            if name == "pack" and _PACK.search(phrase):
                return phrase.strip()
            found = measure(phrase) if dimension else None
            if found is not None and found.dimension == dimension:
                return phrase.strip()
    return ""


def timed_clause(product: Product, question: str) -> str:
    """ "做一壶要多久" / "烧开要几分钟" / "how long does it keep it hot": the description's clause with a time
    figure ("早上20分钟一壶热豆浆") that shares a word with the question; '' when the question asks no
    duration or the description states none."""
    if not _TIME_QUESTION.search(question):
        return ""
    text = quotable(product.description or "")
    asked = {question[i : i + 2] for i in range(len(question) - 1)} - {
        "多久",
        "多长",
        "长时",
        "时间",
        "几分",
        "分钟",
    }
    best, score = "", 0
    timed = [part.strip() for part in re.split(r"[，,。；;！!？?\n]", text) if _TIME_FIGURE.search(part)]
    for part in timed:
        shared = sum(1 for bigram in asked if bigram.strip() and bigram in part)
        if shared > score:
            best, score = part, shared
    if best or not _USE_TIME.search(question):
        return best
    # "能飞多久" / "充一次电能用多久" / "how long does it last": how long it runs — its 续航 clause, or the one
    # duration the description states; several unrelated durations ("保温12小时，保冷24小时") answer nothing
    runtime = [part for part in timed if _RUNTIME.search(part)]
    return (runtime or timed)[0] if len(runtime or timed) == 1 else ""


def _value_forms() -> dict[str, frozenset[str]]:
    data = load_yaml(ATTRIBUTES_FILE.read_text(encoding="utf-8")) or {}
    forms: dict[str, frozenset[str]] = {}
    for group in data.get("values") or ():
        members = frozenset(str(w).lower() for w in group)
        for member in members:
            forms[member] = forms.get(member, frozenset()) | members
    return forms


# Attribute values that mean the same in either language (`values:` of attributes.yaml): 烤箱 = oven.
VALUE_FORMS: dict[str, frozenset[str]] = _value_forms()


def same_value(asked: str, value: str) -> bool:
    """True when the catalog value says what was asked, in either language ("烤箱" of "oven", "induction" of
    "电磁炉"), or contains it ("5ATM" of "防水5ATM")."""
    asked, value = asked.lower().strip(), value.lower().strip()
    forms = VALUE_FORMS.get(asked, frozenset({asked}))
    return any(f == value or (len(f) >= 2 and f in value) for f in forms)


def value_lines(ph: Phrases, product: Product, asks: Iterable[str]) -> tuple[list[str], set[str]]:
    """Lines for `value:<attribute>:<value>` asks, and the attribute names they answered."""
    lines: list[str] = []
    answered: set[str] = set()
    for ask in sorted(a for a in asks if a.startswith("value:")):
        _, name, asked = ask.split(":", 2)
        raw = listed(product, name)
        if not raw or as_boolean(raw) is not None:
            continue  # answered by the attribute question itself
        level = water_level(raw)
        if level is not None and asks_water(asked):  # "防水吗" of an IPX8 lamp: IEC 60529 says what X8 means
            lines.append(_water_line(ph, product, raw, level))
            answered.add(name)
            continue
        values = split_values(raw)
        has = any(same_value(asked, v) for v in values)  # 烤箱 asked of "oven": the same value
        if has and len(values) == 1:
            key = "answer_value_is"
        else:
            key = "answer_value_yes" if has else "answer_value_no"
        lines.append(ph.say(key, title=product.title, label=ph.label(name), value=ph.value(raw), asked=asked))
        answered.add(name)
    return lines, answered


def qualified_lines(
    ph: Phrases, product: Product, text: str, names: Iterable[str], asked_words: Mapping[str, tuple[str, ...]]
) -> tuple[list[str], set[str]]:
    """ "收纳长度多少", "传输距离多远": an attribute word the question qualifies (two Han characters before it) is
    answered from the description's clause holding that very phrase with a figure ("收纳长度32cm") before any
    column — the length column of a tripod is its height, not its folded length. Returns the lines and the
    attribute names they answer."""
    description = quotable(product.description or "")
    lines: list[str] = []
    answered: set[str] = set()
    for name in names:
        for word in (w for w in asked_words.get(name, ()) if len(w) >= 2 and not w.isascii()):
            at = text.find(word)
            if at < 2 or not (is_han(text[at - 1]) and is_han(text[at - 2])):
                continue
            phrase = text[at - 2 : at + len(word)]
            clause = next(
                (
                    c.strip().rstrip("。；;，,")
                    for c in _CLAUSE.findall(description)
                    if phrase in c and _DIGIT.search(c)
                ),
                "",
            )
            if clause:
                lines.append(
                    ph.say("answer_attr_described", title=product.title, label=phrase, clause=clause)
                )
                answered.add(name)
                break
    return lines, answered


_DIGIT = re.compile(r"\d")


def attribute_lines(
    ph: Phrases, product: Product, names: Iterable[str], asked_words: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """One sentence per asked attribute `names` (see the module docstring for the order of sources)."""
    lines: list[str] = []
    for name in names:
        label = ph.label(name)
        inline = label.lower() if ph.lang == "en" else label  # mid-sentence in English
        raw = listed(product, name) or _listed_alias(product, name)
        truth = as_boolean(raw) if raw else None
        if truth is not None:
            key = "answer_attr_yes" if truth else "answer_attr_no"
            lines.append(ph.say(key, title=product.title, label=inline))
            continue
        level = water_level(raw) if raw else None
        if level is not None and any(asks_water(w) for w in (name, label, *asked_words.get(name, ()))):
            lines.append(_water_line(ph, product, raw, level))
            continue
        if raw:
            lines.append(ph.say("answer_attr", title=product.title, label=label, value=ph.value(raw)))
            continue
        clause = described(product, (*asked_words.get(name, ()), label)) or figured(product, name)
        key = "answer_attr_described" if clause else "answer_attr_unknown"
        lines.append(ph.say(key, title=product.title, label=inline, clause=clause))
    return list(dict.fromkeys(lines))


def feature_lines(ph: Phrases, product: Product, words: Iterable[str]) -> list[str]:
    """One sentence per part or figure asked of the product by a word of its listing ("水箱" → capacity
    "1.1L水箱"): the attribute value that names it, else the description's clause, else "the listing doesn't
    say" (never a search for the word)."""
    lines: list[str] = []
    for word in words:
        value = next(((k, v) for k, v in product.attributes.items() if v.strip() and mentions(v, word)), None)
        if value is not None:
            lines.append(
                ph.say("answer_attr", title=product.title, label=ph.label(value[0]), value=ph.value(value[1]))
            )
            continue
        text = quotable(product.description or "")
        clause = next((c.strip() for c in _PART.split(text) if c.strip() and mentions(c, word)), "")
        key = "answer_attr_described" if clause else "answer_attr_unknown"
        lines.append(ph.say(key, title=product.title, label=word, clause=clause))
    return list(dict.fromkeys(lines))


def _water_line(ph: Phrases, product: Product, raw: str, level: int) -> str:
    """Whether an IP-rated product is waterproof, with what its rating means (`bot.conversation.ip_rating`)."""
    waterproof, meaning = water_meaning(level, ph.lang)
    key = "answer_ip_yes" if waterproof else "answer_ip_no"
    return ph.say(key, title=product.title, value=ph.value(raw), meaning=meaning)
