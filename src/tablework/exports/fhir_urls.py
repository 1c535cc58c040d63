"""Every URL Tablework mints in FHIR: code systems, extensions, canonical resources.

All of them live under one https base that the project owns, kept here and nowhere else,
so a receiving system sees stable, resolvable names instead of private `urn:` ones.
"""

from __future__ import annotations

TABLEWORK_FHIR = "https://tablework.org/fhir"


def code_system(name: str) -> str:
    """A Tablework code system, e.g. the protocol's body areas."""
    return f"{TABLEWORK_FHIR}/CodeSystem/{name}"


def extension(name: str) -> str:
    """A Tablework extension's definition."""
    return f"{TABLEWORK_FHIR}/StructureDefinition/{name}"


def identifier_system(name: str) -> str:
    """A Tablework identifier system, e.g. the digest that names a signed note."""
    return f"{TABLEWORK_FHIR}/NamingSystem/{name}"


def canonical(resource_type: str, resource_id: str) -> str:
    """The canonical URL of a definitional resource (PlanDefinition, Questionnaire)."""
    return f"{TABLEWORK_FHIR}/{resource_type}/{resource_id}"


AREA_SYSTEM = code_system("area")
TECHNIQUE_SYSTEM = code_system("technique")
EXERCISE_SYSTEM = code_system("exercise")
SCREENING_FLAG_SYSTEM = code_system("screening-flag")
LEVEL_EXTENSION = extension("pressure-level")
EARLIEST_SESSION_EXTENSION = extension("earliest-session")
PLANE_EXTENSION = extension("plane-motion")
NOTE_DIGEST_SYSTEM = identifier_system("note-sha256")
