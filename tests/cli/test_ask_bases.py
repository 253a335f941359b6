"""`archsearch ask`: what it refuses before anything is written (a base outside the space, a study of another
kind), and an ask whose every trial failed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.cli.test_show import REFS_REFUSED, REFS_SPACE


def _invoke(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


def _one_line(result, start: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("name", sorted(REFS_REFUSED))
def test_a_reference_base_outside_the_space_is_refused_as_show_refuses_it(write_space, tmp_path, name):
    # It used to run the default base (a misspelled name), fail every trial (units=32), train outside the space
    # with Optuna's warning on the terminal (learning_rate=0.5), or say Keras's words (units='64').
    space = write_space(REFS_SPACE, "refs.py")
    result = _invoke("ask", space, "--factor", "learning_rate", "--levels", "0.001,0.01", "--base", f"reference:{name}")
    _one_line(result, f"error: {space}: {REFS_REFUSED[name]}")
    assert not (tmp_path / "mlruns").exists()  # no study, no MLflow run


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"unit": 64}, "sets 'unit', which the space does not declare with these values (declared: learning_rate"),
        ({"units": 32}, "sets units=32, not one of its values (16, 64, 256); fix the file (`archsearch show "),
        ({"units": "64"}, "sets units='64', not one of its values (16, 64, 256)"),
        ({"learning_rate": 0.5}, "sets learning_rate=0.5, outside its space (float in [0.001, 0.01] (log)"),
    ],
)
def test_a_json_base_outside_the_space_is_refused_with_one_line(write_space, tmp_path, values, words):
    space = write_space(REFS_SPACE, "refs.py")
    base = tmp_path / "base.json"
    base.write_text(json.dumps(values))
    result = _invoke("ask", space, "--factor", "units", "--levels", "16,64", "--base", base)
    _one_line(result, f"error: {base} {words}")
    assert not (tmp_path / "mlruns").exists()


def test_an_added_base_outside_the_space_is_refused_before_the_study_is_read(write_space, tmp_path):
    space = write_space(REFS_SPACE, "refs.py")
    result = _invoke("ask", space, "--factor", "units", "--levels", "16,64", "--add-base", "reference:typo")
    _one_line(result, f"error: {space}: {REFS_REFUSED['typo']}")
    assert not (tmp_path / "mlruns").exists()
