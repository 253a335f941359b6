"""Each lab reference compiles and fits as its lab did; where archsearch trains otherwise, the space file says why.

Builds (no training) every lab reference of every space that lab_tables.py has no layer table for; the others are
checked in test_references.py next to their layers, from the same build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archsearch.blocks import reference_summary, space_references
from archsearch.space import load_space
from archsearch.study import input_shape

from .lab_tables import TABLES
from .lab_training import TRAINING, compiled_settings

SPACES = Path(__file__).resolve().parents[2] / "spaces"
LAB_PAIRS = [
    (path.name, name)
    for path in sorted(SPACES.glob("*.py"))
    for name, ref in space_references(load_space(path)).items()
    if ref.lab
]
NO_TABLE = [pair for pair in LAB_PAIRS if pair[1] not in TABLES]


def expected_settings(name: str) -> dict:
    return {k: v for k, v in TRAINING[name].items() if k != "ours"}


def test_every_lab_reference_has_a_row_of_training_settings():
    assert {name for _, name in LAB_PAIRS} == set(TRAINING)


@pytest.mark.parametrize(("space", "name"), LAB_PAIRS, ids=[f"{s}:{n}" for s, n in LAB_PAIRS])
def test_every_setting_of_archsearch_is_a_deviation_the_docstring_gives_with_its_reason(space, name):
    loaded = load_space(SPACES / space)
    ref = space_references(loaded)[name]
    doc = " ".join(loaded.description.split())
    topics = {d.split(":")[0] for d in ref.deviations}
    assert TRAINING[name].get("ours", set()) <= topics, ref.deviations
    for deviation in ref.deviations:
        assert " ".join(deviation.split()) in doc, f"{space}: docstring lacks the deviation {deviation!r}"
        assert "because" in deviation or ";" in deviation, f"{space}: what, then why: {deviation!r}"


@pytest.mark.parametrize(("space", "name"), NO_TABLE, ids=[f"{s}:{n}" for s, n in NO_TABLE])
def test_reference_compiles_and_fits_as_its_lab(space, name, stand_in_data):
    import keras

    loaded = load_space(SPACES / space)
    info = reference_summary(loaded, name, *input_shape(loaded))
    got = compiled_settings(info)
    keras.backend.clear_session()
    assert got == expected_settings(name)
