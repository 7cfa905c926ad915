"""A fault told by its symptom ("咖啡机出水很慢", "耳机老是断连", "the kettle leaks", "the pillow smells weird").

Customers rarely say 坏了/broken: they describe what the thing they own does wrong — a function that got slow or
weak, a connection that drops, a smell, a noise, heat, a flashing or black screen, a part that won't close, a
colour that turned. `describes_fault` reads a message (Simplified Chinese or English, as the core passes it) as an
after-sales report when it states such a symptom, and not when the same words are a wish ("静音的破壁机",
"不漏水的水壶", "噪音小的风扇", "leak-proof bottle", "does it get hot?").

The families below are kinds of symptom, not lists of products: each names a function or a sense and the way it
fails, so a symptom of a product the shop has never listed reads the same way.
"""

from __future__ import annotations

import re

# A degree word makes "出水慢/噪音大/发烫" a report about a thing the customer has, not a spec asked for.
_DEGREE = r"(?:很|太|特别|非常|好|超|超级|巨|有点|有些|越来越|变得?|老是|总是|一直)"
_NOT_WISH = r"(?![的吗么嘛不])"  # "出水快的", "噪音大吗", "噪音大不大" are shopping questions

_ZH = (
    # a function that got slow or weak: 出水很慢, 充电特别慢, 吸力越来越小, 加热变慢, 制冷效果很差
    r"(?:出水|出风|出热风|出汽|出雾|加热|烧水|煮饭|充电|充电速度|吸力|风力|风量|制冷|制热|转速|水流|水压)"
    + _DEGREE
    + r"(?:慢|小|弱|低|差|短|不行)"
    + _NOT_WISH,
    r"(?:出水|出风|加热|充电|吸力|风力|水流)(?:变)(?:慢|小|弱|差)了?",
    # a part that gave out, told as a state reached: 电池不行了, 屏幕不太灵了, 开关不好使了 ("用了半年电池不行了")
    r"(?:电池|续航|屏幕|按键|按钮|开关|充电口|接口|蓝牙|马达|电机|吸力|声音|喇叭|遥控器?|滚刷|滤网|拉链|锁扣)"
    r"(?:也|就|都|已经|越来越)?(?:不太行|不大行|不行|不好使|不好用|不管用|不灵|没劲|没电|不耐用)了",
    # a connection that fails or drops: 连不上, 连接不上, 配对失败, 老是断连, 一直掉线
    r"(?:连|连接|配对|蓝牙|wifi|网络)(?:不上|不了|失败|不稳定?)",
    r"断连|(?:老是|总是|一直|经常|动不动就?|时不时)(?:断开?|掉线|断线|断网|自动关机|关机|重启|死机)",
    # a smell: 有异味, 一股焦糊味, 有塑料味 — not 无异味的/没有异味的/会不会有异味
    r"(?<![无没不防除去])(?<!没有)(?:异味|怪味|臭味|焦味|焦糊味|糊味|塑料味|胶味|霉味|烧焦味|刺鼻味?|酸味)"
    + _NOT_WISH,
    r"(?<![不防])(?:发臭|发霉|长霉)",
    # a noise: 噪音特别大, 声音很吵, 有杂音, 有异响, 嗡嗡响
    r"(?:噪音|噪声|声音|响声|动静)" + _DEGREE + r"(?:大|响|吵)" + _NOT_WISH,
    r"(?<![无没不防])(?:异响|杂音|电流声|滋滋声|嗡嗡响|咔咔响|吱吱响|沙沙声)",
    # heat: 发烫, 烫手, 过热 — not 会不会发烫 / 不发烫的
    r"(?<![不会防])(?:发烫|烫手|过热)(?![的吗么嘛])",
    # a screen or light that misbehaves: 黑屏, 花屏, 死机, 一直闪, 一闪一闪, 没反应
    r"黑屏|花屏|死机|没(?:有)?反应|无反应|卡顿|一闪一闪|(?:一直|老是|总是|不停地?|经常)(?:闪|闪烁)",
    # a thing that is not recognised or cannot be read: 存储卡读不出来, 电脑识别不了, 手机认不出U盘, 无法读取
    r"(?:读|识别|认|检测)不(?:出来?|到|了)|无法(?:读取|识别|检测)|(?<![会能])不识别",
    # a flaw in a screen: 屏幕有条线, 显示屏有竖线, 有坏点, 漏光 — not 无坏点的 / 不漏光
    r"(?:屏幕?|显示屏|屏上|画面)(?:上|里|中间)?(?:出现|多了|有)(?:一|几|两)?(?:条|道|根|个|些)?"
    r"(?:线|亮线|横线|竖线|彩线|条纹|坏点|亮点|黑点|黑斑)",
    r"(?<![无没不防])(?:坏点|漏光)(?![的吗么嘛])",
    # something that won't close, open or move: 拉链拉不上, 盖子关不上, 打不开
    r"(?:拉不上|拉不动|关不上|合不上|扣不上|锁不上|盖不上|按不下去?|按不动|拧不开|转不动|推不动)",
    # a colour that turned: 发黑, 发黄, 变色, 氧化
    r"(?<![不防抗])(?:发黑|发黄|变黄|变黑|变色|氧化了)",
    # a measurement that is off: 计步不准
    r"(?:计步|心率|测量|称重|定位|温度|时间|显示)" + r"(?:很|特别|太|有点|一直|老是)?不准",
    # a leak or a battery that drains: 渗水, 漏油, 漏电, 掉电很快, 耗电特别快
    r"(?<![不防])(?:渗水|漏油|漏电)",
    r"(?:掉电|耗电)" + _DEGREE + r"?快",
)

