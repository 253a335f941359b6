"""`archsearch report --labs` and the report's lab context, on a small fake study set with known truth.

The studies are written straight into Optuna (no training): a two-level ablation
from a reference, 5 seeds, a true effect of +5 points and fit times in a 2:1
ratio; a second ask step of the plan has no study (partial). The expected
effect and interval are computed here with SciPy, independently of archsearch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from archsearch.cli import cli
from archsearch.schema import Attr, StudyAttr
from tests.conftest import REPO

SPACE = """
from archsearch import Question, blocks
from archsearch.blocks import Reference

DATASET = "notmnist_standin"
INPUT = "flat"
EPOCHS = 2
QUESTIONS = [Question("units", "Do wider layers help?", baseline=8)]
REFERENCES = {
    "T-base": Reference({"units": 8}, lab="T1", reported="accuracy 0.80", reported_value=0.80,
                        pitfalls=("the lab's validation split was the last 10% of label-sorted data",)),
    "T-wide": Reference({"units": 16}, lab="T1", reported="accuracy 0.85", reported_value=0.85),
}


def build(hp, input_shape, num_classes):
    import keras

    inputs = keras.Input(shape=input_shape)
    x = blocks.dense_stack(hp, inputs, layers=1, units=hp.Choice("units", [8, 16]))
    model = keras.Model(inputs, blocks.classifier(x, num_classes, activation="softmax"))
    # the lab mistake: a softmax output trained as if it were logits
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.1, from_logits=True)
"""
SEEDS = [1000, 1001, 1002, 1003, 1004]
PARAMS = {8: 6370, 16: 12730}


@pytest.fixture
def fake(tmp_path):
    import optuna

    space = tmp_path / "tiny.py"
    space.write_text(SPACE)
    storage = f"sqlite:///{tmp_path}/labs.db"
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(study_name="tiny-ablation-units", storage=storage, direction="maximize")
    study.set_user_attr(
        StudyAttr.DESIGN,
        {
            "kind": "ablation",
            "factor": "units",
            "levels": [8, 16],
            "baseline": 8,
            "base": {},
            "seeds": SEEDS,
            "reference": "T-base",
            "dataset": "notmnist_standin",
            "epochs": 2,
            "batch_size": 32,
        },
    )
    rng = np.random.default_rng(7)
    values = {}
    for seed in SEEDS:
        common = rng.normal(0.80, 0.02)  # the seed's luck, shared by both levels (what pairing removes)
        for units, shift, secs in ((8, 0.0, 1.0), (16, 0.05, 2.0)):
            v = float(common + shift + rng.normal(0, 0.005))
            values[units, seed] = v
            fit = float(secs * 2 * math.exp(rng.normal(0, 0.02)))
            study.add_trial(
                optuna.trial.create_trial(
                    params={"units": units},
                    distributions={"units": optuna.distributions.CategoricalDistribution([8, 16])},
                    value=v,
                    user_attrs={
                        Attr.SEED: seed,
                        Attr.PARAMS_COUNT: PARAMS[units],
                        Attr.METRICS: {"val_accuracy": v, "fit_seconds": fit},
                        Attr.HISTORY: {"val_accuracy": [v - 0.1, v]},
                    },
                )
            )
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[[step]]\nask = "{space}"\nfactor = "units"\nlevels = "8,16"\nrepeats = 5\n'
        f'base = "reference:T-base"\ndataset = "notmnist_standin"\n\n'
        f'[[step]]\nask = "{space}"\nfactor = "units"\nstudy = "tiny-missing"\nlevels = "8,16"\n'
        f'repeats = 2\n\n[[step]]\nreport = "{space}"\nstudy = "tiny-ablation-units"\n'
    )
    diffs = [values[16, s] - values[8, s] for s in SEEDS]
    return space, storage, plan, diffs


def _expected_cell(diffs):
    d = np.asarray(diffs)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return f"{d.mean() * 100:+.1f} pts [{(d.mean() - half) * 100:+.1f}, {(d.mean() + half) * 100:+.1f}]"


def test_labs_document_puts_the_labs_numbers_next_to_the_paired_answer(fake):
    _space, storage, plan, diffs = fake
    result = CliRunner().invoke(cli, ["report", "--labs", str(plan), "--storage", storage], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = result.output
    row = next(line for line in doc.splitlines() if line.startswith("| T1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "Do wider layers help?" and cells[2] == "`units` 16 vs 8"
    assert cells[3] == "T-wide: accuracy 0.85; T-base: accuracy 0.80; difference +5.0 pts"
    # each level's own accuracy, with its interval over the 5 seeds (computed here with SciPy)
    level, base = (_mean_ci([v for (u, _), v in fake_values(fake).items() if u == units]) for units in (16, 8))
    assert cells[4] == f"{level} / {base}"
    assert cells[5] == _expected_cell(diffs)  # a single question: Holm leaves the one interval as it is
    assert cells[6] == "helps" and cells[7] == "5 / 5 (decided)"
    assert cells[8].startswith("**STAND-IN** `notmnist_standin` (not notmnist)")
    # the question's section: the verdict line, parameters, fit time, training settings, the lab's mistakes
    section = doc[doc.index("## T1: Do wider layers help?") :]
    assert "- `units` 16 vs 8: helps" in section and "Parameters 12,730 vs 6,370." in section
    ratio, low, high = (float(x.strip("x[],")) for x in section.split("Fit time per epoch ")[1].split()[:3])
    assert low < 2.0 < high and abs(ratio - 2.0) < 0.05
    assert "Training here: 2 epochs, batch 32." in section
    # the missing study is a partial result, said so at the top and in its row
    assert "**PARTIAL:** 1 of 2 questions" in doc and "`tiny-missing` not run (0 of 4 trials)" in doc
    assert "(not run)" in doc
    # pitfalls: the one the reference names, and the one visible in the built model
    assert "label-sorted" in doc and "trains exactly as with the matched loss" in doc
    assert "STAND-IN for notMNIST, not notMNIST" in doc
    assert "Generated:" in doc and "CPUs" in doc and "Trials ran: 20" in doc
    # no per-example correctness in these trials: the one comparison is answered on validation, and says so
    assert "- Comparisons: 1 on the validation split (seeds only (example noise not included))" in doc


def fake_values(fake) -> dict:
    import optuna

    _, storage, _, _ = fake
    study = optuna.load_study(study_name="tiny-ablation-units", storage=storage)
    return {(t.params["units"], t.user_attrs[Attr.SEED]): t.value for t in study.get_trials()}


def _mean_ci(values) -> str:
    v = np.asarray(values)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return f"{v.mean():.3f} [{v.mean() - half:.3f}, {v.mean() + half:.3f}]"


def test_labs_json_has_the_same_rows(fake):
    import json

    _, storage, plan, diffs = fake
    result = CliRunner().invoke(
        cli, ["report", "--labs", str(plan), "--storage", storage, "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    done, missing = doc["rows"]
    assert (done["status"], missing["status"]) == ("done", "not run") and done["lab"] == "T1"
    (c,) = done["comparisons"]
    assert (c["level"], c["baseline"], c["decision"], c["seeds"]) == ("16", "8", "helps", 5)
    assert abs(c["effect"]["diff"] - float(np.mean(diffs))) < 1e-9
    assert c["lab_reported"]["difference"] == pytest.approx(0.05)
    assert c["level_accuracy"]["mean"] > c["baseline_accuracy"]["mean"]
    assert done["training"]["reference"] == "T-base" and done["data"]["stand_in_for"] == "notmnist"
    assert any("trains exactly as with the matched loss" in p["text"] for p in done["pitfalls"])


def test_a_row_is_labelled_with_the_lab_task_of_the_level_it_asks(tmp_path):
    from archsearch.report import LabAsk, labs_rows

    ask = LabAsk(
        str(REPO / "spaces" / "notmnist_conv_vs_pool.py"),
        "block_type_1",
        "none-here",
        ("conv", "pool"),
        3,
        "reference:L3-two-conv",
        "notmnist_standin",
    )
    (row,) = labs_rows([ask], f"sqlite:///{tmp_path}/empty.db")
    # the base is the T1 net, but replacing its convolution with pooling (L3-conv-pool) is lab task T2
    assert row["status"] == "not run" and row["lab"] == "L3-T2"
    assert row["training"]["lab"].startswith("SGD lr 0.1 without momentum")
    assert any(d.startswith("fit loop:") for d in row["training"]["archsearch"])


def test_labs_needs_ask_steps(tmp_path):
    plan = tmp_path / "p.toml"
    plan.write_text('[[step]]\nreport = "spaces/digits_quick.py"\n')
    result = CliRunner().invoke(cli, ["report", "--labs", str(plan)])
    assert result.exit_code == 2 and "no ask step" in result.output


def test_study_report_names_the_reference_its_pitfalls_the_stand_in_and_time(fake):
    from archsearch.report import build_report

    space, storage, _, _ = fake
    rep = build_report(space, study_name="tiny-ablation-units", storage=storage, importance_resamples=0)
    data = rep.to_dict()
    lab = data["lab"]
    assert lab["reference"] == "T-base" and lab["dataset"]["stand_in_for"] == "notmnist"
    by_name = {r["name"]: r for r in lab["references"]}
    assert by_name["T-wide"]["level"] == "16" and by_name["T-base"]["level"] == "8"
    assert any("trains exactly as with the matched loss" in p for p in by_name["T-base"]["pitfalls"])
    (t,) = data["questions"][0]["time_effects"]
    # the fake trials carry no epoch_seconds (as studies recorded before epochs were timed): whole fits per epoch
    assert (
        t["measure"] == "seconds per epoch, first included"
        and t["ci_low"] < 2.0 < t["ci_high"]
        and t["verdict"] == "slower"
    )
    md = rep.to_markdown()
    assert (
        "**Stand-in data:**" in md
        and "Pitfall of `T-base`" in md
        and "Fit time (seconds per epoch, first included), 16 / 8" in md
    )
