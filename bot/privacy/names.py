"""People's names where a customer introduces themselves, replaced by a placeholder (zh and en).

Rules on fixed cues, not a model: the cues are few ("我叫", "收件人", "叫我", "我是", "my name is", "I'm",
"This is … speaking"), and a shop's product, brand and size words must never be taken for names.

- Strong cues ("我叫张三", "收件人：王五", "my name is Alice Smith"): whatever name-shaped text follows.
- "我姓欧阳，叫娜娜": the surname and the given name. "叫我小王就行": the nickname.
- The weak cue "我是" + a common surname + 1–2 characters at a clause end ("我是李四，"): a name unless it is a
  self-description — a stop-list of common 我是X nouns (顾客, 白领, 高中生…) and jieba's dictionary, which
  tags 高个子 / 方脸 / 胖子 as common nouns (`n`) rather than person names (`nr`) (`knowledge.keywords_jieba`,
  the only module that imports jieba; loaded on the first weak-cue match only).
- English "I'm Robert Paulson" / "Hi, I'm Bob." / "This is Jane Doe speaking": capitalised name tokens after
  the cue, but not a nationality, language or everyday word ("I'm Chinese", "I'm Looking For…", "I am a runner").
"""

from __future__ import annotations

from functools import lru_cache

import regex

from knowledge.script import HAN

NAME = "[name]"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = (
    "欧阳|司马|诸葛|上官|东方|慕容|令狐|皇甫|尉迟|公孙|长孙|宇文|司徒|夏侯|端木|西门|南宫|独孤"
)
_SURNAME = rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])"
_NOT_GIVEN = "的是在了吗呢吧想要买问找看和与跟给帮请我你他她们就，。！？、 "
_GIVEN_CHAR = rf"(?:(?![{_NOT_GIVEN}]){HAN})"
_GIVEN = rf"{_GIVEN_CHAR}{{1,2}}"
_CLAUSE_END = r"(?=\s*(?:$|[，,。.!！?？；;、\s]|想|要|请|麻烦))"

_CN_STRONG = regex.compile(
    rf"((?:我叫|我的名字是|我名字叫|名字叫|本人叫|收件人|收货人|联系人|姓名|寄件人|收件者|收货者|寄件者)\s*(?:是|为)?\s*[:：]?\s*)"
    rf"(?:(?:{_SURNAME}|[小阿老]){_GIVEN}|(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s*)?\p{{Lu}}\p{{Ll}}+(?:[ -]\p{{Lu}}\p{{Ll}}+){{0,2}}\b)"
)
# Surname characters that are also verbs or prepositions right after a name field: "收件人付邮费吗" (pays), "联系人
# 和收件人" (and) — no name when what follows them is a common word.
_VERB_SURNAMES = "付和于向从把被对"


def _strong(match: regex.Match[str]) -> str:
    name = match.group(0)[len(match.group(1)) :]
    if name[0] in _VERB_SURNAMES and (_is_self_description(name) or _is_self_description(name[1:])):
        return match.group(0)
    return f"{match.group(1)}{NAME}"


