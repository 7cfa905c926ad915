"""Postal addresses in free text (Chinese and English), replaced by a placeholder.

Rules, not a gazetteer library: the Chinese parsers on PyPI (`cpca` and its forks) need pandas and find a
text's province/city/district, not the span of a street address, and the English ones (`usaddress`, `pyap`)
parse an address already cut out rather than find one in a chat message. Addresses are found by their
suffixes instead:

- a street address, with or without a 地址： label: [province][city][district][town] road + number + 号 (+ building,
  unit, room), "文三路 478 号" with spaces as people type them; a residential compound with building/unit/room;
- a city with its district ("成都市武侯区") — a district alone, a city alone or a province stays;
- after a delivery or residence cue (寄到, 送到, 发往, 住在, 家住 …): the place named up to its last place suffix
  (区, 路, 号, 大厦, 科技园, 小区 …) — "送到深圳南山科技园腾讯大厦"; a province right after the cue stays
  ("寄到新疆[address]"), because shipping terms depend on it;
- English: [unit ("Flat 4B,", "Apt 5", "Suite 200")] [building ("Rose Court,")] number + street + street type,
  optional unit, town, state + ZIP (US) or state + postcode (AU, "Sydney NSW 2000") or a UK postcode.
"""

from __future__ import annotations

import re

import regex

from knowledge.script import HAN

ADDRESS = "[address]"

_NOT_NAME = "在住是的到寄送发给我你他她请帮至往址为和与及或了吗呢吧"
_NAME = rf"(?:(?![{_NOT_NAME}]){HAN})"
_NUM = r"[0-9０-９一二三四五六七八九十百零〇甲乙丙丁A-Za-z-]"
_STREET = regex.compile(
    rf"(?:{_NAME}{{2,7}}(?:省|自治区))?(?:{_NAME}{{2,4}}(?:市|州|盟))?(?:{_NAME}{{1,6}}(?:区|县|旗))?"
    rf"(?:{_NAME}{{1,5}}(?:镇|乡|街道))?"
    rf"(?:{_NAME}|\d){{1,10}}(?:路|街|大道|道|巷|弄|胡同|村|里)(?:\s*[一二三四五六七八九十\d]{{1,3}}\s*段)?"  # 信义路五段
    rf"(?:\s*{_NUM}{{1,4}}\s*(?:巷|弄|衖))*\s*{_NUM}{{1,6}}\s*号(?:院)?(?:\s*之\s*\d{{1,3}})?"  # 188 巷 5 弄 3 号之 1
    rf"(?:\s*[A-Za-z{HAN}]{{0,10}}?(?:\s*{_NUM}{{1,5}}(?:号楼|栋|幢|座|单元|层|楼|室|号))+"
    rf"|\s*{_NAME}{{1,8}}(?:小区|花园|大厦|公寓|广场|中心|城|苑))?(?:\s*之\s*\d{{1,3}})?"
    r"(?:\d{2,5}(?:室|房)?)?"  # the room right after the building: "…大厦B座2708"
)
# Residential-compound style without a street number: "阳光花园3栋2单元501室".
_COMPOUND = regex.compile(
    rf"{_NAME}{{2,8}}(?:小区|花园|公寓|大厦|苑)\s*(?:{_NUM}{{1,5}}\s*(?:号楼|栋|幢|座|单元|层|楼|室|号)\s*){{2,}}"
)
# A city and its district: "成都市武侯区", "苏州市吴中区" — not "大超市附近的小区" (市 of a shop, 区 of a compound).
_CITY_DISTRICT = regex.compile(
    rf"(?<!超|城|门|夜|菜|股|楼|上|都){_NAME}{{2,4}}(?<!超|城|门|夜|菜|股|楼)市"
    rf"(?!区)(?:{_NAME}{{1,4}}(?<!小|市|城|园|景|社|郊|地|山|专|服务|校|厂|街)(?:区|县))"
)
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
    "四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_PLACE_SUFFIX = (
    r"(?:小区|花园|公寓|大厦|大楼|写字楼|广场|中心|科技园|产业园|工业园|园区|宿舍|大学|学院|社区|"
    r"新区|区|县|镇|乡|村|大道|路|街|巷|弄|胡同|号楼|室|栋|幢|单元)"  # a bare 号 is a date too ("23号")
)
_PLACE_CHAR = rf"[{HAN}0-9A-Za-z\- ]"
_CUED_PLACE = regex.compile(
    r"(?P<cue>(?:寄到|送到|发到|邮到|寄往|送往|发往|寄去|送去|住在|家住|住址是?|收货地址是?|地址是?)\s*[:：]?\s*"
    rf"(?:(?:{_PROVINCES})(?:省|市|自治区)?)?)"
    rf"(?P<place>{_PLACE_CHAR}{{0,24}}?{HAN}{_PLACE_SUFFIX}(?:{_PLACE_CHAR}{{0,16}}?{_PLACE_SUFFIX})*)"
)

