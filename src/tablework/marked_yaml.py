"""YAML parsing that remembers the line of every value, so errors can say `path:line`.

Protocol and ruleset files are written by people; when one is wrong the author needs the
line, not a traceback. PyYAML's node tree carries marks, so we build plain Python data from
the nodes ourselves and keep a map from each value's location to its line.

The same files may come from anyone, so parsing also enforces the input limits of
`tablework.inputs`: nesting depth (checked while scanning and composing, before any
recursion can get deep), finite numbers in range, and at most MAX_YAML_VALUES keys and
values. Anchors and aliases stay allowed (the bundled files use them, and a copied
protocol must validate), but a recursive alias is refused and every use of an alias
counts against the budget, so a "billion laughs" file stops after a few thousand values
instead of filling memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from tablework.inputs import MAX_NESTING, MAX_YAML_VALUES, value_problem

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


def parse(text: str, *, bundled: bool = False) -> MarkedDocument:
    """Parse one YAML document, keeping line marks; raise YamlError on any problem.

    `bundled`: the text ships with Tablework, so libyaml's parser (when installed) may
    compose it, several times faster; the data and lines are built by the same code."""
    try:
        loader = _Loader(text) if not bundled or _FastLoader is None else _FastLoader(text)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise YamlError(line, f"character #x{error.character:04x} is not allowed") from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlError(1, "the file is empty")
        return _Builder(loader).document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(line, str(error.problem or error.context or "invalid YAML")) from None
    except yaml.YAMLError as error:
        raise YamlError(1, str(error).splitlines()[0]) from None
    finally:
        loader.dispose()


class _Loader(yaml.SafeLoader):
    """A SafeLoader that refuses deep nesting and too many values as it composes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.composed = 0

    def fetch_flow_collection_start(self, TokenClass: type[yaml.Token]) -> None:
        # The scanner looks ahead over every open `[` for a possible key, so a deep flow
        # collection costs quadratic time before composing even starts: stop it here.
        if self.flow_level >= MAX_NESTING:
            raise YamlError(self.line + 1, f"nested deeper than {MAX_NESTING} levels")
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        self.composed += 1
        if self.depth > MAX_NESTING or self.composed > MAX_YAML_VALUES:
            line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
            if self.depth > MAX_NESTING:
                raise YamlError(line, f"nested deeper than {MAX_NESTING} levels")
            raise YamlError(line, _TOO_MANY_VALUES)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# libyaml's composer runs in C, past _Loader's checks while composing; the builder still
# applies every limit, and a file written by anyone never takes this path.
_FastLoader: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)


class _Builder:
    """Plain data from composed nodes, with lines, expanding aliases within the budget."""

    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader) -> None:
        self.loader = loader
        self.budget = MAX_YAML_VALUES
        self.lines: dict[Loc, int] = {}
        self.open: set[int] = set()

    def document(self, node: yaml.Node) -> MarkedDocument:
        return MarkedDocument(data=self.value(node, ()), lines=self.lines)

    def value(self, node: yaml.Node, loc: Loc) -> Any:
        line = node.start_mark.line + 1
        self.lines[loc] = line
        self.spend(line)
        if len(loc) > MAX_NESTING:
            raise YamlError(line, f"nested deeper than {MAX_NESTING} levels")
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self.scalar(node)
        if id(node) in self.open:
            raise YamlError(line, "an alias refers to a value that contains it")
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, loc)
            return [self.value(item, (*loc, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(line, "a key must be a plain name, not a list or mapping")
            self.spend(line)
            key = self.scalar(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise YamlError(line, f"duplicate key '{key}' in the same mapping")
            result[key] = self.value(value_node, (*loc, key))
            self.lines[(*loc, key)] = line
        return result

    def spend(self, line: int) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise YamlError(line, _TOO_MANY_VALUES)

    def scalar(self, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        if node.tag == "tag:yaml.org,2002:int" and len(str(node.value)) > _MAX_NUMBER_CHARS:
            raise YamlError(line, "number out of range")
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError) as error:
            # e.g. a timestamp like 2024-13-45 that matches the pattern but is no date
            raise YamlError(line, f"invalid value: {error}") from None
        problem = value_problem(value)
        if problem:
            raise YamlError(line, problem)
        return value


_MAX_NUMBER_CHARS = 40
_TOO_MANY_VALUES = (
    f"more than {MAX_YAML_VALUES} keys and values (an alias counts each time it is used)"
)
