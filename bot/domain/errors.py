"""The core's own error types. Vendor errors are translated into these once, in the adapters.

Expected failures carry a `message_key` into `bot/prompts/messages.yaml`, so the core can render a polite
reply in the user's language; anything else is a bug.
"""

from __future__ import annotations


class XiaoerError(Exception):
    """Base of every expected failure."""

    message_key = "error_generic"


class LLMUnavailable(XiaoerError):
    """The LLM could not answer (timeout, 429/5xx after retries, malformed or incomplete response).

    `kind` says why, in the words of the `llm_error` metric: the provider's error class name (e.g.
    "InternalServerError", "APIConnectionError"), or "first_token_timeout", "stall_timeout",
    "total_timeout", "incomplete_stream", "truncated", "content_filter", "malformed_response",
    "empty_completion".
    """

    message_key = "error_llm"

    def __init__(self, detail: str = "", *, kind: str = "unavailable") -> None:
        super().__init__(detail or kind)
        self.kind = kind


class RetrievalUnavailable(XiaoerError):
    """The vector store or BM25 index failed; the bot answers from what it still has."""

    message_key = "error_retrieval"


class PromptFileError(XiaoerError):
    """A prompt or messages file is invalid (unknown keys, placeholders that don't match)."""
