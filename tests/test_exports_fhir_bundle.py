"""The client's FHIR Bundle: the whole record, valid R4 JSON and valid for the R4B models."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from export_helpers import CLIENT_NAME, SIGNER, signed_session
from fhir_schema import r4_errors
from tablework.demo import fill
from tablework.exports.fhir_bundle import client_bundle
from tablework.exports.fhir_note import note_text
from tablework.exports.fhir_record import load_record
from tablework.exports.fhir_urls import TABLEWORK_FHIR
from tablework.store import notes
from tablework.store.repo import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OUTSIDE_SYSTEMS = (
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://terminology.hl7.org/CodeSystem/",
    "http://hl7.org/fhir/StructureDefinition/",
    "urn:iso-astm:E1762-95:2013",
)


def bundle_of(store: Store, client_id: str) -> dict[str, Any]:
    return client_bundle(load_record(store, store.client(client_id)), NOW)


def of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_url(bundle: dict[str, Any], full_url: str) -> dict[str, Any]:
    resource: dict[str, Any] = next(
        e["resource"] for e in bundle["entry"] if e["fullUrl"] == full_url
    )
    return resource


def attachment(document: dict[str, Any], content_type: str) -> bytes:
    found = next(
        c["attachment"]
        for c in document["content"]
        if c["attachment"]["contentType"] == content_type
    )
    return base64.b64decode(found["data"])


def named_urls(value: Any) -> Iterator[str]:
    """Every code system and extension URL in a resource tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("system", "url") and isinstance(item, str) and "resourceType" not in value:
                yield item
            yield from named_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from named_urls(item)


def empty_values(value: Any, path: str = "") -> Iterator[str]:
    """Paths to empty arrays, objects and strings, which FHIR JSON does not allow."""
    if value in ([], {}, ""):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from empty_values(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from empty_values(item, f"{path}/{index}")


def link_ids(items: list[dict[str, Any]]) -> Iterator[str]:
    for item in items:
        yield item["linkId"]
        yield from link_ids(item.get("item", []))


@pytest.fixture
def demo(store: Store) -> Store:
    fill(store, NOW)
    return store


@pytest.fixture
def signed(store: Store) -> tuple[Store, str]:
    session_id = signed_session(store, NOW, addenda=("Follow-up call: 好多了.",))
    return store, session_id


def test_every_demo_bundle_is_valid_r4_json_and_valid_for_the_r4b_models(demo: Store) -> None:
    for client in demo.clients():
        bundle = bundle_of(demo, client.id)
        assert r4_errors(bundle) == [], client.display_name
        assert list(empty_values(bundle)) == [], client.display_name
        parsed = Bundle.model_validate_json(json.dumps(bundle))
        assert parsed.model_dump(mode="json", by_alias=True, exclude_none=True) == bundle


def test_the_schema_check_rejects_what_r4_does_not_allow(demo: Store) -> None:
    bundle = bundle_of(demo, demo.clients()[0].id)
    of_type(bundle, "Encounter")[0]["status"] = "done"
    of_type(bundle, "Patient")[0]["nickname"] = "Robbie"
    errors = r4_errors(bundle)
    assert any("status" in e and "'done'" in e for e in errors)
    assert any("'nickname' was unexpected" in e for e in errors)


def test_the_signed_note_travels_with_its_signer_and_signature(signed: tuple[Store, str]) -> None:
    store, session_id = signed
    note = notes.current(store, session_id)
    assert note is not None and note.digest is not None
    bundle = bundle_of(store, store.session(session_id).client_id)
    assert r4_errors(bundle) == []
    document, addendum = of_type(bundle, "DocumentReference")
    assert document["docStatus"] == "final"
    assert attachment(document, "text/plain; charset=utf-8").decode() == note_text(note)
    assert CLIENT_NAME in json.dumps(of_type(bundle, "Patient"), ensure_ascii=False)
    signed_bytes = attachment(document, "application/json")
    assert hashlib.sha256(signed_bytes).hexdigest() == note.digest
    assert document["masterIdentifier"]["value"] == note.digest
    (provenance,) = of_type(bundle, "Provenance")
    note_url = provenance["target"][0]["reference"]
    assert by_url(bundle, note_url) == document
    signer = by_url(bundle, provenance["signature"][0]["who"]["reference"])
    assert signer == {"resourceType": "Practitioner", "name": [{"text": SIGNER}]}
    assert document["authenticator"] == provenance["agent"][0]["who"]
    assert addendum["relatesTo"] == [{"code": "appends", "target": {"reference": note_url}}]
    assert attachment(addendum, "text/plain; charset=utf-8").decode() == "Follow-up call: 好多了."


def test_answers_point_at_the_intake_questionnaire_in_the_bundle(demo: Store) -> None:
    for client in demo.clients():
        bundle = bundle_of(demo, client.id)
        (questionnaire,) = of_type(bundle, "Questionnaire")
        asked = set(link_ids(questionnaire["item"]))
        for response in of_type(bundle, "QuestionnaireResponse"):
            assert response["questionnaire"] == questionnaire["url"]
            assert set(link_ids(response["item"])) <= asked


def test_procedure_and_care_plan_instantiate_the_plan_definition(demo: Store) -> None:
    bundle = bundle_of(demo, demo.clients()[0].id)
    (plan,) = of_type(bundle, "PlanDefinition")
    assert plan["url"].startswith(f"{TABLEWORK_FHIR}/PlanDefinition/")
    canonical = f"{plan['url']}|{plan['version']}"
    for kind in ("Procedure", "CarePlan"):
        assert all(r["instantiatesCanonical"] == [canonical] for r in of_type(bundle, kind))


def test_every_system_and_extension_is_ours_under_one_https_base_or_a_standard_one(
    demo: Store,
) -> None:
    for client in demo.clients():
        bundle = bundle_of(demo, client.id)
        assert "urn:tablework" not in json.dumps(bundle)
        for url in named_urls(bundle["entry"]):
            assert url.startswith((f"{TABLEWORK_FHIR}/", *OUTSIDE_SYSTEMS)), url


def test_referrals_become_service_requests(demo: Store) -> None:
    requests = {
        client.display_name: of_type(bundle_of(demo, client.id), "ServiceRequest")
        for client in demo.clients()
    }
    referred = {name: found for name, found in requests.items() if found}
    assert len(referred) == 2
    by_priority = {found[0]["priority"]: found[0] for found in referred.values()}
    assert by_priority["stat"]["status"] == "active"  # emergency: not cleared
    assert by_priority["urgent"]["status"] == "completed"  # urgent: a doctor cleared them
    assert all(r["reasonCode"] and r["intent"] == "proposal" for r in by_priority.values())