# A third party named by their relation to the customer: "我儿子叫张小宝", "我老婆名字叫林芳", "给我妈妈王秀英买".
_RELATIONS = (
    r"儿子|女儿|闺女|孩子|宝宝|小孩|老婆|老公|妻子|丈夫|爱人|媳妇|男朋友|女朋友|男友|女友|对象|妈妈|爸爸|母亲|父亲|"
    r"老妈|老爸|爷爷|奶奶|外公|外婆|姥姥|姥爷|哥哥|姐姐|弟弟|妹妹|朋友|同事|同学|老板|领导|闺蜜|兄弟|家人|室友"
)
_CN_THIRD = regex.compile(
    rf"((?:我|我的|我们|给|帮)\s*(?:{_RELATIONS})\s*(?:的名字|名字)?\s*(?:叫做?|名叫|是|为)\s*[:：]?\s*)"
    rf"(?:{_SURNAME}|[小阿老]){_GIVEN}{_CLAUSE_END}"
    rf"|((?:给|帮|替)\s*我?\s*(?:{_RELATIONS})\s*)(?:{_SURNAME}|[小阿老]){_GIVEN_CHAR}{{1,2}}(?=\s*(?:买|挑|选|订|寄|送))"
)
# A bare Chinese full name with no cue, standing as its own clause right before a contact detail ("陈志强，电话
# 138…", "王建国 138 1234 5678", "李娜 [phone]"): surname + 1–2 characters that jieba tags a person name (nr) or
# does not know, never a brand that looks like a name (李宁, 华为, 荣耀 are tagged nr too).
_CONTACT_AFTER = (
    r"(?:电话|手机|手机号|联系方式|联系电话|地址|收货地址|电話|手機|地址|tel|phone|mobile|\[phone\]|\[address\]|"
    r"\+?\d[\d -]{6,})"
)
_CN_BARE = regex.compile(
    rf"(?P<head>(?:^|(?<=[，,。.!！?？；;:：\s])))(?P<name>{_SURNAME}{_GIVEN})(?=\s*[，,、]?\s*{_CONTACT_AFTER})"
    # … or right after an address or phone, closing the clause, with the addressee's 收 ("[address] 王芳收")
    rf"|(?<=(?:\[address\]|\[phone\])\s*[，,、]?\s*)(?P<name>{_SURNAME}{_GIVEN}?)(?P<addressee>收)?"
    r"(?=\s*(?:$|[，,。.!！?？；;\s]))"
)
_NAME_LIKE_BRANDS = frozenset(
    [
        "李宁",
        "华为",
        "荣耀",
        "万家乐",
        "海尔",
        "杜蕾斯",
        "孔雀",
        "马克",
        "乔丹",
        "金立",
        "雷神",
        "方太",
        "苏泊尔",
        "美的",
        "格力",
        "康师傅",
        "王老吉",
        "周大福",
        "周生生",
        "张小泉",
        "马应龙",
        "林内",
        "温碧泉",
        "欧莱雅",
        "欧诗漫",
        "百雀羚",
        "韩束",
        "鲁花",
        "金龙鱼",
        "钱大妈",
        "黄飞红",
        "戴森",
        "蒙牛",
        "伊利",
        "安慕希",
        "雅诗兰黛",
        "兰蔻",
        "花西子",
        "完美日记",
        "毛戈平",
        "谷雨",
        "袁记",
        "周黑鸭",
        "良品铺子",
        "三只松鼠",
        "百草味",
        "罗技",
        "雷蛇",
        "贝亲",
        "爱他美",
        "美赞臣",
        "惠氏",
        "飞鹤",
        "施华蔻",
        "潘婷",
        "海飞丝",
        "舒肤佳",
        "苏菲",
        "高洁丝",
        "宝洁",
        "小米",
        "魅族",
        "一加",
        "乐视",
        "联想",
        "戴尔",
        "惠普",
        "华硕",
        "宏碁",
        "雷克沙",
        "闪迪",
        "铁三角",
        "漫步者",
        "韶音",
        "倍思",
        "绿联",
        "安克",
        "爱国者",
        "金士顿",
        "万和",
        "方正",
        "史密斯",
        "林氏木业",
        "顾家",
        "曲美",
        "全友",
        "宜家",
        "汤臣倍健",
        "同仁堂",
        "云南白药",
    ]
)
# "我姓欧阳，叫娜娜" / "我姓王" / "免贵姓张，名伟".
_CN_SURNAME = regex.compile(
    rf"((?:我|本人|免贵)\s*姓\s*){_SURNAME}(?:{_GIVEN_CHAR}(?=\s*(?:$|[，,。.!！?？；;]|叫|名)))?"
    rf"(?:(\s*[，,]?\s*(?:单名|名叫|名字叫|名字是|叫|名)\s*){_GIVEN_CHAR}{{1,2}})?"
)
# "叫我小王就行", "喊我老李", "称呼我娜娜吧".
_CN_CALL_ME = regex.compile(
    rf"((?:叫|喊|称呼)我\s*)(?:[小阿老]{_GIVEN_CHAR}|{_SURNAME}{_GIVEN}|({_GIVEN_CHAR})\2)"
    r"(?=\s*(?:$|[，,。.!！?？；;、\s]|就|吧|即可|好了))"
)
# 本人 alone too: "大家好，本人欧阳修远"; 这里是 on the phone and in chat openers: "您好，这里是李明".
_WEAK_CUES = ("我是", "本人", "在下", "鄙人", "俺是", "我系", "这里是", "这边是")
_CN_WEAK = regex.compile(
    rf"((?:我是|本人是|本人|在下|鄙人|俺是|我系|我这边是|这里是|这边是)\s*)({_SURNAME}{_GIVEN}){_CLAUSE_END}"
)
# Common "我是X" self-descriptions that start with a surname character (jieba tags some of them `nr`).
_SELF_DESCRIPTIONS = frozenset(
    [
        "顾客",
        "客户",
        "白领",
        "蓝领",
        "金领",
        "常客",
        "熟客",
        "老客",
        "新客",
        "游客",
        "路人",
        "高个",
        "高手",
        "高中生",
        "高管",
        "高富帅",
        "白富美",
        "白皮",
        "黄皮",
        "方脸",
        "圆脸",
        "胖子",
        "学生",
        "宝妈",
        "全职",
        "单身",
        "车主",
        "房东",
        "房主",
        "商家",
        "卖家",
        "买家",
        "程序员",
        "文员",
        "司机",
        "师范",
        "农民",
        "马拉松",
        "华为",
        "安卓",
        "苹果",
        "江湖",
        "南方",
        "北方",
        "东方人",
        "西方人",
        "毕业生",
        "应届",
        "管理员",
        "会员",
        "明星",
        "牛人",
        "熊孩子",
        "孔乙己",
        "成年",
        "老用户",
        "新用户",
        "常年",
        "时尚",
        "龙粉",
        "米粉",
        "花粉",
        "果粉",
        "宁粉",
        "宫廷",
        "江西人",
        "湖南人",
        "湖北人",
        "广东人",
        "山东人",
        "河南人",
        "上班族",
        "程序猿",
    ]
)
_GROUP_SUFFIXES = "粉迷控党族"  # 我是安踏粉 / 本人数码控 / 我是考研党
_PERSON_TAGS = ("nr",)  # jieba: nr person name, nrt transliterated, nrfg person name as a word


