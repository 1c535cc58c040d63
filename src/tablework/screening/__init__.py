"""Intake screening: answers -> disposition, flags, modifications and what was not asked."""

from tablework.screening.screen import Flag, ScreeningResult, screen

__all__ = ["Flag", "ScreeningResult", "screen"]
