"""`tablework voice recognize FILE.wav`: recognize one spoken command, offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tablework.cli.output import FormatOption, OutputFormat, fail, print_json

app = typer.Typer(help="Voice commands in the room (offline).", no_args_is_help=True)


@app.command("recognize")
def recognize_command(
    wav_path: Annotated[
        Path, typer.Argument(metavar="FILE.wav", help="One utterance: 16-bit PCM WAV.")
    ],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Recognize one spoken command; print it, or that it was not a command."""
    try:
        from tablework.voice import AudioError, Recognizer, read_wav
    except ImportError as error:
        fail(f"error: voice needs the `voice` extra (pip install 'tablework[voice]'): {error}")
    try:
        samples = read_wav(wav_path)
    except AudioError as error:
        fail(f"error: {error}")
    heard = Recognizer().recognize(samples)
    if output is OutputFormat.json:
        print_json(heard.as_json())
    elif heard.command is None:
        sys.stdout.write(f"no command (confidence {heard.confidence:.2f})\n")
    else:
        pain = f" {heard.pain}" if heard.pain is not None else ""
        sys.stdout.write(f"{heard.command}{pain} (confidence {heard.confidence:.2f})\n")
