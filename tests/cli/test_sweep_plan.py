"""Sweep plans: checked against the commands' own options before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsearch.errors import UsageError
from archsearch.cli import load_plan
from tests.conftest import REPO


def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    return path


def test_steps_become_commands_with_defaults_where_the_command_has_the_option(tmp_path):
    plan = load_plan(_plan(tmp_path, '''
[defaults]
seed = 3
pruner = "median"

[[step]]
run = "spaces/digits_quick.py"
trials = 12
max-failures = 2
quiet = true

[[step]]
ask = "spaces/digits_quick.py"
factor = "layers"
until_decided = true

[[step]]
report = "digits_quick"
format = "json"
study = "other"
'''))
    assert [s.describe() for s in plan.steps] == [
        "archsearch run spaces/digits_quick.py --seed 3 --pruner median --trials 12 --max-failures 2 --quiet",
        "archsearch ask spaces/digits_quick.py --seed 3 --factor layers --until-decided",
        "archsearch report digits_quick --format json --study other",
    ]


def test_the_shipped_plans_are_valid():
    for path in sorted((REPO / "search").glob("*.toml")):
        plan = load_plan(path)
        assert plan.steps
        for step in plan.steps:
            assert (REPO / step.space).is_file()


@pytest.mark.parametrize(("text", "message"), [
    ('[[step]]\nrun = "s.py"\ntrails = 3\n', r"plan.toml: step 1: `archsearch run` has no option 'trails'\. Its options: "),
    ('[[step]]\nrun = "s.py"\nask = "s.py"\n', r"step 1: give exactly one of run = \"SPACE\", ask = .* \(found run, ask\)"),
    ('[[step]]\ntrials = 3\n', r"step 1: give exactly one of .*\(found none\)"),
    ('[[step]]\nrun = "s.py"\npruner = "early"\n', r"step 1: .*'early' is not one of"),
    ('[[step]]\nrun = "s.py"\ntrials = "many"\n', r"step 1: .*'many' is not a valid integer"),
    ('[[step]]\nask = "s.py"\n', r"step 1: .*--factor"),
    ('[[step]]\nrun = "s.py"\nquiet = "yes"\n', r"quiet is a flag; write quiet = true or false"),
    ('[defaults]\nfactor_x = 1\n[[step]]\nrun = "s.py"\n', r"\[defaults\] 'factor_x' is an option of none"),
    ('[[step]\nrun = 1\n', r"plan.toml: not valid TOML"),
    ('[defaults]\nseed = 1\n', r"plan.toml: no steps"),
    ('[steps]\nrun = "s.py"\n', r"unknown table 'steps'"),
])
def test_bad_plans_are_one_line_errors_naming_the_file_and_step(tmp_path, text, message):
    with pytest.raises(UsageError, match=message) as err:
        load_plan(_plan(tmp_path, text))
    assert "\n" not in str(err.value)


def test_missing_plan(tmp_path):
    with pytest.raises(UsageError, match="no such sweep plan"):
        load_plan(tmp_path / "nope.toml")