# English street addresses: "221B Baker Street", "1600 Amphitheatre Pkwy, Mountain View, CA 94043", "42 Wallaby
# Way, Sydney NSW 2000", with an optional unit, town, state/county and ZIP, Australian or UK postcode.
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Parkway|Pkwy|Place|Pl|"
    r"Terrace|Ter|Square|Sq|Highway|Hwy|Crescent|Close|Gardens|Row|Mews|Walk|Circle|Cir|Trail|Plaza"
)
_UNIT = r"(?:Flat|Apt|Apartment|Unit|Suite|Ste|Room|Rm|Floor|Fl|No|#)"
_EN_ADDRESS = re.compile(
    rf"(?:\b(?i:{_UNIT})\.?\s*#?[\w-]{{1,6}},?\s+|#\s*[\w-]{{1,6}},?\s+|\b(?i:{_UNIT})\.?\s*(?=\d+[A-Za-z]?/))?"  # "Flat 4B, 221B Baker Street"
    rf"(?:\b[A-Z][A-Za-z'-]+\s+(?:House|Court|Building|Tower|Mansions|Lodge|Hall),?\s+)?"  # "Rose Court, 5 High St"
    rf"\b(?<![\d.,])(?:\d{{1,5}}[A-Za-z]?/)?\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?\s+(?:(?:[A-Z][A-Za-z'.-]*|\d{{1,4}}(?:st|nd|rd|th))\s+){{1,4}}"
    rf"(?:{_STREET_TYPES})\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?\s*[\w-]+)?"
    r"(?:,\s*[A-Z][a-z][A-Za-z.]*(?:\s+[A-Z][a-z][A-Za-z.]*){0,3})?"
    r"(?:,?\s*[A-Z]{2,3}\s+\d{4,5}(?:-\d{4})?(?!\d)|,?\s*[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
    r"|,?\s*\d{4,5}(?:-\d{4})?(?!\d))?"  # ZIP, or a 4-digit postcode after the town (NZ/AU/CH: "Auckland 1010")
)
# Taiwan addresses in English: "3F-2, No. 5, Lane 12, Sec. 1, Zhongxiao E. Rd., Da'an Dist., Taipei 106".
_TW_ADDRESS = re.compile(
    r"(?:\b\d{1,3}F(?:-\d{1,3})?,?\s*)?"
    r"\bNo\.?\s*\d{1,5}(?:-\d{1,4})?,?\s*"
    r"(?:(?:Alley|Aly\.?|Lane|Ln\.?|Sec\.?|Section)\s*\d{1,4},?\s*)*"
    r"(?:[A-Z][A-Za-z'.-]*\s+){1,4}(?:Rd|Road|St|Street|Blvd|Boulevard|Ave|Avenue)\b\.?"
    r"(?:,?\s*(?:Sec\.?|Section)\s*\d{1,2})?"
    r"(?:,\s*[A-Z][A-Za-z'.-]*\s+(?:Dist\.?|District|Township|Village))?"
    r"(?:,\s*[A-Z][a-z]+(?:\s+City)?(?:\s+\d{3,6})?)?"
)
# Polish / Central European street forms: "ul. Marszałkowska 10/12, 00-590 Warszawa", "al. Jana Pawła II 27 m. 4",
# German/Swiss/Austrian "Hauptstraße 5, 10115 Berlin".
_EU_ADDRESS = regex.compile(
    r"(?:\b(?i:ul|al|pl|os|aleja|ulica)\.?\s+\p{Lu}[\p{L}.-]*(?:\s+(?:\p{Lu}[\p{L}.-]*|[IVX]{1,4}))*"
    r"|\b\p{Lu}\p{Ll}+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm))"
    r"\s+\d{1,4}[A-Za-z]?(?:\s*/\s*\d{1,4}[A-Za-z]?)?(?:\s*(?:m\.|lok\.)\s*\d{1,4})?"
    r"(?:,?\s*(?:\d{2}-\d{3}|\d{4,5})(?:\s+\p{Lu}\p{L}+(?:[ -]\p{Lu}\p{L}+)?)?)?"
)
# French, Spanish, Italian and Portuguese streets: the street word first, a house number before or after, then
# an optional postcode and town — "15 Rue de Rivoli, 75001 Paris", "Calle Mayor 5, 28013 Madrid", "Via Roma 10".
_ROMANCE_STREET = (
    r"(?:Rue|Avenue|Boulevard|Bd|Chemin|Allée|Impasse|Quai|Via|Viale|Piazza|Corso|Calle|Avenida|Av\.|Plaza|"
    r"Paseo|Carrer|Rua|Travessa|Largo)"
)
_ROMANCE_NAME = r"(?:\s+(?:(?:de|du|des|la|le|del|di|della|da|do|dos|das|y|d['’])\s*)?\p{Lu}[\p{L}'’-]*){1,4}"
_ROMANCE_TOWN = r"(?:,?\s*\d{4,5}\s+\p{Lu}\p{L}+(?:[ -]\p{Lu}\p{L}+)?)?"
_ROMANCE_ADDRESS = regex.compile(
    rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+{_ROMANCE_STREET}{_ROMANCE_NAME}{_ROMANCE_TOWN}"
    rf"|\b{_ROMANCE_STREET}{_ROMANCE_NAME},?\s+\d{{1,4}}[A-Za-z]?\b{_ROMANCE_TOWN}"
)
# The tail of a Chinese address that names the building, unit and room, after an address already cut
# ("[address] SOHO 现代城 2 号楼 1803 室", "[address] A 座 1203", "[address] 12 楼 1205", "[address] B 塔 2805 室",
# "R2-B 栋 12 楼 1205") — or on its own when it has a building part and a room ("2 号楼 1803 室", "3 栋 2 单元 501").
_UNIT_PART = rf"{_NUM}{{1,6}}\s*(?:号楼|栋|幢|座|塔|单元|层|楼|区)"
_ROOM = r"(?:\s*(?:\d{2,5}\s*(?:室|房|户)|\d{3,5}(?![\d.]|\s*(?:号|日|月|年|元|块|码|ml|g|cm|mm|米|度|%|件|个|人|天))))"
_AFTER_ADDRESS = regex.compile(
    rf"\[address\](?:[\s,，]*[A-Za-z{HAN}]{{0,10}}?(?:\s*{_UNIT_PART})+{_ROOM}?(?:\s*之\s*\d{{1,3}})?|\s*{_ROOM}"
    r"|\s*(?:[一二三四五六七八九十\d]{1,3}\s*段)?(?:\s*\d{1,4}\s*(?:巷|弄))*\s*(?:3[2-9]|[4-9]\d|\d{3,5})\s*号"  # not a date
    r"|\s*[一二三四五六七八九十\d]{1,3}\s*段(?:\s*\d{1,4}\s*(?:巷|弄))*\s*\d{1,5}\s*号)+"
)
# Post office boxes: "PO Box 1234, Singapore 912345", "P.O. Box 77, Wellington 6140", "GPO Box 3, Sydney NSW 2001".
_PO_BOX = re.compile(
    r"\b(?:P\.?\s?O\.?|G\.?P\.?O\.?|Post\s+Office)\s*Box\s*\d{1,6}"
    r"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})?(?:\s+[A-Z]{2,3})?(?:,?\s*\d{4,6}(?!\d))?|邮政信箱\s*\d{1,6}\s*号?",
    re.I,
)
# A residential area or compound and one building: "天通苑北二区12号楼", "幸福家园3栋" (a room is optional here).
_AREA_BUILDING = regex.compile(
    rf"{_NAME}{{2,8}}(?:小区|花园|公寓|苑|新村|家园|社区|园区|[东西南北一二三四五六七八九十\d]区)\s*{_NUM}{{1,5}}\s*(?:号楼|栋|幢)"
)
# Postcodes: after a 邮编 label (mainland 6 digits, Taiwan 3–6), or closing an address already cut, with the
# towns, districts and state between ("[address], Chaoyang District, Beijing 100022", "[address] M5V 2T6").
_POSTCODE = (
    r"(?:\d{5}(?:-\d{4})?|\d{6}|\d{4}|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)(?![\w-])"
)
_LABELLED_POSTCODE = regex.compile(
    r"(?i:邮编|邮政编码|郵編|郵遞區號|郵政編碼|postcode|post\s+code|postal\s+code|zip(?:\s*code)?)"
    r"(?i:\s+is)?\s*[:：]?\s*(?:\d{3,6}(?!\d)|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|[A-Z]\d[A-Z]\s?\d[A-Z]\d\b)"
)
# Singapore HDB addresses: "Blk 123 Ang Mo Kio Ave 3 #05-123 Singapore 560123".
_SG_ADDRESS = regex.compile(
    r"\b(?i:blk|block)\s*\d{1,4}[A-Z]?\s+(?:[A-Z][A-Za-z'-]*\s+){1,4}"
    r"(?:Ave|Avenue|St|Street|Road|Rd|Drive|Dr|Crescent|Cres|Close|Lane|Ring|Walk|Way|Central|North|South|East|West)\b"
    r"(?:\s*\d{1,3}\b)?(?:\s*#\d{1,3}-\d{1,5})?(?:,?\s*Singapore)?(?:\s*\d{6}\b)?"
)
_EN_TAIL = regex.compile(
    rf"\[address\](?:,\s*(?:[A-Z][A-Za-z.'-]*\s*){{1,3}})*(?:,?\s*[A-Z]{{2,3}})?,?\s*{_POSTCODE}"
)
# Unit, block and floor before an English address: "Room 1801, Block B, [address]".
_EN_UNITS_BEFORE = regex.compile(
    r"(?i:\b(?:room|rm|flat|apt|apartment|unit|suite|ste|block|blk|building|bldg|tower|floor|fl|level)\.?"
    r"\s*#?[\w-]{1,6},?\s+)+\[address\]"
)
_ADJACENT = regex.compile(rf"\[address\](?:[\s,，]*(?:[A-Za-z{HAN}-]{{1,10}}\s*){{0,3}}\[address\])+")
_UNIT_ROOM = regex.compile(rf"(?<![A-Za-z0-9])(?:\s*{_UNIT_PART}){{1,4}}(?:{_ROOM}|\s*{_NUM}{{1,5}}\s*室)")