@lru_cache(maxsize=4096)
def _is_self_description(candidate: str) -> bool:
    """True when "我是<candidate>" describes the customer rather than names them (see the module docstring)."""
    if any(candidate.startswith(word) for word in _SELF_DESCRIPTIONS):
        return True
    if len(candidate) >= 3 and candidate[-1] in _GROUP_SUFFIXES:
        return True  # "安踏粉", "李宁迷", "数码控": a fan of something, no name
    from knowledge.keywords_jieba import dictionary_tag  # jieba's tag table: loaded on first use only

    tag = dictionary_tag(candidate)  # a whole dictionary word: a person name (nr) or a common word
    return bool(tag) and not tag.startswith(_PERSON_TAGS)


def _weak(match: regex.Match[str]) -> str:
    return match.group(0) if _is_self_description(match.group(2)) else f"{match.group(1)}{NAME}"


def _surname(match: regex.Match[str]) -> str:
    given = f"{match.group(2)}{NAME}" if match.group(2) is not None else ""
    return f"{match.group(1)}{NAME}{given}"


# A capitalised name word in any Latin (or Cyrillic) script: Ann, McKay, O'Neil, O’Brien, Smith-Jones, Jean-Luc,
# Müller, María; between two of them a lower-case particle (van, de, bin …) may stand.
_CAP = r"\p{Lu}(?:\p{Ll}+(?:\p{Lu}\p{Ll}+)?|['’]\p{Lu}\p{Ll}+)(?:-\p{Lu}?\p{Ll}+)*"
_PARTICLE = r"(?:van|von|de|da|del|della|der|den|di|du|la|le|dos|das|bin|ibn|al|el|ter|Ó|Ní|Nic|Mac|Mc|St\.?)"
_NAME_WORDS = rf"{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{0,3}}"
# Words that start what follows a lower-case name rather than continue it ("my name is tom and I need …").
_REST_WORDS = (
    r"(?:and|i|im|i'm|from|here|looking|need|needs|want|wants|would|my|the|a|an|in|at|to|for|with|but|so|please|"
    r"pls|thanks|thank|is|am|are|was|do|does|can|could|any|have|has|what|how|where|when|which|who|you|your|"
    r"ok|okay|hi|hello|hey|again|too|also|speaking|calling|writing)"
)
_EN_STRONG = regex.compile(
    r"(?i:(\b(?:my\s+(?:full\s+)?name\s+is|my\s+name['’]s|(?:full\s+)?name\s*:|recipient\s*(?:is|:)|"
    r"addressee\s*(?:is|:)|attn\s*:?)\s+))"
    rf"(?:{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{0,3}}"
    # typed in lower case ("my name is li wei"): a second lower-case word too, unless it starts the sentence's rest
    rf"|\p{{Ll}}+(?:['’-]\p{{L}}+)*(?:\s+(?!{_REST_WORDS}\b)\p{{Ll}}{{2,12}}\b(?![-'’]))?)"
)
# Self-introductions in other languages: "Moi c'est Jean-Luc Picard", "Je m'appelle …", "Ich heiße …", "Mein
# Name ist …", "Me llamo …", "Mi nombre es …", "Mi chiamo …", "Eu me chamo …", "Ik heet …", "Меня зовут …".
# The verbs "soy / sono / sou / je suis / ik ben" (I am) name only a capitalised word that ends the clause;
# German "ich bin" is left out: German capitalises every noun ("Ich bin Student").
_INTL_CUE = (
    r"moi[,]?\s+c['’]est|je\s+m['’]appelle|mon\s+nom\s+est|ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|"
    r"me\s+llamo|mi\s+nombre\s+es|mi\s+chiamo|il\s+mio\s+nome\s+è|eu\s+me\s+chamo|me\s+chamo|"
    r"meu\s+nome\s+é|ik\s+heet|mijn\s+naam\s+is|меня\s+зовут|моё\s+имя|мое\s+имя"
)
_INTL_INTRO = regex.compile(
    rf"(?P<cue>(?i:\b(?:{_INTL_CUE}))\s+)(?P<name>{_NAME_WORDS})"
    rf"|(?P<cue2>(?i:\b(?:soy|sono|sou|je\s+suis|ik\s+ben))\s+)(?P<name2>{_NAME_WORDS})"
    r"(?=\s*(?:$|[,.;!?:—–¿¡]|(?i:\s+(?:y|e|et|und|en|and|de|from)\b)))"
)
# Japanese and Korean: "私の名前は田中です", "山田花子と申します", "제 이름은 김민수입니다".
_JA_KO = regex.compile(
    r"(?P<cue>(?:私の名前は|わたしの名前は|僕の名前は|名前は|제\s*이름은|내\s*이름은|저는)\s*)"
    r"(?P<name>[\p{Han}\p{Katakana}\p{Hangul}ー・]{1,8}?)(?=\s*(?:です|と申します|といいます|입니다|이에요|예요|라고))"
    r"|(?P<name2>[\p{Han}\p{Katakana}ー・]{2,8})(?=と申します|といいます)"
)
# "Priya Raman here", "Hello, Priya here —", "Tom Smith speaking": a name that opens the message (or follows a
# greeting) and is followed by "here/speaking" at a clause end; one word alone needs the greeting.
_EN_HERE = regex.compile(
    r"(?:^|(?<=[.!?;:\n]\s{0,3}))\s*(?P<greet>(?i:(?:hi|hello|hey|hiya|dear|good\s+(?:morning|afternoon|evening))\b)"
    r"[\s,!.—–-]*)?"
    rf"(?P<name>{_NAME_WORDS})(?P<after>\s+(?i:here|speaking|writing|calling)\b)"
    r"(?=\s*(?:$|[,.;!?:—–()-]))"
)
# "Ship to Alice Smith": a first and last name; "ship to Xinjiang" / "ship to Hong Kong" name a place.
_PLACE_WORDS = {
    "New",
    "Hong",
    "San",
    "Santa",
    "Los",
    "Las",
    "Saint",
    "St",
    "Mountain",
    "North",
    "South",
    "East",
}
_PLACE_WORDS |= {
    "West",
    "Inner",
    "Greater",
    "Great",
    "Upper",
    "Lower",
    "Port",
    "Fort",
    "Mount",
    "Lake",
    "Cape",
}
_EN_SHIP_TO = regex.compile(
    rf"(?i:(\b(?:deliver|ship|send|mail)\s+(?:it\s+|them\s+)?to\s+))({_CAP}(?:\s+{_CAP}){{1,2}})\b"
)


