"""Voice commands in the room: offline recognition of the small command set of DESIGN.md 10."""

from tablework.voice.audio import AudioError, read_wav
from tablework.voice.recognizer import NO_COMMAND, Recognition, Recognizer

__all__ = ["NO_COMMAND", "AudioError", "Recognition", "Recognizer", "read_wav"]
