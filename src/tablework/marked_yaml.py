"""YAML parsing that remembers the line of every value, so errors can say `path:line`.

Protocol and ruleset files are written by people; when one is wrong the author needs the
line, not a traceback. PyYAML's node tree carries marks, so we build plain Python data from
the nodes ourselves and keep a map from each value's location to its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class YamlError(Exception):
    """A file that is not well-formed YAML, or not the shape YAML data may take here."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class MarkedDocument:
    """Parsed YAML data plus the 1-based line of every mapping, list and value in it."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The line of `loc`, or of its nearest ancestor when `loc` itself is absent."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def parse(text: str) -> MarkedDocument:
    """Parse one YAML document, keeping line marks; raise YamlError on any problem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError(1, "the file is empty")
        lines: dict[Loc, int] = {}
        data = _build(loader, node, (), lines)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(line, str(error.problem or error.context or "invalid YAML")) from None
    except yaml.YAMLError as error:
        raise YamlError(1, str(error)) from None
    finally:
        loader.dispose()
    return MarkedDocument(data=data, lines=lines)


def _build(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(loader, node, loc, lines)
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*loc, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def _build_mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, loc: Loc, lines: dict[Loc, int]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError(line, "a key must be a plain name, not a list or mapping")
        key = loader.construct_object(key_node)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise YamlError(line, f"duplicate key '{key}' in the same mapping")
        result[key] = _build(loader, value_node, (*loc, key), lines)
        lines[(*loc, key)] = line
    return result
