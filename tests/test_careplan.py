"""Home-care plans cover every plane both ways, or say which directions they leave out."""

from __future__ import annotations

from tablework.documents.careplan import choose_stretches
from tablework.protocols.loader import get
from tablework.protocols.schema import PLANE_MOTIONS

PROTOCOL = get("acute-low-back-spasm")
ALL_DIRECTIONS = {(plane, motion) for plane, motions in PLANE_MOTIONS.items() for motion in motions}


def test_after_the_acute_phase_every_plane_is_covered_both_ways() -> None:
    stretches, gaps = choose_stretches(PROTOCOL, acute=False)
    assert {(x.plane, x.motion) for x in stretches} == ALL_DIRECTIONS
    assert gaps == ()


def test_while_acute_only_gentle_stretches_are_given_and_the_gaps_are_named() -> None:
    stretches, gaps = choose_stretches(PROTOCOL, acute=True)
    assert all(x.acute_safe for x in stretches)
    assert {x.id for x in stretches} == {"knee-to-chest", "supported-figure-4"}
    covered = {(x.plane, x.motion) for x in stretches}
    assert {(g.plane, g.motion) for g in gaps} == ALL_DIRECTIONS - covered
    assert all("acute phase" in g.why for g in gaps)


def test_a_protocol_without_frontal_stretches_reports_that_it_cannot_cover_them() -> None:
    no_frontal = PROTOCOL.model_copy(
        update={"home_care": tuple(x for x in PROTOCOL.home_care if x.plane != "frontal")}
    )
    _, gaps = choose_stretches(no_frontal, acute=False)
    assert {(g.plane, g.motion) for g in gaps} == {
        ("frontal", "abduction"),
        ("frontal", "adduction"),
    }
    assert all(g.why == "the protocol has no stretch for this direction" for g in gaps)
