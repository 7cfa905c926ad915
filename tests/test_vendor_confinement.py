"""Vendor libraries stay in their adapters: LangChain/openai in bot/llm (and knowledge's embedding and eval
adapters), prometheus_client in bot/ops/metrics.py — and importing the conversation core loads none of them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ALLOWED = {
    "langchain": ("bot/llm/", "knowledge/embeddings.py", "knowledge/eval_langchain.py"),
    "openai": ("bot/llm/", "knowledge/embeddings.py"),
    "prometheus_client": ("bot/ops/metrics.py",),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _family(name: str) -> str | None:
    return next((family for family in ALLOWED if name == family or name.startswith(f"{family}_")), None)


def test_vendor_libraries_are_imported_only_in_their_adapters() -> None:
    offenders = []
    for path in sorted([*REPO.glob("bot/**/*.py"), *REPO.glob("knowledge/**/*.py")]):
        where = path.relative_to(REPO).as_posix()
        for name in _imports(path):
            family = _family(name)
            if family is not None and not where.startswith(ALLOWED[family]):
                offenders.append(f"{where} imports {name}")
    assert offenders == []


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
