"""``archsearch show``: settings, hyperparameters, questions and model sizes, without training."""

from __future__ import annotations

from click.testing import CliRunner

from archsearch.cli import cli

SPACE = '''
"""Depth and width of a dense net on digits."""
from archsearch import Question, blocks

DATASET = "digits"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 16
TRIALS = 4
QUESTIONS = [Question("layers", "Does depth help?", baseline=1), Question("nope", "Unknown?")]


def build(hp, input_shape, num_classes):
    import keras
    inputs = keras.Input(input_shape)
    x = blocks.dense_stack(hp, inputs, layers=(1, 2), units=[8, 16])
    return keras.Model(inputs, blocks.classifier(x, num_classes))
'''


def test_show_prints_settings_params_questions_and_exact_counts(write_space):
    path = write_space(SPACE, "dense.py")
    result = CliRunner().invoke(cli, ["show", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "dataset    digits: input 64 (flat), 10 classes" in out
    assert "3 epochs, batch 16" in out and "4 trials" in out
    assert "units_1  one of 8, 16, default 8; only if layers = 2" in out  # not "in (2)": one value
    assert "layers: Does depth help? (baseline 1)" in out
    assert "nope: Unknown?  [warning: no such hyperparameter]" in out
    # every value at its min: 64*8+8 + 8*10+10; at its max: 64*16+16 + 16*16+16 + 16*10+10
    assert "  min                610 parameters" in out
    assert "  max              1,482 parameters" in out
    assert "Total params: 1,482" in out  # the Keras summary


def test_show_bad_space_exits_2_with_one_line(write_space):
    path = write_space("DATASET = 'digits'\n", "nobuild.py")
    result = CliRunner().invoke(cli, ["show", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "no builder" in result.output


PITFALL_SPACE = """
from archsearch import blocks
from archsearch.blocks import Reference

DATASET = "digits"
INPUT = "flat"
REFERENCES = {
    "lab-logits": Reference({"out": "softmax", "logits": True}, lab="T", reported="accuracy 0.11",
                            pitfalls=("the lab's validation split was the last 10% of label-sorted data, so its "
                                      "validation accuracy was 0.0",)),
    "fixed": {"out": "softmax", "logits": False},
    "sigmoid-out": {"out": "sigmoid", "logits": False},
}


def build(hp, input_shape, num_classes):
    import keras
    inputs = keras.Input(input_shape)
    x = blocks.dense_stack(hp, inputs, layers=1, units=8)
    model = keras.Model(inputs, blocks.classifier(x, num_classes, activation=hp.Choice("out", ["softmax", "sigmoid"])))
    return blocks.compile_model(hp, model, optimizer_name="sgd", learning_rate=0.1,
                                from_logits=hp.Boolean("logits", default=False))
"""


def test_show_reference_names_each_lab_mistake_and_what_it_does(write_space):
    path = write_space(PITFALL_SPACE, "lab_space.py")
    runner = CliRunner()
    shown = {
        name: runner.invoke(cli, ["show", str(path), "--reference", name], catch_exceptions=False)
        for name in ("lab-logits", "fixed", "sigmoid-out")
    }
    assert all(r.exit_code == 0 for r in shown.values()), {n: r.output for n, r in shown.items()}
    logits = shown["lab-logits"].output
    assert "pitfalls" in logits and "from_logits=True" in logits and "trains exactly as with the matched loss" in logits
    assert "label-sorted" in logits and "validation accuracy was 0.0" in logits  # named by the reference
    assert "pitfalls (" not in shown["fixed"].output  # the same model compiled right has none
    assert "sigmoid trained with categorical cross-entropy" in shown["sigmoid-out"].output


LOOP_SPACE = '''
"""Units per layer declared in a plain loop (no keras-tuner condition)."""
DATASET = "digits"
INPUT = "flat"


def build(hp, input_shape, num_classes):
    import keras
    model = keras.Sequential([keras.Input(input_shape)])
    for i in range(hp.Int("layers", 1, 3, default=1)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 4, 8, step=4), activation="relu"))
    if hp.Boolean("extra", default=False) and hp.Choice("kind", ["b", "a"]) == "a":
        model.add(keras.layers.Dense(hp.Int("extra_units", 2, 4, step=2)))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile("adam", "sparse_categorical_crossentropy")
    return model
'''


def test_show_says_when_a_hyperparameter_the_builder_declares_in_a_loop_or_if_is_declared(write_space):
    path = write_space(LOOP_SPACE, "loop.py")
    result = CliRunner().invoke(cli, ["show", str(path), "--no-summary"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert lines["units_0"].endswith("default 4")  # the default build declares it
    assert lines["units_1"].endswith("; declared only when layers in (2, 3)")
    assert lines["units_2"].endswith("; declared only when layers = 3")
    assert lines["kind"].endswith("; declared only when extra = True")
    assert lines["extra_units"].endswith("; declared only in some architectures")  # extra = True and kind = 'a'


def test_show_reference_without_a_lab_labels_what_was_reported(write_space):
    """Cosmetic: a reference with `reported=` and no `lab=` printed `lab        : reported val accuracy 0.95`."""
    space = PITFALL_SPACE.replace(
        '"fixed": {', '"good": Reference({"out": "softmax"}, reported="val accuracy 0.95"),\n    "fixed": {'
    )
    path = write_space(space, "no_lab.py")
    result = CliRunner().invoke(cli, ["show", str(path), "--reference", "good"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "reported   val accuracy 0.95" in result.output and "lab        :" not in result.output
