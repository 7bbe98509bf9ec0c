"""YAML without alias bombs ("billion laughs").

``yaml.safe_load`` already refuses arbitrary Python objects, but an anchor referenced many times, nested
a few levels deep, turns a few kilobytes of text into billions of nodes as soon as anything walks the
result (schema validation, hashing, JSON export). Aliases themselves are fine (the shipped definitions
use them for repeated blocks), so the composed node graph is measured *as if expanded* before any
Python object is built: too many nodes, too deep, or a self-referencing anchor → ``YamlRefused``.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_CHARS = 2 * 1024 * 1024
# The largest shipped form definition expands to a few thousand nodes; 100,000 leaves ample room.
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64


class YamlRefused(yaml.YAMLError):
    """The YAML is syntactically fine but too big once aliases are expanded (German message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.problem = message
        self.problem_mark = None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expanded(root: yaml.Node, *, max_nodes: int, max_depth: int) -> None:
    """Expanded size and depth of the node graph, computed once per shared node (no recursion)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(kid)] for kid in kids)
            depth[key] = 1 + max((depth[id(kid)] for kid in kids), default=0)
            if size[key] > max_nodes:
                raise YamlRefused(
                    f"Das YAML-Dokument ist zu umfangreich: mit aufgelösten Verweisen (Anker/Alias) mehr als "
                    f"{max_nodes:,} Einträge.".replace(",", ".")
                )
            if depth[key] > max_depth:
                raise YamlRefused(f"Das YAML-Dokument ist zu tief verschachtelt (höchstens {max_depth} Ebenen).")
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlRefused("Das YAML-Dokument enthält einen Verweis (Alias) auf sich selbst.")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)


def yaml_load(
    text: str,
    *,
    max_chars: int = MAX_YAML_CHARS,
    max_nodes: int = MAX_EXPANDED_NODES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """``yaml.safe_load`` with bounded size, expanded size and depth; raises ``yaml.YAMLError``."""
    if len(text) > max_chars:
        raise YamlRefused(f"Das YAML-Dokument ist zu groß (höchstens {max_chars // 1024} KB).")
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise YamlRefused(f"Das YAML-Dokument ist zu tief verschachtelt (höchstens {max_depth} Ebenen).") from None
        if node is None:
            return None
        _check_expanded(node, max_nodes=max_nodes, max_depth=max_depth)
        return loader.construct_document(node)
    finally:
        loader.dispose()
