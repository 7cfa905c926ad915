"""The LLM behind the `bot.domain.protocols.ChatModel` seam.

- `bot.llm.openai_chat`: `OpenAIChatModel` — any OpenAI-compatible endpoint (LangChain + the openai SDK; the
  only package that imports them besides knowledge/'s embeddings adapter).
- `bot.llm.scripted`: `ScriptedChatModel` — in memory, for tests and benches.

Nothing is re-exported here, so importing the scripted model (or this package) never loads LangChain or
openai; the composition root imports `bot.llm.openai_chat` only when an LLM is configured.
"""