# "my wife Anna", "my son Leo's size", "for my husband, Tom,": a capitalised given name right after a relation.
_EN_RELATIONS = (
    r"wife|husband|son|daughter|kid|child|boy|girl|mom|mum|mother|dad|father|brother|sister|friend|boyfriend|"
    r"girlfriend|partner|fiancée?|colleague|boss|niece|nephew|grandma|grandpa|grandson|granddaughter|cousin|aunt|uncle"
)
_EN_THIRD = regex.compile(
    rf"(?i:(\b(?:my|our)\s+(?:{_EN_RELATIONS})(?:['’]s\s+name\s+is|\s+is\s+called|\s+called|\s+named|,)?\s+))"
    rf"({_CAP}(?:\s+{_CAP})?)(?!\s*\p{{Lu}})"
)
# A letter's sign-off: "Regards, Priya Natarajan." / "Thanks, Tom" / "Best, Anna K."
_EN_SIGN_OFF = regex.compile(
    r"(?i:(\b(?:regards|best\s+regards|kind\s+regards|warm\s+regards|best\s+wishes|sincerely|cheers|thanks|"
    r"thank\s+you|many\s+thanks|best|love|yours)\s*[,，]\s*(?:-{1,2}\s*)?))"
    rf"({_NAME_WORDS})(?=\s*(?:$|[,.;!?:—–\n]))"
)


