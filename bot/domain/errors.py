"""The core's own error types. Vendor errors are translated into these once, in the adapters.

Expected failures carry a `message_key` into `bot/prompts/messages.yaml`, so the core can render a polite
reply in the user's language; anything else is a bug.
"""

from __future__ import annotations


class XiaoerError(Exception):
    """Base of every expected failure."""

    message_key = "error_generic"


class LLMUnavailable(XiaoerError):
    """The LLM could not answer (timeout, 429/5xx after retries, malformed response)."""

    message_key = "error_llm"


class RetrievalUnavailable(XiaoerError):
    """The vector store or BM25 index failed; the bot answers from what it still has."""

    message_key = "error_retrieval"


class PromptFileError(XiaoerError):
    """A prompt or messages file is invalid (unknown keys, placeholders that don't match)."""
