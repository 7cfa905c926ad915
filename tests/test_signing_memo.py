"""`Signer.tag` keys its HMAC once and memoises tags (bounded): every tag must equal HMAC-SHA256 computed
from scratch (the documented derivation: key = sha256(purpose ∖0 secret), URL-safe base64, first N chars),
forged or altered data must still fail, and the memo must stay bounded."""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.channels.signing import TAG_MEMO, CallbackSigner, Signer

DATA = ["d:RUN-001", "s:EAR-003", "fb:+:123", "", "订单:XE2026", "d:RUN-001", "x" * 200]


def _reference(secret: str, purpose: str, data: str, chars: int = 8) -> str:
    key = hashlib.sha256(purpose.encode() + b"\0" + secret.encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, data.encode(), hashlib.sha256).digest()).decode()[:chars]


def test_memoised_tags_equal_hmac_from_scratch() -> None:
    signer = Signer("s3cret", "xiaoer-callback")
    other = Signer("s3cret", "web-session", tag_chars=12)
    for data in DATA * 2:
        assert signer.tag(data) == _reference("s3cret", "xiaoer-callback", data)
        assert other.tag(data) == _reference("s3cret", "web-session", data, 12)
        assert signer.verify(signer.sign(data)) == data
        assert signer.verify(other.sign(data)) is None  # a tag for another purpose is worthless here
        assert signer.verify(signer.sign(data) + "x") is None
        assert Signer("other", "xiaoer-callback").verify(signer.sign(data)) is None


def test_tag_memo_is_bounded_and_callback_data_still_verifies() -> None:
    signer = Signer("s3cret", "xiaoer-callback")
    for n in range(TAG_MEMO + 50):
        signer.tag(f"d:SKU-{n}")
        assert len(signer._tags) <= TAG_MEMO
    assert signer.tag("d:SKU-7") == _reference("s3cret", "xiaoer-callback", "d:SKU-7")
    callbacks = CallbackSigner("s3cret")
    signed = callbacks.sign("d:RUN-001")
    altered = signed[:-1] + ("A" if signed[-1] != "A" else "B")
    assert callbacks.verify(signed) == "d:RUN-001" and callbacks.verify(altered) is None
