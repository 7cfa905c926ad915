"""Social-media and messenger handles after their platform's name, replaced by the messenger-id placeholder.

"insta lena.k.88", "ig: @run_lena", "小红书 xiaoyu_88", "抖音号：跑步的小鱼", "fb john.smith.9", "wechat id
runner2024", "LINE ID lena88", "微博@跑者阿杰": a handle follows a platform word (Instagram, 小红书, 抖音, LINE,
WhatsApp, Facebook, WeChat, 微博, TikTok, Snapchat, X/Twitter, Discord, Kakao, B站 …). It counts as a handle when

- it is written with an @ ("insta @lena"), or
- a label introduces it ("号", "ID", "账号", "handle", "username", "搜", ":", "是") — then a Chinese nickname
  counts too, up to the end of its clause ("抖音号：跑步的小鱼，推荐…"), or
- it has the marks of a handle: a digit, "." or "_" ("lena.k.88", "run_lena").

So the platform talk of shop questions stays: "insta shop", "whatsapp support", "抖音上很火", "小红书推荐的那款",
"do you have a Facebook page?", "fb 上看到的", "line up".
"""

from __future__ import annotations

import regex

MESSENGER = "[messenger-id]"

_PLATFORM = (
    r"(?:instagram|insta|ins|ig|推特|脸书|油管|钉钉|dingtalk|飞书|lark|知乎|豆瓣|闲鱼|旺旺|steam|twitch|linkedin|领英|小红书|红书|xhs|rednote|抖音|douyin|tiktok|快手|kuaishou|微博|weibo|b站|bilibili|"
    r"facebook|fb|messenger|twitter|x\.com|snapchat|snap|discord|kakao\s*talk|kakaotalk|kakao|line|whatsapp|"
    r"wechat|weixin|微信|telegram|tg|threads|youtube|yt|pinterest|reddit|skype|signal|viber|zalo|qq空间)(?:(?<=\p{Han})|(?![A-Za-z]))"  # a whole word: "ins" is no platform in "instead", "ig" none in "igor"
)
_LABEL = (
    r"(?:\s*(?:号码|账号|帐号|号|uid|id|handle|username|user\s*name|account|name|昵称|名字|名)\s*(?:是|为|is)?\s*[:：]?"
    r"|\s+is\s*[:：]?|\s*(?:up\s*主|博主|主播)(?:\s*(?:是|叫)\s*[:：]?\s*|\s*[:：]\s*|\s+)"
    r"|\s*(?:搜索?|搜一下|search|find\s+me|add\s+me)\s*[:：]?|\s*(?:是|为)\s*[:：]?|\s*[:：])"
)
_ASCII_HANDLE = r"@?[A-Za-z0-9](?:[A-Za-z0-9._-]{1,28}[A-Za-z0-9_])"
_MARKED = r"(?=[A-Za-z0-9._-]*[0-9._])"  # a digit, "." or "_" somewhere in the handle
_QUESTION = r"(?:多少|什么|啥|哪个|是多少|有吗|有没有)"
_NOT_NICK = r"(?:推荐|说|讲|介绍|种草|安利|测评|评测|的|在|也|都|用|发|上|里|同|手机|电话)"  # 微信：同手机号
_HAN_NICK = r"@?(?!" + _QUESTION + r"|" + _NOT_NICK + r")\p{Han}[\p{Han}\p{L}0-9_]{1,11}"

_HANDLE = regex.compile(
    rf"(?i)(?<![A-Za-z0-9])(?P<lead>{_PLATFORM}(?:{_LABEL})\s*)(?P<handle>{_ASCII_HANDLE}|{_HAN_NICK})"
    r"(?![A-Za-z0-9._-]*[A-Za-z0-9])"
    rf"|(?<![A-Za-z0-9-])(?P<lead2>{_PLATFORM}\s*(?:上|上面|里)?\s*)"  # not "KX-TG4022N" (a model number)
    rf"(?P<handle2>@[A-Za-z0-9][A-Za-z0-9._-]{{1,29}}|@\p{{Han}}[\p{{Han}}A-Za-z0-9_]{{1,11}}|{_MARKED}[A-Za-z][A-Za-z0-9._-]{{2,29}}"
    rf"|{_MARKED}\d[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*)"
    r"(?<![.-])(?![A-Za-z0-9@])"
)


# Anywhere, with no platform word: an @mention with a handle's marks ("@lena.runs88", "@陈小猫2024", "@li_runner88"
# — e-mail addresses are cut before this runs) and a Discord-style tag ("runner#4821").
_AT_MENTION = regex.compile(
    r"(?<![\w@.])@(?:(?=[A-Za-z0-9._]*[0-9._])(?=[0-9._]*[A-Za-z_])[A-Za-z0-9_][A-Za-z0-9._]{1,29}(?<!\.)|\p{Han}[\p{Han}A-Za-z_]{0,10}\d{2,8})"
    r"(?![\w@])"
)
_DISCORD_TAG = regex.compile(
    r"(?i)(?<![\w#])(?!(?:order|sku|no|item|model|ref|ticket)#)[a-z0-9_.]{2,32}#\d{4}(?!\d)"
)

# A platform's numeric user id: "uid 12345678", "用户ID：20240101".
_UID = regex.compile(r"(?i)(\b(?:uid|user\s*id)\s*[:：#]?\s*|用户\s*(?:id|ID|号)\s*[:：]?\s*)\d{5,12}(?!\d)")


def _sub(match: regex.Match[str]) -> str:
    if match.group("lead") is not None:
        return f"{match.group('lead')}{MESSENGER}"
    return f"{match.group('lead2')}{MESSENGER}"


def redact_handles(text: str) -> str:
    """`text` with social/messenger handles after a platform's name replaced (see the module docstring)."""
    text = _DISCORD_TAG.sub(MESSENGER, text)
    text = _HANDLE.sub(_sub, text)
    text = _AT_MENTION.sub(MESSENGER, text)
    return _UID.sub(lambda m: f"{m.group(1)}{MESSENGER}", text)
