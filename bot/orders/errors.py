"""Expected failures of the orders feature, typed so callers can answer politely and tests can assert them.

Each carries a `message_key` into `bot/prompts/messages.yaml` (the house convention for expected errors).
"""

from __future__ import annotations

from bot.domain.errors import XiaoerError


class OrderError(XiaoerError):
    """Base of every expected orders failure."""

    message_key = "order_unavailable"


class OrderSourceUnavailable(OrderError):
    """The order source (SQL store, Shopify) could not answer: network, authentication, throttling past retries.

    `reason` is a short machine word ("auth", "throttled", "network", "bad_response") for logs and metrics;
    the message never contains the request or any order data.
    """

    def __init__(self, message: str, reason: str = "unavailable") -> None:
        super().__init__(message)
        self.reason = reason


class OrderFileError(OrderError):
    """A file given to `xiaoer orders import` is not an orders file at all (exit 2, nothing changed)."""


class InvalidTransition(OrderError):
    """An after-sales request was asked to move to a state its current state cannot reach."""

    message_key = "aftersales_invalid_transition"

    def __init__(self, request_id: str, current: str, target: str) -> None:
        super().__init__(f"after-sales request {request_id}: cannot go from {current} to {target}")
        self.request_id = request_id
        self.current = current
        self.target = target


class RequestNotFound(OrderError):
    """No after-sales request has this id."""

    message_key = "aftersales_not_found"
