"""`knowledge.yaml_data.load_yaml` (libyaml's parser) reads every shipped YAML file exactly as `yaml.safe_load`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.yaml_data import SafeLoader, load_yaml

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(
    [*REPO.glob("bot/**/*.yaml"), *REPO.glob("knowledge/**/*.yaml"), *REPO.glob("tests/data/**/*.yaml")]
)


def test_the_c_parser_is_used_and_reads_every_shipped_file_like_the_python_one() -> None:
    assert SafeLoader is yaml.CSafeLoader  # PyYAML's manylinux wheels carry libyaml
    assert len(SHIPPED) >= 20
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path


def test_only_safe_tags_and_errors_name_the_line() -> None:
    assert load_yaml("") is None
    assert load_yaml("a: 1\nb: [x, 2024-01-02]") == yaml.safe_load("a: 1\nb: [x, 2024-01-02]")
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
    with pytest.raises(yaml.YAMLError, match="line 2"):
        load_yaml("a: 1\n  b: [\n")
