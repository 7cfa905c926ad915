"""Free services, not free products: the words that make a "free" about installation, repair, returns, shipping.

`service_clause("Returns are free only for faulty items")` is True: the free thing is a service of the shop's
policies, and the product a clause names is what the service is for ("free installation of the ceiling light"),
not a product given away (`bot.conversation.claims.gifts`).
"""

from __future__ import annotations

import regex

# A free service, not a free product: the product named is what the service is for.
SERVICE = regex.compile(
    r"安装|上门|维修|修理|返修|更换|换新|退换|调换|退货|退款|换货|寄回|补发|运费|邮费|快递|配送|送货|清洗|抛光|保修|质保|试用|"
    r"咨询|刻字|包装|保养|调试|上楼|"
    r"\binstall\w*|\brepair\w*|\breplac\w*|\breturn\w*|\bexchang\w*|\bshipping\b|\bdeliver\w*|\bpostage\b|"
    r"\bclean\w*|\bpolish\w*|\bengrav\w*|\bwrap\w*|\bconsult\w*|\bset[-\s]?up\b|\bservic\w*|\bwarranty\b|"
    r"\bupstairs\b|\bresen[dt]\b|\btrial\b",
    regex.I,
)


def service_clause(clause: str) -> bool:
    """Whether a clause's free thing is a service (installation, repair, returns, shipping …)."""
    return SERVICE.search(clause) is not None
