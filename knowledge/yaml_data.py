"""YAML data files parsed by libyaml: the one place that picks PyYAML's loader.

`load_yaml(text)` is `yaml.safe_load(text)` through `yaml.CSafeLoader` (PyYAML's binding to the libyaml C parser,
shipped in its manylinux wheels) — the same safe tags and the same Python values, for about a fifth of the CPU of
the pure-Python parser (measured on the shipped prompt/policy files: 0.60 s → 0.13 s per process). Every `xiaoer`
process reads ~0.4 MB of YAML at start-up, so this is a start-up cost of every command and test. When PyYAML was
built without libyaml it falls back to `yaml.SafeLoader`.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The one YAML document in `text` as plain values (dict, list, str, int, float, bool, None, date), or None
    when it is empty. Raises `yaml.YAMLError` (with the line and column) when the text is not valid YAML."""
    return yaml.load(text, Loader=SafeLoader)
