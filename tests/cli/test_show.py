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
QUESTIONS = [Question("layers", "Does depth help?", baseline=1)]


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
    # every value at its min: 64*8+8 + 8*10+10; at its max: 64*16+16 + 16*16+16 + 16*10+10
    assert "  min                610 parameters" in out
    assert "  max              1,482 parameters" in out
    assert "Total params: 1,482" in out  # the Keras summary


def test_a_wrong_question_is_an_error_after_the_listing(write_space):
    # A question about no declared hyperparameter (or with a baseline outside its values) is what `run` refuses:
    # show lists what it can, marks the question, and ends with the same error line, exit 2 (it exited 0).
    bad = SPACE.replace(
        'QUESTIONS = [Question("layers", "Does depth help?", baseline=1)]',
        'QUESTIONS = [Question("layer", "Does depth help?"), Question("layers", "Deeper?", baseline=7)]',
    )
    path = write_space(bad, "typo.py")
    result = CliRunner().invoke(cli, ["show", "--no-summary", str(path)])
    assert result.exit_code == 2, result.output
    assert "layer: Does depth help?  [error: see below]" in result.stdout
    assert "  max              1,482 parameters" in result.stdout  # the rest is still shown
    assert result.stderr.splitlines() == [
        f"error: {path}: "
        "Question('layer') names no hyperparameter of build() (declared: layers, units_0, units_1); "
        "did you mean 'layers'?",
        f"error: {path}: "
        "Question('layers') has baseline=7, not a value of layers (int in [1, 2] step 1, default 1); "
        "set baseline to one of them.",
    ]


def test_a_builder_that_returns_no_model_is_one_line_exit_2(write_space):
    # It printed "could not build: AttributeError: 'NoneType' object has no attribute 'count_params'", exit 0.
    path = write_space('DATASET = "digits"\nINPUT = "flat"\n\ndef build(hp):\n    hp.Int("units", 8, 16)\n', "none.py")
    result = CliRunner().invoke(cli, ["show", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: {path}: build() must return a keras.Model, but returned NoneType. End build() with `return model`.\n"
    )


def test_a_builder_that_raises_with_the_default_values_exits_2(write_space):
    # Every build failed and show exited 0; `run` and `ask` stop on this build with this line.
    body = 'DATASET = "digits"\nINPUT = "flat"\n\ndef build(hp):\n    hp.Int("units", 8, 16)\n'
    body += '    raise ValueError("oops")\n'
    path = write_space(body, "raises.py")
    result = CliRunner().invoke(cli, ["show", "--no-summary", str(path)])
    assert result.exit_code == 2, result.output
    assert "default   could not build: ValueError: oops" in result.stdout
    assert result.stderr == f"error: {path}:6: build() with the default values raised ValueError: oops\n"


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


REFS_SPACE = """
DATASET = "digits"
INPUT = "flat"
REFERENCES = {
    "good": {"units": 64, "learning_rate": 0.003},
    "typo": {"unit": 64},
    "outside": {"units": 32},
    "lr_outside": {"units": 64, "learning_rate": 0.5},
    "wrongtype": {"units": "64"},
}


def build(hp, input_shape, num_classes):
    import keras

    model = keras.Sequential([keras.Input(shape=input_shape)])
    model.add(keras.layers.Dense(hp.Choice("units", [16, 64, 256]), activation="relu"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-2, sampling="log", default=3e-3)),
        loss="sparse_categorical_crossentropy",
    )
    return model
"""

# What `show --reference` and `ask --base reference:NAME` both say (tests/cli/test_ask_bases.py).
REFS_REFUSED = {
    "typo": "reference 'typo' sets 'unit', which the space does not declare with these values (declared: "
    "learning_rate, units); fix REFERENCES['typo'] in ",
    "outside": "reference 'outside' sets units=32, not one of its values (16, 64, 256); fix REFERENCES['outside']",
    "lr_outside": "reference 'lr_outside' sets learning_rate=0.5, outside its space (float in [0.001, 0.01] (log)",
    # Keras raised on it first ("expected a positive integer ... units=64"): an unexpected error, exit 1
    "wrongtype": "reference 'wrongtype' sets units='64', not one of its values (16, 64, 256); fix",
}


def test_show_reference_refuses_a_reference_outside_the_space_with_one_line(write_space):
    path = write_space(REFS_SPACE, "refs.py")
    good = CliRunner().invoke(cli, ["show", str(path), "--reference", "good"])
    assert good.exit_code == 0, good.output
    for name, words in REFS_REFUSED.items():
        result = CliRunner().invoke(cli, ["show", str(path), "--reference", name])
        assert result.exit_code == 2, (name, result.output)
        assert result.stderr.startswith(f"error: {path}: {words}") and result.stderr.count("\n") == 1, result.stderr


def test_show_reference_without_a_lab_labels_what_was_reported(write_space):
    """Cosmetic: a reference with `reported=` and no `lab=` printed `lab        : reported val accuracy 0.95`."""
    space = PITFALL_SPACE.replace(
        '"fixed": {', '"good": Reference({"out": "softmax"}, reported="val accuracy 0.95"),\n    "fixed": {'
    )
    path = write_space(space, "no_lab.py")
    result = CliRunner().invoke(cli, ["show", str(path), "--reference", "good"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "reported   val accuracy 0.95" in result.output and "lab        :" not in result.output
