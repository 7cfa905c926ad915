"""What the core hands to the human-handoff gate, and how the gate's notice joins the core's one reply."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.store import Turn
from bot.domain.messages import Inbound, Outbound
from knowledge.models import Product


def handoff_context(
    inbound: Inbound, lang: str, turns: list[Turn], shown: list[Product], text: str
) -> dict[str, object]:
    """The agents' card material: who, a short summary, recent turns and the products discussed."""
    recent = [*turns[-10:], Turn("user", text, inbound.user_id)]
    return {
        "language": lang,
        "user_name": inbound.user_name,
        "channel": inbound.channel,
        "summary": " / ".join(t.text[:80] for t in recent if t.role == "user")[-400:],
        "turns": [{"role": t.role, "text": t.text} for t in recent],
        "products": [{"sku": p.sku, "title": p.title, "price": p.price_text() or ""} for p in shown],
    }


def merge_customer_reply(ours: list[Outbound], theirs: list[Outbound], chat_id: str) -> list[Outbound]:
    """Fold the handoff's notice to the customer into our reply, so the customer still gets exactly one."""
    notice = next(
        (o for o in theirs if o.chat_id == chat_id and o.copy_of is None and o.document is None), None
    )
    if notice is None or not ours:
        return [*ours, *theirs]
    first = ours[0]
    merged = replace(
        first, text=f"{first.text}\n\n{notice.text}".strip(), buttons=first.buttons + notice.buttons
    )
    return [merged, *ours[1:], *(o for o in theirs if o is not notice)]