_EN = (
    # a function that is slow or barely works: "barely dispenses any water", "takes forever to heat"
    r"\b(?:barely|hardly) (?:works?|dispenses?|pours?|heats?|charges?|blows?|sucks?|cools?|pumps?|runs?|spins?)\b",
    r"\btakes? (?:forever|ages)\b",
    # a battery that gave out: "the battery died after 6 months", "only lasts 5 minutes now", "drains really fast"
    r"\bbattery\b.{0,30}\b(?:died|dead|dies|drains?|doesn'?t last|won'?t last|no longer lasts?|only lasts?\b.{0,20}\bnow)\b",
    r"\b(?:really|very|so|super|too|extremely|painfully) slow (?:to|at|when)\b",
    r"\b(?:charges?|heats?|boils?) (?:up )?(?:really |very |so |super |too )?slow(?:ly)?\b",
    r"\b(?:won'?t|doesn'?t|does not|will not|can'?t|cannot|no longer) (?:hold|keep) (?:a |its |any )?charge\b",
    # a connection: "keeps disconnecting", "won't connect to bluetooth", "won't pair"
    r"\b(?:won'?t|doesn'?t|does not|will not|can'?t|cannot|no longer|stopped) (?:connect|pair|sync)(?:ing)?\b",
    r"\bkeeps? (?:disconnecting|dropping|cutting out|turning off|shutting (?:off|down)|restarting|"
    r"switching off|flickering|flashing|beeping|leaking|losing (?:connection|signal))\b",
    r"\b(?:disconnects|cuts out) (?:all the time|constantly|randomly|a lot)\b",
    # a smell — not "smells nice" in a gift wish, not "odour-free"
    r"\b(?:smells?|stinks?|reeks?)\b(?! (?:nice|good|great|lovely|amazing))|\b(?:smelly|stinky|musty|mouldy|moldy)\b|"
    r"\b(?:weird|strange|bad|burning|chemical|plastic) (?:smell|odou?r)\b",
    # a noise: "really noisy", "makes a weird noise", "rattles"
    r"\b(?:really|very|so|too|super|extremely|crazy|way too|incredibly) (?:noisy|loud)\b",
    r"\bmakes? (?:a |an )?(?:weird|strange|loud|rattling|grinding|buzzing|clicking|squeaking|high[- ]pitched) "
    r"(?:noise|sound)s?\b|\b(?:rattles|rattling|buzzes|squeaks|squeaking|crackles|crackling)\b",
    # heat, a screen, a leak
    r"\boverheat(?:s|ing|ed)?\b|\bgets? (?:really |very |so |too |super |extremely )hot\b",
    r"\b(?:flickers|flickering|black screen|blank screen|frozen screen|freezes|froze|unresponsive|not responding)\b",
    r"(?<!\bno )(?<!n't )(?<!not )\bleak(?:s|ing|ed|y)\b(?![- ]?proof)",
    # a colour that turned, a part that won't close
    r"\b(?:turned|turning|went|gone) (?:black|yellow|green|brown)\b|(?<!anti-)(?<!non-)\btarnish(?:ed|es|ing)\b|"
    r"\bdiscolou?r(?:ed|ation)\b",
    r"\b(?:won'?t|doesn'?t|does not|will not|can'?t) (?:close|zip|latch|lock|stay (?:on|closed|shut))\b",
    # not recognised / unreadable, and a flawed screen: "my SD card can't be read", "dead pixels", "a line on the screen"
    r"\b(?:won'?t|doesn'?t|does not|can'?t|cannot|isn'?t|is not|no longer|not being) (?:be )?"
    r"(?:read|recogni[sz]ed?|detected|mount(?:ed)?|show(?:ing)? up)\b|\bunreadable\b",
    r"(?<!no )\bdead pixels?\b|\b(?:a |some )?(?:vertical |horizontal )?lines? (?:on|across|down) the (?:screen|display)\b",
)

_SYMPTOM_RX = re.compile("|".join(_ZH + _EN), re.IGNORECASE)
# A question about a product before buying ("会不会漏水", "does it get hot?"), or a complaint about a shown product
# that asks for another one ("声音太大了，有没有静音的", "too loud, anything quieter?"): shopping, not a fault.
_PRESALE_RX = re.compile(
    r"会不会|会不|容易.{0,4}吗|^(?:does|do|will|would|is|are|can) (?:it|this|that|they|the)\b|"
    r"有没有|推荐|换(?:一|个)?(?:款|个)|\b(?:recommend|suggest|instead|alternatives?|quieter|cheaper|anything)\b",
    re.IGNORECASE,
)


def describes_fault(text: str) -> bool:
    """True when `text` (Simplified Chinese or English) reports a symptom of a fault in something the customer has.

    A pre-sale question ("会不会漏水", "does it overheat?") is not a report; a wish ("静音的", "不漏水的",
    "leak-proof") does not match the families at all.
    """
    return bool(_SYMPTOM_RX.search(text)) and not _PRESALE_RX.search(text.strip())
