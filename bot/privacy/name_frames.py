"""Names in a message's frame — headers, sign-offs, honorifics, relatives — replaced by a placeholder.

`bot.privacy.names` reads names where a customer introduces themselves ("我叫…", "my name is …"). Customers
also name people where a letter names them, and these frames are found here (issue 13 §2, held-out set 3 in
tests/data/pii_formats_3.yaml):

- a header or a signature line: "From: Li Wei", a sign-off ("BR, Hans", "Best regards\\nSarah Johnson"), a dash
  signature closing the message ("…\\n- Michael", "——张伟");
- an honorific before a name: "Mr. James O'Neil", "Dr. Robert Chen" (two name words after Dr./Prof., so the
  brands "Dr. Martens", "Dr. Jart+" stay), "the name Olivia Brown";
- a Latin-script or pinyin name after a Chinese cue: "我是 Kevin Lin，", "寄给 Sarah Lee,", "我是 zhang
  xiaoming", "wo shi Liu Yang" — pinyin is told from English by its syllables (a surname's pinyin, then
  one or two syllables);
- third parties: "我女儿陈可欣要…", "联系我爱人张丽，", "他叫赵建国", "我是王小明的妈妈", "收件人改成张伟" — a
  surname and one or two characters that jieba does not know as a common word (the same test as "我是X").

Rules, not a model: every frame is a cue plus the shape of a name, and what is not a name (nationalities,
brands shaped like names, common words) is left as written.
"""

from __future__ import annotations

import regex

from bot.privacy.names import (
    _CAP,
    _COMPOUND_SURNAMES,
    _NAME_LIKE_BRANDS,
    _NAME_WORDS,
    _NOT_NAMES,
    _RELATIONS,
    _SURNAME,
    _SURNAMES,
    _VERB_SURNAMES,
    NAME,
    _is_self_description,
)
from knowledge.script import HAN, has_han

