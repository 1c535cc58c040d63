"""schemathesis against the app's own OpenAPI: no 5xx, answers match their schemas.

Bounded: a few generated cases per operation, so it stays a few seconds of the suite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tablework.store.repo import Store
from web_helpers import build_clinic

CASES_PER_OPERATION = 2


def test_the_api_answers_as_its_openapi_says(store: Store, tmp_path: Path) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("one engine is enough for generated cases; the API tests run on both")
    clinic = build_clinic(store, tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", clinic.http.app)
    # The stream never ends; it is tested through a real server in test_web_stream.
    operations = [r.ok() for r in schema.exclude(path_regex=r"/stream$").get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        _check(operation, clinic.auth("olivia"))


def _check(operation: Any, headers: dict[str, str]) -> None:
    @given(operation.as_strategy())
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def answers_as_described(case: Any) -> None:
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    answers_as_described()
