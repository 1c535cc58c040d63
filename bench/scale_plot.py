"""The growth plot of the scale benchmark: docs/scale-growth.svg.

    python bench/scale_plot.py --out docs/scale-growth.svg \
        --postgresql PG_10K.json PG_100K.json PG_1M.json --sqlite SQ_10K.json SQ_100K.json

Each file is one line of `bench/scale_api.py` output (one database size). Log-log: the
sessions in the database against the median wall time of each read, PostgreSQL solid,
SQLite dashed, with the targets as grey lines. Needs matplotlib (`pip install -e
'.[bench]'`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt

plt.rcParams["svg.fonttype"] = "none"  # text stays text: a smaller file

READS = {
    "history (10 sessions)": "history, 10 sessions",
    "history (200 sessions)": "history, 200 sessions",
    "fhir export (10 sessions)": "FHIR export, 10 sessions",
    "client search": "client search",
    "outcome rates (clinic)": "outcome rates, clinic-wide",
    "outcomes listing (clinic)": "outcomes listing, every session",
}
COLOURS = ["#1b6ca8", "#4f9bd0", "#c0392b", "#27ae60", "#8e44ad", "#7f8c8d"]


def load(paths: list[Path]) -> list[dict[str, Any]]:
    """The sizes measured: a --url run's line, or each size of a growing run's last line."""
    found = []
    for path in paths:
        last = json.loads(path.read_text().strip().splitlines()[-1])
        found.extend(last.get("results", [last]))
    return sorted(found, key=lambda size: int(size["sessions"]))


def plot(postgresql: list[dict[str, Any]], sqlite: list[dict[str, Any]], out: Path) -> None:
    figure, axes = plt.subplots(figsize=(8, 7))
    for (key, label), colour in zip(READS.items(), COLOURS, strict=True):
        for results, style, engine in ((postgresql, "-", "PostgreSQL"), (sqlite, "--", "SQLite")):
            points = [(r["sessions"], r[key]["median_ms"]) for r in results if key in r]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, style, color=colour, marker="o", label=f"{label} ({engine})")
    for target, text in ((100, "100 ms: one client's reads"), (500, "500 ms: clinic-wide")):
        axes.axhline(target, color="#999999", linewidth=0.8, linestyle=":")
        axes.annotate(text, (0.01, target), xycoords=("axes fraction", "data"), ha="left",
                      va="bottom", fontsize=8, color="#666666")  # fmt: skip
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("sessions in the database")
    axes.set_ylabel("median wall time of the read (ms, as the client saw it)")
    axes.set_title("Tablework reads against the database's size (owner, over HTTP)")
    axes.grid(True, which="major", linewidth=0.4, alpha=0.5)
    axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    figure.tight_layout()
    figure.savefig(out, format="svg", metadata={"Date": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/scale-growth.svg"))
    parser.add_argument("--postgresql", type=Path, nargs="*", default=[])
    parser.add_argument("--sqlite", type=Path, nargs="*", default=[])
    options = parser.parse_args()
    plot(load(options.postgresql), load(options.sqlite), options.out)


if __name__ == "__main__":
    main()