# --- English frames -------------------------------------------------------------------------------------
_LINE_END = r"(?=[ \t]*(?:$|\n|<|[,;]))"
# A header: "From: Li Wei" on its own line — or, once input hygiene has joined the lines ("From: Li Wei Sony
# 耳机多少钱"), opening the message: then one or two name words are taken.
_HEADER = regex.compile(
    r"(?im:^(\s*(?:from|sender|sent\s+by|signed|发件人|寄件人)\s*[:：]\s*))"
    rf"({_NAME_WORDS}{_LINE_END}|{_CAP}(?:\s+{_CAP})?(?=\s|$))"
)
_SIGN_OFFS = (
    r"regards|best\s+regards|kind\s+regards|warm\s+regards|warmest\s+regards|best\s+wishes|all\s+the\s+best|"
    r"sincerely|yours\s+sincerely|yours\s+truly|yours\s+faithfully|faithfully|respectfully|warmly|cheers|"
    r"thanks|thanks\s+(?:again|a\s+lot|so\s+much|in\s+advance)|thank\s+you(?:\s+so\s+much)?|many\s+thanks|"
    r"much\s+appreciated|thx|tks|ty|br|kr|rgds|regds|best|love|yours|take\s+care|talk\s+soon|greetings|signed"
)
# "BR, Hans" / "Best regards\nSarah Johnson" (a line break instead of a comma); the name closes its line — or,
# with no comma at all ("…? Best regards Sarah Johnson", lines joined by input hygiene), the whole message, the
# sign-off opening a sentence ("Cashews - Sincerely Nuts" is a product title).
_SIGN_OFF = regex.compile(
    rf"(?i:(\b(?:{_SIGN_OFFS})(?:\s*[,，!.]\s*|[ \t]*\n\s*)(?:-{{1,2}}\s*)?))(?!(?i:{_SIGN_OFFS})\b)({_NAME_WORDS}){_LINE_END}"
    rf"|(?:^|(?<=[.!?。！？]\s{{0,3}}))(?i:((?:{_SIGN_OFFS})\s+))(?!(?i:{_SIGN_OFFS})\b)({_NAME_WORDS})(?=\s*[.!]?\s*$)"
)
# A dash signature closing the message: "Thank you!\n- Michael", "…? — Anna K" (not after "." — "Cashews 5 lbs. -
# Sincerely Nuts" is a title); a Chinese one also after a space or a letter's closing: "请问有货吗 ——张伟", "此致 敬礼
# 王建华".
_DASH_SIGNATURE = regex.compile(
    r"((?:^|\n|(?<=[!?。！？]))[ \t]*(?:-{1,2}|[—–]{1,2}|~)[ \t]*)"
    rf"({_NAME_WORDS}(?:\s+\p{{Lu}}\.?)?|{_SURNAME}{HAN}{{1,2}})\s*$"
    rf"|((?:(?:^|(?<=\s))(?:——|—|--)|此致\s*敬礼\s*[，,!！]?)\s*)({_SURNAME}{HAN}{{1,2}})\s*[。.!！]?\s*$"
)
# Honorific + name: Mr./Mrs./Ms./Miss/Mx. + one or more name words; Dr./Prof. need two ("Dr. Martens" stays).
# A further capitalised word after them makes a product title: "Mr Clean Magic Eraser Pads" (real Amazon title).
_HONORIFIC_NAME = regex.compile(
    rf"\b(?:(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+{_CAP}(?!['’]s\b)(?:\s+{_CAP})?"
    rf"|(?:Dr|Prof)\.?\s+{_CAP}\s+{_CAP}(?!['’]s\b))(?!\s*\+|\s+\p{{Lu}}|[\p{{L}}'’-])"
)
_BRAND_HONORIFICS = frozenset(
    {
        "Martens",
        "Jart",
        "Scholl",
        "Dre",
        "Brown",
        "Bronner",
        "Pepper",
        "Muscle",
        "Meyer",
        "Pac",
        "Potato",
        "Coffee",
    }
)
# "put the name Olivia Brown on the card", "under the name Li Wei", "ship to: Emma Wilson".
_THE_NAME = regex.compile(
    rf"(?i:(\b(?:the|a|under|in|with)\s+name\s+(?:of\s+)?(?:is\s+)?[\"'“]?))({_CAP}(?:\s+{_CAP}){{0,2}})\b"
    rf"|(?i:(\b(?:deliver|ship|send|mail)\s+(?:it\s+|them\s+)?to\s*[:：]\s*))({_CAP}(?:\s+{_CAP}){{1,2}})\b"
)

# "Call me Liz,", "you can call me Bob", "I go by Alex", "Name's Jake," — the name closes its clause.
_CALL_ME = regex.compile(
    r"(?i:(\b(?:(?:you\s+can|u\s+can|please|pls|just|everyone|people|friends|they)\s+)?call\s+me|\bi\s+go\s+by|"
    r"(?:^|(?<=[.!?,;]\s{0,3})|\bthe\s+)name['’]s)\s+)"
    rf"({_NAME_WORDS})(?=\s*(?:$|[,.;!?:—–-]|\s+(?i:and|from|here|please|thanks)\b))"
)
# "This is Aisha, I emailed yesterday": "this is" + a name, then the customer goes on about what they did or their
# order — "This is Sony, right?", "This is Nike, I think" name a product.
_I_DID = (
    r"emailed|ordered|bought|called|wrote|messaged|placed|purchased|received|got|sent|am|was|have|had|just|need|"
    r"spoke|chatted|returned|paid|contacted"
)
_THIS_IS_ME = regex.compile(
    rf"(?i:(\bthis\s+is\s+))({_NAME_WORDS})(?=\s*[,—–-]+\s*(?:I(?:['’](?:m|ve|d)|\s+(?i:{_I_DID}))\b|(?i:my\s+(?:order|parcel|package|refund|return|account))\b))"
)
# A card's greeting: "Happy birthday Lucy!", "Merry Christmas, Tom", "To: Grandma Rose".
_CARD_GREETING = regex.compile(
    r"(?i:(\b(?:happy\s+(?:birthday|anniversary|mother['’]s\s+day|father['’]s\s+day|valentine['’]s\s+day|new\s+year)|"
    r"merry\s+christmas|congratulations|congrats|love\s+you)\s*,?\s+))"
    rf"({_NAME_WORDS})(?=\s*(?:$|[,.;!?'\"”’]))"
)
# "Contact person: Chen Xiaoli", "Consignee: …", "Receiver: …".
_CONTACT_FIELD = regex.compile(
    r"(?i:(\b(?:(?:contact\s+(?:person|name)|recipient\s+name|customer\s+name|ordered\s+by|placed\s+by)\s*[:：]?"
    r"|(?:consignee|receiver|buyer|purchaser)\s*[:：])\s*))"  # one word needs its colon: "Dual Receiver Hitch"
    rf"({_NAME_WORDS})\b"
)
# "Jenny from Boston here", "Hi there, Sam here!" — a greeting with "there", or the town the customer writes from.
_HERE = regex.compile(
    r"((?:^|(?<=[.!?;:\n]))\s*(?i:(?:hi|hello|hey|hiya)(?:\s+there)?\b[\s,!.—–-]*)?)"
    rf"({_NAME_WORDS})(?=(\s+from\s+{_CAP}(?:\s+{_CAP}){{0,2}})?\s+(?i:here|speaking|writing)\b)"
)

