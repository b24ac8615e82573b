"""Replay the whole fidelity corpus against a fresh emulator (`none` backend, no faults) and hold the floor.

The score table is printed at the end of the run: as a terminal summary when pytest runs in one
process, and as a UserWarning headed "emulator fidelity" (shown in pytest's warnings summary)
under xdist, whose workers' output pytest does not show. floors.json holds today's scores rounded
down, per recording, per example folder (compute/, disk/, network/, resources/), for all examples and overall; the test
fails when the emulator falls below one of them, and when a recording or an example folder scores below 95% (the
target the emulator reached). Raise the floors as gaps close with
`python emulator/tests/fidelity/replay.py --write-floors`.
"""

import json
import os
import time
import warnings
from pathlib import Path

import pytest
import replay

FLOORS = Path(__file__).with_name("floors.json")
TIME_LIMIT_S = 120
TARGET = 95.0  # % of operations matching, per recording and per example folder


class _Summary:
    def __init__(self, text):
        self.text = text

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("=", "emulator fidelity (Azure recordings and REST spec examples)")
        for line in self.text.splitlines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    emulator = replay.Emulator(tmp_path_factory.mktemp("fidelity") / "emulator")
    try:
        began = time.monotonic()
        results, hits = replay.run(emulator)
        seconds = time.monotonic() - began
    finally:
        emulator.stop()
    return results, hits, seconds


def test_the_corpus_replays_at_or_above_its_floors(replayed, request):
    results, hits, seconds = replayed
    text = replay.table(results) + f"\nreplayed in {seconds:.1f} s; ignore rules fired: " + ", ".join(
        f"{rule} {count}" for rule, count in sorted(hits.items()))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # a built-in category: xdist's controller imports the category of a worker's warning by name
        warnings.warn(UserWarning("emulator fidelity (Azure recordings and REST spec examples)\n" + text),
                      stacklevel=1)
    else:
        request.config.pluginmanager.register(_Summary(text), "fidelity-summary")

    skipped = [f"{r.name}: {r.skipped}" for r in results if r.skipped]
    assert not skipped, "corpus files the harness could not replay:\n" + "\n".join(skipped)
    assert seconds < TIME_LIMIT_S, f"the full replay took {seconds:.0f} s"
    scores = replay.scores(results)
    floors = json.loads(FLOORS.read_text())
    below = [f"{name}: {scores.get(name, 0):.1f}% < floor {floor}%" for name, floor in sorted(floors.items())
             if scores.get(name, 0) < floor]
    assert not below, "fidelity fell below its floors (scores are % of operations matching):\n" + "\n".join(below)
    short = [f"{name}: {value:.1f}%" for name, value in sorted(scores.items())
             if name.startswith(("recording:", "examples:")) and value < TARGET]
    assert not short, f"below the {TARGET:.0f}% target:\n" + "\n".join(short)
    assert set(floors) == set(scores), "floors.json does not list the corpus; run replay.py --write-floors"
