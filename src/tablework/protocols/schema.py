"""The shape of a protocol file: what a therapist's protocol may say, field by field.

Every model forbids unknown keys, so a typo in a protocol file is an error, not a silently
ignored line. Cross-references (a phase naming a technique, a technique naming an area) are
checked by `protocols.checks`, which can point at the exact line of the mistake.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tablework.conditions import Condition

Level = Annotated[int, Field(ge=0, le=5)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]
PointId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]
SemVer = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")]
Region = Literal["lumbar", "sacral", "lumbosacral", "thoracic", "cervical"]
PositionId = Literal["prone", "supine", "side_lying_left", "side_lying_right"]
Plane = Literal["sagittal", "frontal", "transverse"]
Motion = Literal[
    "flexion", "extension", "abduction", "adduction", "internal_rotation", "external_rotation"
]
Text = Annotated[str, Field(min_length=1)]
Surface = Literal["back", "front"]

LEVELS = range(0, 6)
"""Pressure levels: 0 is a still hold, 5 is deep and specific."""

PLANE_MOTIONS: dict[str, tuple[str, str]] = {
    "sagittal": ("flexion", "extension"),
    "frontal": ("abduction", "adduction"),
    "transverse": ("internal_rotation", "external_rotation"),
}
"""The two directions of hip motion in each plane; a complete home-care plan covers all six."""

SESSION_FACTS: dict[str, str] = {
    "positioned": "the client has been positioned this session (true/false)",
    "session_index": "which session of the episode this is, 1 for the first",
    "seconds_in_phase": "seconds since the current phase began",
    "contact_seconds_in_phase": "seconds of hands-on work in the current phase",
    "good_check_ins_in_phase": "check-ins answered 'good' in the current phase",
    "areas_worked_in_phase": "how many different areas were worked in the current phase",
    "reactive_areas": "how many areas tightened in response to touch this session",
    "settled_areas_in_phase": "how many of the phase's planned areas have settled today",
    "open_areas_in_phase": "how many of the phase's planned areas are still to be worked",
}
"""Facts the session engine offers to phase conditions; a condition may read only these."""

HISTORY_FACTS: dict[str, str] = {
    "previous_sessions": "how many earlier sessions of this client are on record",
    "reactive_areas_last_session": "how many areas tightened under touch last session",
    "pain_trend": "down, same, up or unknown: pain after against pain before last session",
    "adverse_last_session": "pain was higher after the last session than before it",
}
"""Facts about the client's earlier sessions that follow-up conditions may read."""


