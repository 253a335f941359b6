"""`ask --match-size` and `--base reference:NAME`: levels at the same size, questions from the lab's own model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archsearch.ablation import SIZE_TOLERANCE, match_sizes, plan_ablation
from archsearch.cli import cli
from archsearch.errors import UsageError
from archsearch.space import FixedHyperParameters, load_space

SPACES = Path(__file__).resolve().parents[2] / "spaces"

DENSE = '''
"""Depth and width of a dense net on digits, with a lab-style reference."""
from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "digits"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 64
QUESTIONS = [Question("layers", "Does depth help?", baseline=1)]
REFERENCES = {"small": Reference({"layers": 1, "units": 64}, epochs=1, batch_size=16)}


def build(hp, input_shape, num_classes):
    import keras
    inputs = keras.Input(input_shape)
    x = blocks.dense_stack(hp, inputs, layers=(1, 4), units=(8, 256), per_layer=False)
    return keras.Model(inputs, blocks.classifier(x, num_classes))
'''


def _count(space, values) -> int:
    import keras

    count = space.call_build(FixedHyperParameters(values), (64,), 10).count_params()
    keras.backend.clear_session()
    return count


def test_match_size_puts_every_level_within_five_percent_of_the_baseline(write_space):
    space = load_space(write_space(DENSE, "dense.py"))
    plan = plan_ablation(space, "layers", levels="1,2,3,4", repeats=1, base="reference:small", match_size="auto")
    assert plan.matched["adjusted"] == "units"
    target = _count(space, {"layers": 1, "units": 64})
    counts = {}
    for params, _ in plan.pairs:  # what will actually be trained, rebuilt and counted here
        counts[params["layers"]] = _count(space, params)
    assert set(counts) == {1, 2, 3, 4} and counts[1] == target
    assert all(abs(c - target) / target <= SIZE_TOLERANCE for c in counts.values()), counts
    assert len({params["units"] for params, _ in plan.pairs}) == 4  # width really changed with depth
    assert plan.design()["matched_size"]["levels"]["4"]["params"] == counts[4]


def test_match_size_holds_the_lab_depth_question_at_l4_base_size():
    space = load_space(SPACES / "cifar_alexnet.py")
    found = match_sizes(space, "blocks", [3, 4, 5], 3, {"model": "cnn", "filters": 32}, "filters")
    assert found["3"]["params"] == 125_258
    for level in ("4", "5"):
        assert abs(found[level]["params"] - 125_258) / 125_258 <= SIZE_TOLERANCE
        assert found[level]["value"] < 32  # deeper nets get fewer filters to keep the size


def test_match_size_that_cannot_be_reached_says_the_closest(write_space):
    space = load_space(write_space(DENSE, "dense.py"))
    with pytest.raises(UsageError, match=r"no value of layers comes within 5% .*closest: layers=1"):
        plan_ablation(space, "units", levels="64,256", repeats=1, match_size="layers")


def test_reference_base_holds_the_lab_model_and_unknown_names_are_listed(write_space):
    space = load_space(write_space(DENSE, "dense.py"))
    plan = plan_ablation(space, "layers", levels="1,2", repeats=1, base="reference:small")
    assert plan.base == {"units": 64} and plan.reference == "small"
    assert plan.design()["reference"] == "small"
    with pytest.raises(UsageError, match=r"no reference 'big' \(references: small\)"):
        plan_ablation(space, "layers", levels="1,2", repeats=1, base="reference:big")


def test_ask_takes_the_run_options_instead_of_no_such_option():
    result = CliRunner().invoke(cli, ["ask", "--help"])
    for option in (
        "--dataset",
        "--epochs",
        "--seed",
        "--storage",
        "--tracking-uri",
        "--quiet",
        "--match-size",
        "reference:NAME",
    ):
        assert option in result.output


@pytest.mark.slow
def test_ask_from_a_reference_trains_with_its_epochs_and_batch_on_the_given_dataset(write_space, tmp_path):
    from archsearch.study import load_trials

    path = write_space(DENSE.replace('DATASET = "digits"', 'DATASET = "mnist"'), "dense.py")
    storage = f"sqlite:///{tmp_path}/o.db"
    result = CliRunner().invoke(
        cli,
        [
            "ask",
            str(path),
            "--factor",
            "layers",
            "--levels",
            "1,2",
            "--repeats",
            "1",
            "--base",
            "reference:small",
            "--dataset",
            "digits",
            "--storage",
            storage,
            "--tracking-uri",
            f"sqlite:///{tmp_path}/m.db",
            "-q",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    (name,) = re.findall(r"study '(dense-ablation-layers-[0-9a-f]{8})'", result.stdout)
    table = load_trials(name, storage)
    assert len(table) == 2 and set(table["state"]) == {"COMPLETE"}
    assert [len(h["val_accuracy"]) for h in table["history"]] == [1, 1]  # the reference's 1 epoch, not 3