# --- Latin-script and pinyin names after Chinese cues ----------------------------------------------------------
_ZH_CUE = (
    rf"我是|我叫|本人是|本人叫|这里是|我这边是|寄给|送给|发给|收件人是?|收货人是?|叫我|喊我|称呼我|"
    rf"(?:我的?)?(?:英文名字?|名字)(?:叫|是)|"
    rf"(?:我|我的)\s*(?:{_RELATIONS})\s*(?:叫|是)?"
)
_LATIN_AFTER_ZH = regex.compile(
    rf"((?:{_ZH_CUE})\s*)({_NAME_WORDS})(?=\s*(?:$|[，,。.!！?？；;、\n]|就行|就好|就可以|即可|吧))"
)
# Pinyin: a common surname's pinyin, then a given name of one or two syllables ("zhang xiaoming", "Liu Yang").
_PINYIN_SURNAMES = (
    "wang|li|zhang|liu|chen|yang|huang|zhao|wu|zhou|xu|sun|ma|zhu|hu|guo|he|gao|lin|luo|zheng|liang|xie|song|"
    "tang|han|feng|deng|cao|peng|zeng|xiao|tian|dong|yuan|pan|yu|jiang|cai|du|ye|cheng|su|wei|lv|lu|ding|ren|"
    "shen|yao|cui|zhong|tan|fan|jin|shi|liao|jia|xia|fu|fang|bai|zou|meng|xiong|qin|qiu|yin|xue|yan|duan|lei|"
    "hou|long|tao|li|mao|hao|gong|shao|qian|kong|dai|mo|kang|qi|qiao|zhuang|ouyang|situ|shangguan|zhuge"
)
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u|v)"
)
_PINYIN_NAME = rf"(?i:(?:{_PINYIN_SURNAMES})\s+{_SYLLABLE}(?:[\s'-]?{_SYLLABLE})?)"
_PINYIN_AFTER_CUE = regex.compile(
    rf"((?:我是|我叫|本人是|这里是|(?i:\bwo\s+(?:shi|jiao)\b|\bmy\s+name\s+is)\s*)\s*)({_PINYIN_NAME})"
    r"(?=\s*(?:$|[，,。.!！?？；;、\n]))"
)

