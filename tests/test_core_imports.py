"""Importing the conversation core (or the scripted LLM) loads no LLM client and no metrics library.

import-linter (pyproject) checks which modules may import a vendor; this checks what an import really loads,
indirect imports included: the core talks to the `ChatModel` and telemetry seams only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_importing_the_conversation_core_loads_no_llm_client_or_metrics_library() -> None:
    probe = (
        "import json, sys; import bot.conversation.core, bot.llm.scripted; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'openai', 'langchain_openai', 'langchain_core', 'prometheus_client'})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(loaded.stdout) == []
