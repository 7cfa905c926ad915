"""Fine-tuning data from the shop's own traffic (`xiaoer export finetune`): chat-format JSONL."""

from bot.finetune.dataset import Example, ExportSummary, build_examples, write_dataset
from bot.finetune.source import (
    Conversation,
    HandledChat,
    InMemoryTrafficSource,
    KeptCopyRecord,
    Line,
    TrafficSource,
)

__all__ = [
    "Conversation",
    "Example",
    "ExportSummary",
    "HandledChat",
    "InMemoryTrafficSource",
    "KeptCopyRecord",
    "Line",
    "TrafficSource",
    "build_examples",
    "write_dataset",
]