# --- Chinese third parties -------------------------------------------------------------------------------
_GIVEN = rf"(?:(?![的是在了吗呢吧想要买问找看和与跟给帮请我你他她们就说用穿]){HAN})"
# The relations of `names` and their short spoken forms: "我妈", "我哥", "我老婆".
_KIN = rf"(?:{_RELATIONS}|妈|爸|哥|姐|弟|妹|嫂子|婆婆|公公|岳母|岳父|舅舅|阿姨|叔叔|姑姑|表哥|表姐|表妹|表弟)"
# "我女儿陈可欣要…", "联系我爱人张丽，", "收货人写我朋友周杰" — a relation, then a full name closing the clause.
_RELATIVE_NAME = regex.compile(
    rf"((?:我|我的)\s*{_KIN}\s*(?:的?名字\s*(?:是|叫|写)?\s*)?)({_SURNAME}{_GIVEN}{{1,2}})"
    r"(?=\s*(?:$|[，,。.!！?？；;、\s]|要|想|的|说|买|穿|用|喜欢|需要|上|今年|就行|就好|即可))"
)
# "他叫赵建国", "她的名字是林怡君".
_PRONOUN_NAME = regex.compile(
    rf"((?:他|她|TA|ta)\s*(?:的名字|名字)?\s*(?:叫做?|名叫|是)\s*[:：]?\s*)({_SURNAME}{_GIVEN}{{1,2}})"
    r"(?=\s*(?:$|[，,。.!！?？；;、\s]))"
)
# "我是王小明的妈妈" — the customer named by the child or partner they write for.
_PARENT_OF = regex.compile(
    rf"((?:我是|我系|本人是|是)\s*)({_SURNAME}{_GIVEN}{{1,2}})(?=的(?:{_RELATIONS}|家长|老师|班主任))"
)
# "我是小张，" / "这里是老王" — the nickname colleagues and shops use; not 小白 (a beginner), 老师 (a teacher).
_NICKNAME = regex.compile(
    rf"((?:我是|本人是|这里是|我这边是|这边是)\s*)([小老阿][{_SURNAMES}])(?=\s*(?:$|[，,。.!！?？；;、\s]|啊|呀|哈))"
)
_NOT_NICKNAMES = frozenset(
    {"小白", "老白", "老师", "小康", "小米", "小时", "小于", "老成", "小成", "老乡", "小龙"}
)
# A surname and a form of address: "我是上次那个张先生", "王女士您好", "陈小姐" — a person, except where 于/和/对 … are
# words ("适用于女士", "送给女士": no surname there, see `_VERB_SURNAMES` of names).
_TITLED = regex.compile(
    rf"((?:^|(?<=[我是那个的找叫给，,。！!？?\s：:]))(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}]))(先生|女士|小姐|太太|夫人)"
)
# "我是来自杭州的李晓峰" (我是 … 的 + a name closing the clause), "送给黄丽娟，", "亲爱的小美，".
_DESCRIBED_SELF = regex.compile(
    rf"((?:我是|本人是|这里是)[^，,。.!！?？；;]{{1,14}}?的\s*(?:那个)?\s*)({_SURNAME}{_GIVEN}{{1,2}})"
    r"(?=\s*(?:$|[，,。.!！?？；;、]))"
)
_GIVEN_TO = regex.compile(
    rf"((?:送给|寄给|发给|转给|交给|亲爱的)\s*)({_SURNAME}{_GIVEN}{{1,2}})(?=\s*(?:$|[，,。.!！?？；;、]))"
)
_DEAR_NICKNAME = regex.compile(rf"(亲爱的\s*)([小阿]{_GIVEN})(?=\s*(?:$|[，,。.!！?？；;、]))")
# "名字：陈静", "收件人改成张伟", "收货人写我朋友周杰" — a name field, being filled in or changed.
_NAME_FIELD = regex.compile(
    r"((?:名字|收件人|收货人|联系人|姓名|收件者)\s*(?:[:：]|改成|改为|换成|写成|写|填写?|是)\s*(?:我的?\s*"
    rf"{_KIN}\s*)?)({_SURNAME}{_GIVEN}{{1,2}})(?=\s*(?:$|[，,。.!！?？；;、\s]|就行|就好|即可))"
)


def _zh(lead: str, name: str, found: str) -> str:
    """`lead` + `[name]`, or `found` as written when `name` is a brand or a common word, not a person's name."""
    if name in _NAME_LIKE_BRANDS or name[:2] in _NAME_LIKE_BRANDS or _is_self_description(name):
        return found
    if len(name) == 3 and _is_self_description(name[:2]):
        return found  # "我儿子明天到": a common word (明天) plus a character, no name
    return f"{lead}{NAME}"


