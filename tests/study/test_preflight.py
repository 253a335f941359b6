"""study/_preflight.py: a space's QUESTIONS checked against what its builder declares, before any trial."""

from __future__ import annotations

import pytest

from archsearch import Question
from archsearch.errors import SpaceError
from archsearch.space import Param, load_space
from archsearch.study._preflight import check_questions, question_error

UNITS = Param.make_choice("units", [16, 64])
LAYERS = Param.make_int("layers", 1, 3)
DECLARED = {"units": UNITS, "layers": LAYERS}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A misspelled name trained anyway and printed "unit: only one level tried".
        (
            Question("unit", "Wider?"),
            "Question('unit') names no hyperparameter of build() (declared: layers, units); did you mean 'units'?",
        ),
        (Question("zzz", "?"), "Question('zzz') names no hyperparameter of build() (declared: layers, units); name"),
        # A baseline outside the values was accepted and the comparison quietly used other levels.
        (Question("units", "Wider?", baseline=32), "Question('units') has baseline=32, not a value of units (one of"),
        (Question("layers", "Deeper?", baseline=7), "Question('layers') has baseline=7, not a value of layers (int in"),
        (Question("layers", "Deeper?", baseline="2"), "Question('layers') has baseline='2', not a value of layers"),
    ],
)
def test_a_wrong_question_is_described_in_one_line(question, expected):
    error = question_error(question, DECLARED)
    assert error is not None and error.startswith(expected) and "\n" not in error


@pytest.mark.parametrize("question", [Question("units", "?", baseline=64), Question("layers", "?", baseline=3.0)])
def test_a_question_on_a_declared_value_passes(question):
    assert question_error(question, DECLARED) is None
    assert question_error(Question(question.param, "?"), DECLARED) is None  # no baseline: the lowest level


def test_a_conditional_hyperparameter_is_looked_for_beyond_the_default_build(write_space):
    # units_2 exists only with layers=3: the default build (layers=1) does not declare it, the max build does.
    path = write_space(
        "from archsearch import Question\n"
        "QUESTIONS = [Question('units_2', 'Wider third layer?', baseline=16)]\n"
        "def build(hp, input_shape, num_classes):\n    import keras\n"
        "    model = keras.Sequential([keras.Input(input_shape)])\n"
        "    for i in range(hp.Int('layers', 1, 3)):\n"
        "        model.add(keras.layers.Dense(hp.Choice(f'units_{i}', [16, 32])))\n"
        "    model.add(keras.layers.Dense(num_classes))\n    return model\n"
    )
    space = load_space(path)
    seen = check_questions(space, {"layers": LAYERS}, (64,), 10)
    assert "units_2" in seen
    typo = load_space(write_space(path.read_text().replace("'units_2'", "'units_3'"), "typo.py"))
    with pytest.raises(SpaceError, match=r"typo\.py: Question\('units_3'\) .*units_0, units_1, units_2\)"):
        check_questions(typo, {"layers": LAYERS}, (64,), 10)
