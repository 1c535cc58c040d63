"""Conditions written as data, and the small evaluator that reads them.

Protocol phases and screening rules say *when* something applies. They do it with nested
mappings (`all`, `any`, `not`, or one `fact` compared with `op` to a `value`) so a protocol
file can never run code: there is no `eval` anywhere in Tablework.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Operator = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in"]


class Condition(BaseModel):
    """One test of facts: exactly one of `all`, `any`, `not`, or `fact` with `op`/`value`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    all_of: tuple[Condition, ...] | None = Field(
        default=None, alias="all", description="True when every listed condition is true."
    )
    any_of: tuple[Condition, ...] | None = Field(
        default=None, alias="any", description="True when at least one listed condition is true."
    )
    not_: Condition | None = Field(
        default=None, alias="not", description="True when the nested condition is false."
    )
    fact: str | None = Field(default=None, description="Name of the fact to test.")
    op: Operator = Field(default="eq", description="Comparison: eq ne lt lte gt gte in.")
    value: Any = Field(default=True, description="What the fact is compared with.")

    @model_validator(mode="after")
    def _exactly_one_form(self) -> Condition:
        forms = [self.all_of, self.any_of, self.not_, self.fact]
        if sum(form is not None for form in forms) != 1:
            raise ValueError("a condition needs exactly one of 'all', 'any', 'not' or 'fact'")
        if self.op == "in" and not isinstance(self.value, list | tuple):
            raise ValueError("op 'in' needs a list as its value")
        return self

    def facts(self) -> Iterator[str]:
        """Every fact name this condition reads, nested ones included."""
        if self.fact is not None:
            yield self.fact
        for child in (*(self.all_of or ()), *(self.any_of or ())):
            yield from child.facts()
        if self.not_ is not None:
            yield from self.not_.facts()


def evaluate(condition: Condition, facts: Mapping[str, Any]) -> bool:
    """Whether `condition` holds for `facts`. A missing fact makes its comparison false."""
    if condition.all_of is not None:
        return all(evaluate(child, facts) for child in condition.all_of)
    if condition.any_of is not None:
        return any(evaluate(child, facts) for child in condition.any_of)
    if condition.not_ is not None:
        return not evaluate(condition.not_, facts)
    assert condition.fact is not None
    if facts.get(condition.fact) is None:
        return False
    return _compare(facts[condition.fact], condition.op, condition.value)


def _compare(actual: Any, op: Operator, expected: Any) -> bool:
    try:
        if op == "eq":
            return bool(actual == expected)
        if op == "ne":
            return bool(actual != expected)
        if op == "in":
            return actual in expected
        if op == "lt":
            return bool(actual < expected)
        if op == "lte":
            return bool(actual <= expected)
        if op == "gt":
            return bool(actual > expected)
        return bool(actual >= expected)
    except TypeError:
        return False