class Strict(BaseModel):
    """Base for protocol models: unknown keys are errors and loaded values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    """An element that says where it comes from."""

    sources: tuple[PointId, ...] = Field(
        default=(),
        description="Reference points this element encodes, e.g. [P3]. Required for every "
        "element when the protocol declares a `reference`.",
    )
    citations: tuple[Text, ...] = Field(
        default=(), description="Other published sources, in plain words (guideline, year)."
    )


class ReferencePoint(Strict):
    """One numbered point of the source the protocol was written from."""

    id: PointId = Field(description="Short id the elements cite, e.g. P7.")
    summary: Text = Field(description="The point in the protocol author's own words.")


class Reference(Strict):
    """The published work a protocol encodes, broken into citable points."""

    title: Text = Field(description="Title or description of the source.")
    author: Text = Field(description="Who published it.")
    year: int | None = Field(default=None, description="Year of publication.")
    medium: Text = Field(description="Kind of source: video, article, textbook, course.")
    points: tuple[ReferencePoint, ...] = Field(
        min_length=1, description="The points; each must be cited by an element or a note."
    )


class Metadata(Sourced):
    """Who wrote the protocol file and how others may share and adapt it."""

    authors: tuple[Text, ...] = Field(min_length=1, description="Authors of this file.")
    license: Text = Field(description="Licence of this file, e.g. CC-BY-SA-4.0.")
    sharing: Text = Field(description="How to share a variant: fork, rename, bump version.")
    contact: str | None = Field(default=None, description="Where to send improvements.")


class Note(Strict):
    """A remark on reference points that are not (or not only) encoded as elements."""

    points: tuple[PointId, ...] = Field(min_length=1, description="Points the note explains.")
    text: Text = Field(description="The explanation.")


class CoveredRegion(Sourced):
    """A body region the protocol guides work in."""

    region: Region = Field(description="One of lumbar, sacral, lumbosacral.")


class RefusedRegion(Sourced):
    """A body region the protocol will not guide, and why the therapist is told so."""

    region: Region = Field(description="The region refused.")
    reason: Text = Field(description="What the product says instead of guiding.")


class Scope(Sourced):
    """What the protocol covers and what it refuses."""

    condition: Text = Field(description="The presenting problem, in a therapist's words.")
    covers: tuple[CoveredRegion, ...] = Field(min_length=1, description="Regions covered.")
    refuses: tuple[RefusedRegion, ...] = Field(default=(), description="Regions refused.")


class Principle(Sourced):
    """A rule of thumb the therapist should keep in mind throughout."""

    id: Slug = Field(description="Unique id.")
    text: Text = Field(description="The principle, plainly.")


class Support(Sourced):
    """A pillow, bolster or other support used in positioning."""

    id: Slug = Field(description="Unique id, e.g. hip_pillow_asis.")
    name: Text = Field(description="What the therapist calls it.")
    placement: Text = Field(description="Where it goes and how to check it.")
    client_adjusts: bool = Field(
        default=False, description="Invite the client to adjust it until comfortable."
    )
    emphasize_for: tuple[Slug, ...] = Field(
        default=(), description="Intake answers that make this support especially useful."
    )


class Position(Sourced):
    """A way to place the client on the table."""

    id: PositionId = Field(description="prone, supine, side_lying_left or side_lying_right.")
    name: Text = Field(description="Plain name.")
    description: Text = Field(description="How to set it up and why.")
    supports: tuple[Slug, ...] = Field(default=(), description="Ids of supports it uses.")
    preference: int = Field(ge=1, description="1 is tried first; larger numbers later.")
    surfaces: tuple[Surface, ...] = Field(
        default=("back",), description="Body surfaces the therapist can reach: back, front."
    )
    down_side: Literal["left", "right"] | None = Field(
        default=None, description="For side-lying: the side lying on the table (out of reach)."
    )

    def reaches(self, area: Area) -> bool:
        """Whether the therapist can work `area` with the client in this position."""
        return area.surface in self.surfaces and area.side != self.down_side


class Area(Sourced):
    """A body region that can be worked, such as the left lumbar paraspinals."""

    id: Slug = Field(description="Unique id, e.g. lumbar-paraspinals-left.")
    name: Text = Field(description="Plain name.")
    side: Literal["left", "right", "midline"] = Field(description="Side of the body.")
    surface: Surface = Field(default="back", description="back or front of the body.")
    role: Literal["primary", "guarding", "deferred"] = Field(
        description="primary: the painful area; guarding: muscles that protect it and are "
        "soothed first; deferred: left for later sessions."
    )


class Technique(Sourced):
    """A way of applying touch, with where, how hard and from which session it is allowed."""

    id: Slug = Field(description="Unique id, e.g. broad-gliding.")
    name: Text = Field(description="Plain name.")
    description: Text = Field(description="How it is done, in a therapist's words.")
    broad: bool = Field(description="Broad and non-specific (suits the start of work).")
    levels: tuple[Level, ...] = Field(min_length=1, description="Pressure levels allowed (0-5).")
    areas: tuple[Slug, ...] = Field(min_length=1, description="Ids of areas it may be used on.")
    positions: tuple[PositionId, ...] = Field(
        default=(), description="Positions it needs; empty means any position."
    )
    earliest_session: int = Field(default=1, ge=1, description="First session it is allowed.")
    deferral_reason: str | None = Field(
        default=None, description="Why it waits until `earliest_session` (shown when refused)."
    )
    optional: bool = Field(default=False, description="Offered as an option, not a step.")
    not_while_reactive: bool = Field(
        default=False, description="Refused while any area is reactive this session."
    )
    contraindications: tuple[Slug, ...] = Field(
        default=(), description="Intake answers or screening modifications that rule it out."
    )


class Phase(Sourced):
    """One stage of the session, from positioning to closing."""

    id: Slug = Field(description="Unique id.")
    name: Text = Field(description="Plain name.")
    goal: Text = Field(description="What the therapist is trying to achieve in it.")
    areas: tuple[Slug, ...] = Field(default=(), description="Ids of areas worked, in order.")
    techniques: tuple[Slug, ...] = Field(default=(), description="Ids of techniques used.")
    max_level: Level = Field(default=5, description="Highest level in this phase.")
    exit: Condition | None = Field(
        default=None,
        description="When the phase is done before every planned area has settled "
        "(facts: see SESSION_FACTS). A phase is always done once no planned area is open.",
    )
    from_session: int = Field(default=1, ge=1, description="First session that has this phase.")
    positions: tuple[PositionId, ...] = Field(
        default=(),
        description="Positions this phase's work is done in, best first; empty means any. "
        "When none of its areas can be reached, the guide suggests the first allowed one.",
    )
    revisit: bool = Field(
        default=False,
        description="Work areas again even if they settled earlier (a closing pass); the "
        "phase then ends on its exit condition.",
    )


class CheckInPolicy(Sourced):
    """How often to ask the client about pressure."""

    interval_seconds: int = Field(default=180, gt=0, description="Seconds of contact between.")
    after_change_seconds: int = Field(
        default=30, ge=0, description="A check-in is due this many seconds after a change."
    )
    on_change: tuple[Literal["area", "technique", "level"], ...] = Field(
        default=("area", "technique", "level"), description="Changes that call for a check-in."
    )


class LevelCap(Strict):
    """The highest level allowed from a given session on."""

    from_session: int = Field(ge=1, description="First session the cap applies to.")
    max_level: Level = Field(description="Highest level allowed.")


class EscalationPolicy(Sourced):
    """How pressure may build up during a session."""

    start_level: Level = Field(description="Level of the first work.")
    max_level_by_session: tuple[LevelCap, ...] = Field(
        min_length=1, description="Caps by session; the first must start at session 1."
    )
    step: int = Field(default=1, ge=1, le=5, description="Levels gained per increase.")
    good_check_ins_required: int = Field(
        ge=1, description="Consecutive 'good' check-ins, without tightening, before going up."
    )
    min_seconds_at_level: int = Field(ge=0, description="Contact time at a level before going up.")


class ReactivityRule(Sourced):
    """What to do when an area tightens in response to touch."""

    action: Literal["stop_area"] = Field(description="Stop working the area.")
    for_rest_of_session: bool = Field(description="Keep it off-limits until the session ends.")
    list_in_note: bool = Field(description="Name it as reactive in the session note.")
    next_session_level: Level | None = Field(
        default=None,
        description="Next session, an area that was reactive starts at this level and stays "
        "there until it settles.",
    )


class SettlingRule(Sourced):
    """When an area counts as settled: accepted pressure for long enough, no tightening."""

    good_check_ins: int = Field(
        default=2, ge=1, description="Check-ins answered good (or deeper) while working it."
    )
    contact_seconds: int = Field(default=120, ge=0, description="Seconds of contact on it.")


class SafetyRoutine(Sourced):
    """When pain during the session stops an area or ends the session (CLINICAL.md 9)."""

    pain_rise_points: int = Field(
        default=2, ge=1, le=10, description="A rise of this many points above the start."
    )
    pain_stop_at: int = Field(
        default=8, ge=1, le=10, description="Or any rating this high, above the start."
    )
    end_after_rises: int = Field(
        default=2, ge=1, description="Such rises in one session that end it early."
    )
    end_after_reactive: int = Field(
        default=3, ge=1, description="Areas tightening in one session that end it early."
    )


class FollowUp(Sourced):
    """Something planned for a later session."""

    id: Slug = Field(description="Unique id.")
    title: Text = Field(description="Short title for the care plan.")
    description: Text = Field(description="What to do and when it is appropriate.")
    from_session: int = Field(ge=1, description="Earliest session it belongs to.")
    techniques: tuple[Slug, ...] = Field(default=(), description="Ids of techniques involved.")
    areas: tuple[Slug, ...] = Field(default=(), description="Ids of areas involved.")
    when: Condition | None = Field(
        default=None,
        description="Only when this holds over the client's earlier sessions "
        "(facts: see HISTORY_FACTS); its areas then join the day's plan.",
    )


class Dose(Strict):
    """How much of a home stretch to do."""

    hold_seconds: tuple[int, int] = Field(description="Hold range in seconds, e.g. [10, 30].")
    repetitions: tuple[int, int] = Field(description="Repetitions range, e.g. [2, 4].")
    frequency: Text = Field(description="How often, e.g. daily or 2-3 days a week.")
    older_adult_hold_seconds: tuple[int, int] | None = Field(
        default=None, description="Hold range for older adults (screening: older_adult)."
    )


class Exercise(Sourced):
    """A home stretch, with the plane and direction of hip motion it trains."""

    id: Slug = Field(description="Unique id.")
    name: Text = Field(description="Name the client will recognise.")
    plane: Plane = Field(description="sagittal, frontal or transverse.")
    motion: Motion = Field(description="Hip motion the stretch moves into; must suit `plane`.")
    lengthens: Text = Field(description="What the client should feel stretching.")
    instructions: Text = Field(description="How to do it, in the client's words.")
    dose: Dose = Field(description="Hold, repetitions and frequency.")
    acute_safe: bool = Field(description="Gentle enough while the episode is acute.")
    posture: Literal["supine", "side_lying", "seated", "standing", "kneeling"] = Field(
        description="How the client lies, sits or stands for it (supine ones are left out "
        "from 20 weeks of pregnancy)."
    )
    loads_spinal_flexion: bool = Field(
        default=False, description="Curls the spine under load (left out for osteoporosis)."
    )
    caution: str | None = Field(default=None, description="What to watch for or avoid.")


class ResponderRule(Strict):
    """When a session or course counts as having helped."""

    min_drop_points: float = Field(gt=0, description="Pain drop in points that counts.")
    min_drop_percent: float = Field(gt=0, le=100, description="Or a drop of this % of baseline.")


class OutcomeSettings(Sourced):
    """How the protocol's effect is measured."""

    pain_scale: Literal["nprs-0-10"] = Field(description="The pain scale used.")
    loinc: Text = Field(description="LOINC code for the pain rating, 72514-3.")
    responder: ResponderRule = Field(description="Responder threshold.")


