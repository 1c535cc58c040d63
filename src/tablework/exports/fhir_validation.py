"""Validating built FHIR data with the `fhir.resources.R4B` models, once per distinct element.

A client's Bundle repeats the same elements hundreds of times: the Patient reference, the
pain code, the encounter class, the observation category. The models validate an element
through its field's own model class (a dict under `Observation.code` is validated as a
`CodeableConcept`), and take an instance of that class as it is. So each distinct element
is validated once, by its field's class, and every repeat of it is handed to the models as
that validated instance; then the whole resource (or Bundle) is validated by its model, as
before. Nothing is skipped: every element that is written is the same data as one that
the models validated, under the same class. The definitions a Bundle carries (each
protocol version's PlanDefinition, the intake Questionnaire) are the same in every export,
so a process validates each content of theirs once.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from pydantic import BaseModel

    Model = type[BaseModel]

DEFINITIONS = frozenset({"PlanDefinition", "Questionnaire"})
"""Resources that every export of the same protocol or form carries unchanged."""
_MAX_DEFINITIONS = 32
_definitions: dict[str, Any] = {}  # validated definitions, by their JSON


def validate_resource(resource: dict[str, Any]) -> None:
    """Validate `resource` with its R4B model; raise pydantic's ValidationError if invalid."""
    model = _resource_model(resource)
    model.model_validate(_Elements().shared(resource, model))


class _Elements:
    """The elements validated so far, by model class and content."""

    def __init__(self) -> None:
        self.validated: dict[tuple[Any, ...], Any] = {}
        self.ids: set[int] = set()  # of the validated instances, all kept alive above

    def shared(self, value: dict[str, Any], model: Model) -> dict[str, Any]:
        """`value` (data for `model`) with each complex element replaced by its validated
        instance, validated only the first time that element is met."""
        fields = _element_fields(model)
        shared: dict[str, Any] = {}
        for key, item in value.items():
            kind = fields.get(key)
            if kind is None:
                shared[key] = self.contained(item)
                continue
            element = kind.get_model_klass()  # imported on first use, like the models do
            if isinstance(item, list):
                shared[key] = [self.instance(x, element) for x in item]
            else:
                shared[key] = self.instance(item, element)
        return shared

    def instance(self, value: Any, model: Model) -> Any:
        if not isinstance(value, dict):
            return value  # not an element: the model reports it
        shared = self.shared(value, model)
        key = self.key(model, shared)
        if key is None:
            return model.model_validate(shared)
        found = self.validated.get(key)
        if found is None:
            found = self.validated[key] = model.model_validate(shared)
            self.ids.add(id(found))
        return found

    def contained(self, item: Any) -> Any:
        """A resource inside another one (Bundle.entry.resource, contained), validated by
        its own model, with its elements shared."""
        if isinstance(item, dict) and isinstance(item.get("resourceType"), str):
            if item["resourceType"] in DEFINITIONS:
                return self.definition(item)
            model = _resource_model(item)
            return model.model_validate(self.shared(item, model))
        if isinstance(item, list):
            return [self.contained(x) for x in item]
        return item

    def definition(self, resource: dict[str, Any]) -> Any:
        """A definition, validated once per process for each content it has had."""
        content = json.dumps(resource, sort_keys=True)
        found = _definitions.get(content)
        if found is None:
            if len(_definitions) >= _MAX_DEFINITIONS:
                _definitions.clear()
            model = _resource_model(resource)
            found = _definitions[content] = model.model_validate(self.shared(resource, model))
        return found

    def key(self, model: Model, shared: dict[str, Any]) -> tuple[Any, ...] | None:
        """What identifies the element's content: its primitives with their types, and
        its validated sub-elements by identity; None if it holds anything else."""
        parts: list[Any] = [model]
        for name, item in shared.items():
            token = self.token(item)
            if token is None:
                return None
            parts.append((name, token))
        return tuple(parts)

    def token(self, item: Any) -> Any:
        if isinstance(item, list):
            tokens = [self.token(x) for x in item]
            return None if any(t is None for t in tokens) else ("list", *tokens)
        if isinstance(item, (str, int, float, bool)) or item is None:
            return (type(item), item)
        return ("element", id(item)) if id(item) in self.ids else None


def _resource_model(resource: dict[str, Any]) -> Model:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource["resourceType"])


@cache
def _element_fields(model: Model) -> dict[str, Any]:
    """The FHIR type of each of `model`'s complex fields, by JSON name (its model class
    is imported only when a value needs it); a field that may hold any resource is left
    out (its value names its own model)."""
    from fhir_core.types import FhirBase, FhirElementOrResourceBase

    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        for kind in _kinds(field.annotation):
            if (
                isinstance(kind, type)
                and issubclass(kind, FhirBase)
                and not issubclass(kind, FhirElementOrResourceBase)
            ):
                found[field.alias or name] = kind
    return found


def _kinds(annotation: Any) -> list[Any]:
    """The types inside `X | None`, `List[X]` and `Optional[List[X]]`."""
    args = get_args(annotation)
    if not args:
        return [annotation]
    return [kind for arg in args for kind in _kinds(arg)]