# Words before "Drive" that make it a storage device: "64 GB Flash Drive", "2 TB Hard Drive" (real titles).
_DEVICE_DRIVE = regex.compile(
    r"(?i)\b(?:flash|hard|disk|usb|thumb|pen|ssd|hdd|optical|dvd|cd|tape|zip|gb|tb|bay)\s+drive\b"
)


def _en_address(match: re.Match[str]) -> str:
    return match.group(0) if _DEVICE_DRIVE.search(match.group(0)) else ADDRESS


# Places every customer has, named by kind only: "送到学校宿舍", "寄到小区门口" say where, not whose address.
_GENERIC_PLACE = regex.compile(
    r"(?:学校|公司|单位|家里|家|小区|宿舍|门口|楼下|前台|门卫|驿站|快递柜|菜鸟驿站|丰巢|学院|大学|医院|酒店|办公室|"
    r"工地|店里|老家|村里|园区|社区|写字楼)+"
)


def _cued_place(match: regex.Match[str]) -> str:
    if _GENERIC_PLACE.fullmatch(match.group("place").strip()):
        return match.group(0)
    return f"{match.group('cue')}{ADDRESS}"


def redact_addresses(text: str) -> str:
    """`text` with postal addresses replaced by `[address]` (see the module docstring for what counts)."""
    text = _PO_BOX.sub(ADDRESS, text)
    text = _SG_ADDRESS.sub(ADDRESS, text)
    text = _TW_ADDRESS.sub(ADDRESS, text)
    text = _EN_ADDRESS.sub(_en_address, text)
    text = _EU_ADDRESS.sub(ADDRESS, text)
    text = _ROMANCE_ADDRESS.sub(ADDRESS, text)
    text = _STREET.sub(ADDRESS, text)
    text = _COMPOUND.sub(ADDRESS, text)
    text = _CUED_PLACE.sub(_cued_place, text)
    text = _CITY_DISTRICT.sub(ADDRESS, text)
    text = _UNIT_ROOM.sub(ADDRESS, text)
    text = _AREA_BUILDING.sub(ADDRESS, text)
    text = _LABELLED_POSTCODE.sub(ADDRESS, text)
    text = _EN_UNITS_BEFORE.sub(ADDRESS, _EN_TAIL.sub(ADDRESS, text))
    return _ADJACENT.sub(ADDRESS, _AFTER_ADDRESS.sub(ADDRESS, text))