def _third(match: regex.Match[str]) -> str:
    return match.group(0) if match.group(2).split()[0].lower() in _NOT_NAMES else f"{match.group(1)}{NAME}"


# Words after an address or phone that close a message and are shaped like a name (jieba even tags 谢谢 `nr`).
_COURTESIES = frozenset(["谢谢", "谢了", "谢啦", "谢谢啦", "多谢", "包邮", "贺卡", "尽快", "急用", "马上发"])


def _bare(match: regex.Match[str]) -> str:
    name = match.group("name")
    if match.group("addressee"):  # "王芳收": the addressee's mark
        return f"{NAME}收"
    if name in _COURTESIES or name in _NAME_LIKE_BRANDS or name[:2] in _NAME_LIKE_BRANDS:
        return match.group(0)
    if _is_self_description(name):
        return match.group(0)
    if match.group("head") is None and len(name) == 3 and _is_self_description(name[:2]):
        return match.group(0)  # after an address or phone: "周末送" starts with a common word (周末), no name
    return NAME


def _ship_to(match: regex.Match[str]) -> str:
    return match.group(0) if match.group(2).split()[0] in _PLACE_WORDS else f"{match.group(1)}{NAME}"


_HONORIFIC = r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?"
# The cue and what follows the name are case-insensitive; the name itself must be capitalised.
_EN_INTRO = regex.compile(
    r"(?P<cue>(?P<greet>(?i:\b(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))\b)[\s,!.]*)?"
    r"(?i:\b(?P<verb>i['’]?m|i\s+am|this\s+is|it['’]s|here\s+is))\s+)"
    rf"(?P<name>{_HONORIFIC}{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{0,2}})"
    r"(?P<after>\s*(?:[,.;!?:)]|$|[-—–](?=\s))|(?i:\s+(?:and|here|speaking|from|calling|writing|again|with|by)\b))?"
)
# Capitalised words after "I'm" that are not names: nationalities, languages, faiths and everyday words.
_NOT_NAMES = frozenset(
    [
        "chinese",
        "american",
        "british",
        "english",
        "canadian",
        "australian",
        "japanese",
        "korean",
        "indian",
        "german",
        "french",
        "italian",
        "spanish",
        "mexican",
        "brazilian",
        "russian",
        "dutch",
        "swiss",
        "swedish",
        "irish",
        "scottish",
        "welsh",
        "asian",
        "european",
        "african",
        "singaporean",
        "malaysian",
        "thai",
        "vietnamese",
        "filipino",
        "indonesian",
        "taiwanese",
        "cantonese",
        "mandarin",
        "muslim",
        "christian",
        "catholic",
        "jewish",
        "buddhist",
        "hindu",
        "vegan",
        "vegetarian",
        "male",
        "female",
        "new",
        "back",
        "sorry",
        "here",
        "there",
        "just",
        "not",
        "also",
        "so",
        "very",
        "really",
        "still",
        "currently",
        "ok",
        "okay",
        "fine",
        "good",
        "great",
        "happy",
        "sure",
        "interested",
        "ready",
        "glad",
        "curious",
        "a",
        "an",
        "the",
        "your",
        "their",
        "from",
        "in",
        "at",
        "on",
        "on",
        "over",
        "under",
        "about",
        "only",
        "always",
        "never",
        "trying",
        "hoping",
        "wondering",
        "planning",
        "shopping",
        "buying",
        "asking",
        "looking",
        "going",
        "thinking",
        "calling",
        "writing",
        "please",
        "thanks",
        "thank",
        "xiaoer",  # the bot introducing itself ("Hi! I'm Xiaoer")
    ]
)


