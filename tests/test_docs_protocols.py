"""docs/protocols.md documents exactly the fields of the protocol schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from tablework.protocols.schema import MODELS, SESSION_FACTS

DOC = (Path(__file__).parent.parent / "docs" / "protocols.md").read_text()


def section(title: str) -> str:
    match = re.search(rf"^### {title}\n(.*?)(?=^### |\Z)", DOC, flags=re.S | re.M)
    assert match, f"docs/protocols.md has no '### {title}' section"
    return match.group(1)


def documented_fields(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.M))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_of_the_model_is_documented(model: type[BaseModel]) -> None:
    fields = {info.alias or name for name, info in model.model_fields.items()}
    assert documented_fields(section(model.__name__)) == fields


def test_every_documented_model_exists() -> None:
    titles = set(re.findall(r"^### (\w+)$", DOC, flags=re.M))
    assert titles == {m.__name__ for m in MODELS}


def test_every_session_fact_is_documented() -> None:
    facts_table = DOC.split("Session facts for phase conditions:")[1].split("## ")[0]
    assert documented_fields(facts_table) == set(SESSION_FACTS)
