"""Instruments a clinic installs: validated, scored, licence kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tablework.protocols.loader import ProtocolError
from tablework.screening.instruments import installed, load_file, score

FOLDER = Path(__file__).parent / "data" / "instruments"


def test_an_installed_instrument_scores_responses_into_a_band() -> None:
    instrument = load_file(FOLDER / "invented-sleep.yaml")
    result = score(instrument, {"wake": 3, "settle": 2, "morning": 1})
    assert result.scores == {"total": 6, "night": 5}
    assert result.band == "high"
    assert result.licence.startswith("Invented")
    assert score(instrument, {"wake": 1, "settle": 1, "morning": 2}).band == "medium"


@pytest.mark.parametrize(
    "responses", [{"wake": 3, "settle": 2}, {"wake": 3, "settle": 2, "morning": 4}]
)
def test_incomplete_or_out_of_range_responses_are_refused(responses: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="invented-sleep: item"):
        score(load_file(FOLDER / "invented-sleep.yaml"), responses)


def test_a_band_reading_an_unknown_score_is_rejected_with_a_line() -> None:
    with pytest.raises(ProtocolError, match=r"bad-band.yaml:\d+: .*unknown scores: distress"):
        load_file(FOLDER / "bad-band.yaml")


def test_no_folder_means_no_instruments() -> None:
    assert installed(None) == []
