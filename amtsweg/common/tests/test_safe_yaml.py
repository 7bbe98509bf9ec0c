"""YAML alias bombs are refused before anything walks them (issue 8, finding 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from amtsweg.common.safe_yaml import YamlRefused, yaml_load
from amtsweg.forms.definition import DefinitionInvalid, definition_parse

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """The classic: each anchor is a list of ``width`` aliases of the previous one (width**levels leaves)."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused():
    text = billion_laughs()
    assert len(text) < 2000  # a tiny file that would expand to 10**9 nodes
    with pytest.raises(YamlRefused, match="zu umfangreich"):
        yaml_load(text)


def test_billion_laughs_as_form_definition_has_a_german_error():
    with pytest.raises(DefinitionInvalid) as excinfo:
        definition_parse(text="key: bombe\nfelder:\n" + "  " + billion_laughs().replace("\n", "\n  "))
    assert "Verweisen (Anker/Alias)" in excinfo.value.errors[0]


def test_self_referencing_alias_is_refused():
    with pytest.raises(YamlRefused, match="auf sich selbst"):
        yaml_load("a: &a [1, *a]\n")


def test_deep_nesting_is_refused():
    with pytest.raises(YamlRefused, match="verschachtelt"):
        yaml_load("[" * 100 + "]" * 100)
    with pytest.raises(YamlRefused, match="verschachtelt"):
        yaml_load("[" * 5000 + "]" * 5000)  # deeper than the composer's recursion allows


def test_oversized_text_is_refused():
    with pytest.raises(YamlRefused, match="zu groß"):
        yaml_load("a: b\n" * 10, max_chars=20)


def test_moderate_aliases_still_work():
    # Aliases as the shipped definitions use them (a repeated block) load as before.
    assert yaml_load("x: &x {a: 1}\ny: *x\nz: [*x, *x]\n") == {"x": {"a": 1}, "y": {"a": 1}, "z": [{"a": 1}] * 2}
    assert yaml_load("") is None


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_definitions_load_unchanged(path):
    text = path.read_text(encoding="utf-8")
    assert yaml_load(text) == yaml.safe_load(text)


def test_deeply_nested_json_definition_is_refused():
    with pytest.raises(DefinitionInvalid, match="verschachtelt"):
        definition_parse(text="[" * 5000 + "]" * 5000, fmt="json")