def _english(match: regex.Match[str]) -> str:
    name, verb = match.group("name"), match.group("verb").lower()
    words = name.replace(".", " ").split()
    first = next(w for w in words if w not in ("Mr", "Mrs", "Ms", "Miss", "Dr", "Prof"))
    if first.lower() in _NOT_NAMES or first.lower().endswith(("ing", "ed")):
        return match.group(0)
    ends = match.group("after") is not None  # a clause end or "and/here/speaking…" follows the name
    after = (match.group("after") or "").strip().lower()
    if verb in ("this is", "it's", "it’s", "here is"):
        # "This is Nike Air…" names a product: only "This is Jane Doe speaking" / "Hi, this is Jane."
        if after not in ("speaking", "here", "calling", "writing", "from") and not (
            match.group("greet") and ends
        ):
            return match.group(0)
    elif len(words) == 1 and not ends:
        return match.group(0)  # "I'm Nike fan": one capitalised word must end the clause to be a name
    return f"{match.group('cue')}{NAME}{match.group('after') or ''}"


def redact_names(text: str) -> str:
    """`text` with introduced names replaced by `[name]` (Chinese and English cues; see the module docstring)."""
    text = _CN_STRONG.sub(_strong, text)
    text = _CN_SURNAME.sub(_surname, text)
    text = _CN_CALL_ME.sub(lambda m: f"{m.group(1)}{NAME}", text)
    text = _CN_THIRD.sub(lambda m: f"{m.group(1) or m.group(2)}{NAME}", text)
    text = _CN_BARE.sub(_bare, text)
    if any(cue in text for cue in _WEAK_CUES):
        text = _CN_WEAK.sub(_weak, text)
    text = _EN_STRONG.sub(lambda m: f"{m.group(1)}{NAME}", text)
    text = _INTL_INTRO.sub(_intl, text)
    text = _JA_KO.sub(lambda m: f"{m.group('cue') or ''}{NAME}", text)
    text = _EN_SHIP_TO.sub(_ship_to, text)
    text = _EN_THIRD.sub(_third, text)
    text = _EN_SIGN_OFF.sub(_third, text)
    text = _EN_INTRO.sub(_english, text)
    return _EN_HERE.sub(_here, text)


def _intl(match: regex.Match[str]) -> str:
    if match.group("cue") is not None:
        return f"{match.group('cue')}{NAME}"
    first = match.group("name2").split()[0].lower()
    return match.group(0) if first in _NOT_NAMES else f"{match.group('cue2')}{NAME}"


def _here(match: regex.Match[str]) -> str:
    words = match.group("name").split()
    if words[0].lower() in _NOT_NAMES or (len(words) == 1 and not match.group("greet")):
        return match.group(0)
    lead = match.group(0)[: match.start("name") - match.start()]
    return f"{lead}{NAME}{match.group('after')}"


def self_descriptions(text: str) -> list[tuple[int, int]]:
    """Spans of "我是X" clauses where X has a name's shape (a surname character + 1–2 characters at a clause
    end) but describes the customer ("我是高个子", "我是白领", "我是顾客"): no personal data, so the redactor
    keeps them; understanding may set them aside, since they are context rather than product words."""
    if not any(cue in text for cue in _WEAK_CUES):
        return []
    return [m.span() for m in _CN_WEAK.finditer(text) if _is_self_description(m.group(2))]


def forget_name_memo() -> int:
    """Clear the memo of "我是<candidate>" readings (it holds candidate names customers wrote); returns the
    entries dropped. Part of `bot.privacy.redaction.forget_memos` (/forget)."""
    dropped = _is_self_description.cache_info().currsize
    _is_self_description.cache_clear()
    return dropped
