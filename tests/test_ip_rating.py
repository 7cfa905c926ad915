"""IP codes read by IEC 60529's second numeral: "防水吗" of an IPX8 lamp is a yes, of an IPX4 one a "splash only"."""

from __future__ import annotations

from bot.conversation.ip_rating import asks_water, water_level, water_meaning


def test_the_water_numeral() -> None:
    assert water_level("IPX8") == 8 and water_level("IP67 dust-tight") == 7 and water_level("ipx4") == 4
    assert water_level("IP6X") is None and water_level("防水") is None and water_level("") is None


def test_what_the_numeral_means() -> None:
    assert water_meaning(8, "zh") == (True, "可持续浸水（1 米以上）")
    assert water_meaning(4, "en")[0] and "splash" in water_meaning(4, "en")[1]
    assert not water_meaning(2, "zh")[0] and not water_meaning(0, "en")[0]
    assert asks_water("防水") and asks_water("Waterproof") and not asks_water("容量")