def _zh_frame(match: regex.Match[str]) -> str:
    return _zh(match.group(1), match.group(2), match.group(0))


def _latin(match: regex.Match[str]) -> str:
    """A name frame's match (cue in group 1, name in group 2 — or 3 and 4 for a pattern's second form)."""
    lead, name = (match.group(1), match.group(2)) if match.group(2) is not None else match.group(3, 4)
    if has_han(name):
        return _zh(lead, name, match.group(0))
    return match.group(0) if name.split()[0].lower() in _NOT_NAMES else f"{lead}{NAME}"


def _here(match: regex.Match[str]) -> str:
    """One name word needs the greeting's "there" or the customer's town: "Nike here" is no introduction."""
    words = match.group(2).split()
    if words[0].lower() in _NOT_NAMES or (
        len(words) == 1 and not match.group(1).strip() and not match.group(3)
    ):
        return match.group(0)
    return f"{match.group(1)}{NAME}"


def _honorific(match: regex.Match[str]) -> str:
    words = match.group(0).replace(".", " ").split()
    return match.group(0) if regex.split(r"[-'’]", words[1])[0] in _BRAND_HONORIFICS else NAME


def _the_name(match: regex.Match[str]) -> str:
    lead, name = (match.group(1), match.group(2)) if match.group(1) is not None else match.group(3, 4)
    return match.group(0) if name.split()[0].lower() in _NOT_NAMES else f"{lead}{NAME}"


_UPPER = regex.compile(r"\p{Lu}")
_ZH_FRAME_CUES = regex.compile(rf"名字|收件人|收货人|联系人|姓名|收件者|他|她|ta|TA|的|{_KIN}")


def redact_name_frames(text: str) -> str:
    """`text` with names in headers, sign-offs, honorifics and third-party frames replaced by `[name]` (see the
    module docstring); everything else as written. Cheap checks first: the English frames need a capital
    letter, the Chinese ones a Han character and one of their cue words (most messages need neither)."""
    if _UPPER.search(text):
        text = _HEADER.sub(_latin, text)
        text = _SIGN_OFF.sub(_latin, text)
        text = _DASH_SIGNATURE.sub(_latin, text)
        text = _HONORIFIC_NAME.sub(_honorific, text)
        text = _THE_NAME.sub(_the_name, text)
        text = _CALL_ME.sub(_latin, text)
        text = _HERE.sub(_here, text)
        text = _CARD_GREETING.sub(_latin, text)
        text = _THIS_IS_ME.sub(_latin, text)
        text = _CONTACT_FIELD.sub(_latin, text)
    elif has_han(text):
        text = _DASH_SIGNATURE.sub(_latin, text)  # "——张伟"
    if not has_han(text) and "wo " not in text.lower():
        return text
    text = _PINYIN_AFTER_CUE.sub(lambda m: f"{m.group(1)}{NAME}", text)
    text = _LATIN_AFTER_ZH.sub(_latin, text)
    text = _DESCRIBED_SELF.sub(_zh_frame, text)
    text = _GIVEN_TO.sub(_zh_frame, text)
    text = _DEAR_NICKNAME.sub(lambda m: f"{m.group(1)}{NAME}", text)
    text = _TITLED.sub(lambda m: m.group(0) if m.group(1)[-1] in _VERB_SURNAMES else NAME, text)
    text = _NICKNAME.sub(
        lambda m: m.group(0) if m.group(2) in _NOT_NICKNAMES else f"{m.group(1)}{NAME}", text
    )
    if not _ZH_FRAME_CUES.search(text):
        return text
    text = _NAME_FIELD.sub(_zh_frame, text)
    text = _RELATIVE_NAME.sub(_zh_frame, text)
    text = _PRONOUN_NAME.sub(_zh_frame, text)
    return _PARENT_OF.sub(_zh_frame, text)