class Protocol(Strict):
    """A complete treatment protocol, as one YAML file."""

    id: Slug = Field(description="Unique slug, e.g. acute-low-back-spasm.")
    version: SemVer = Field(description="Semantic version; sessions pin id@version.")
    status: Literal["draft", "active", "retired"] = Field(description="Lifecycle status.")
    title: Text = Field(description="Title shown to therapists.")
    summary: Text = Field(description="One paragraph on what the protocol is for.")
    metadata: Metadata = Field(description="Authors, licence and sharing.")
    reference: Reference | None = Field(default=None, description="Source it encodes.")
    scope: Scope = Field(description="Regions covered and refused.")
    screening_ruleset: Slug | None = Field(
        default=None, description="Id of the screening ruleset an intake must pass first."
    )
    principles: tuple[Principle, ...] = Field(default=(), description="Rules of thumb.")
    supports: tuple[Support, ...] = Field(default=(), description="Positioning supports.")
    positions: tuple[Position, ...] = Field(min_length=1, description="Client positions.")
    areas: tuple[Area, ...] = Field(min_length=1, description="Body areas.")
    techniques: tuple[Technique, ...] = Field(min_length=1, description="Techniques.")
    phases: tuple[Phase, ...] = Field(min_length=1, description="Phases, in order.")
    check_in: CheckInPolicy = Field(description="Check-in policy.")
    escalation: EscalationPolicy = Field(description="Pressure escalation policy.")
    reactivity: ReactivityRule = Field(description="What tightening under touch means.")
    settling: SettlingRule | None = Field(
        default=None, description="When an area has settled (defaults: 2 good, 120 s)."
    )
    safety: SafetyRoutine | None = Field(
        default=None, description="Pain-rise limits of the safety routine (defaults: 2, 8, 2)."
    )
    follow_up: tuple[FollowUp, ...] = Field(default=(), description="Later-session plan items.")
    home_care: tuple[Exercise, ...] = Field(default=(), description="Home stretches.")
    outcomes: OutcomeSettings = Field(description="Outcome measurement settings.")
    notes: tuple[Note, ...] = Field(default=(), description="Remarks on reference points.")

    @property
    def ref(self) -> str:
        """The `id@version` a session pins."""
        return f"{self.id}@{self.version}"

    def technique(self, technique_id: str) -> Technique | None:
        """The technique with this id, if the protocol has it."""
        return self._techniques_by_id.get(technique_id)

    def area(self, area_id: str) -> Area | None:
        """The area with this id, if the protocol has it."""
        return self._areas_by_id.get(area_id)

    def area_name(self, area_id: str) -> str:
        """The area's plain name in lower case, for sentences (the id if unknown)."""
        area = self.area(area_id)
        return sentence_case(area.name) if area else area_id

    def technique_name(self, technique_id: str) -> str:
        """The technique's plain name in lower case, for sentences (the id if unknown)."""
        technique = self.technique(technique_id)
        return sentence_case(technique.name) if technique else technique_id

    def support_name(self, support_id: str) -> str:
        """The support's plain name in lower case, for sentences (the id if unknown)."""
        support = next((s for s in self.supports if s.id == support_id), None)
        return sentence_case(support.name) if support else support_id.replace("_", " ")

    @cached_property
    def _techniques_by_id(self) -> dict[str, Technique]:
        return {t.id: t for t in self.techniques}

    @cached_property
    def _areas_by_id(self) -> dict[str, Area]:
        return {a.id: a for a in self.areas}

    @property
    def settling_rule(self) -> SettlingRule:
        """The settling rule, with defaults when the file gives none."""
        return self.settling or SettlingRule()

    @property
    def safety_routine(self) -> SafetyRoutine:
        """The safety routine's limits, with defaults when the file gives none."""
        return self.safety or SafetyRoutine()

    def max_level_for_session(self, session_index: int) -> int:
        """The escalation cap that applies to session number `session_index`."""
        caps = [c for c in self.escalation.max_level_by_session if c.from_session <= session_index]
        return caps[-1].max_level if caps else self.escalation.start_level


def sentence_case(name: str) -> str:
    """A name for the middle of a sentence: first letter lowered, acronyms (SI, ASIS) kept."""
    return name[:1].lower() + name[1:]


MODELS: tuple[type[BaseModel], ...] = (
    Protocol,
    Metadata,
    Reference,
    ReferencePoint,
    Note,
    Scope,
    CoveredRegion,
    RefusedRegion,
    Principle,
    Support,
    Position,
    Area,
    Technique,
    Phase,
    Condition,
    CheckInPolicy,
    EscalationPolicy,
    LevelCap,
    ReactivityRule,
    SettlingRule,
    SafetyRoutine,
    FollowUp,
    Exercise,
    Dose,
    OutcomeSettings,
    ResponderRule,
)
"""Every model a protocol file is made of; docs/protocols.md documents each one."""
