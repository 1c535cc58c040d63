"""Planned follow-ups as iCalendar events, for the therapist's calendar.

After a referral nobody cleared, nothing is booked: the calendar stays empty.

Events carry no client name (calendars get shared and synced); the description names the
session's plan, and the UID is stable so re-importing updates rather than duplicates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from tablework.charting import SessionDocuments


def follow_up_calendar(
    latest: SessionDocuments | None, generated_at: datetime, zone: tzinfo = UTC
) -> bytes:
    """An iCalendar file with the follow-up planned after the client's latest session.

    The day is counted from the session's date in the clinic's time zone (`zone`).
    """
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Tablework//follow-ups//EN")
    calendar.add("version", "2.0")
    days = latest.plan.follow_up_days if latest is not None else None
    if latest is not None and days is not None:
        plan = latest.plan
        event = Event()
        served = latest.session.started_at.astimezone(zone).date()
        day = served + timedelta(days=days)
        event.add("uid", f"{latest.session.id}-follow-up@tablework")
        event.add("dtstamp", generated_at)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"Follow-up session {plan.next_session_index} (suggested)")
        focus = "; ".join(f"{f.title} ({f.why})" for f in plan.focus)
        event.add("description", f"Plan: {focus}." if focus else "Reassess.")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
