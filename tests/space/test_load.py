"""Loading space files: settings, questions, and one-line errors for bad files."""

from __future__ import annotations

import pytest

from archsearch import Question, SpaceError, load_space
from tests.conftest import SPACES, TINY_SPACE


def test_loads_settings_questions_and_hash(tiny_space):
    space = load_space(tiny_space)
    assert space.name == "tiny"
    assert (space.dataset, space.input, space.epochs, space.batch_size, space.trials) == ("digits", "flat", 1, 64, 2)
    assert (space.objective, space.direction) == ("val_accuracy", "maximize")
    assert space.questions == [Question("units", "Do more units help?", baseline=8)]
    assert len(space.sha256) == 64
    assert space.description.startswith("A tiny dense space")


def test_loss_objective_minimizes_by_default(write_space):
    path = write_space(TINY_SPACE + '\nOBJECTIVE = "val_loss"\n')
    assert load_space(path).direction == "minimize"


def test_shipped_quick_space_loads():
    space = load_space(SPACES / "digits_quick.py")
    assert space.dataset == "digits" and space.questions


def test_keras_tuner_build_model_is_accepted(write_space):
    path = write_space("def build_model(hp):\n    return None\n")
    assert load_space(path).build.__name__ == "build_model"


def test_build_receives_only_the_arguments_it_names(write_space):
    path = write_space("def build(hp, num_classes):\n    return (hp, num_classes)\n")
    assert load_space(path).call_build("HP", (4,), 3) == ("HP", 3)


def test_questions_as_dict(write_space):
    path = write_space(
        TINY_SPACE.replace(
            'QUESTIONS = [Question("units", "Do more units help?", baseline=8)]',
            'QUESTIONS = {"units": "Do more units help?"}',
        )
    )
    assert load_space(path).questions == [Question("units", "Do more units help?")]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("def build(hp):\n    return (\n", r"space\.py:\d+: syntax error"),
        ("X = 1\n", r"space\.py: no builder\. Define `def build"),
        ("raise RuntimeError('boom')\ndef build(hp): pass\n", r"space\.py:1: the space file raised RuntimeError: boom"),
        ("EPOCHS = 0\ndef build(hp): pass\n", r"EPOCHS must be a positive integer, but got 0"),
        ("INPUT = 'vector'\ndef build(hp): pass\n", r"INPUT must be one of flat, image, but got 'vector'"),
        ("DIRECTION = 'up'\ndef build(hp): pass\n", r"DIRECTION must be 'min', 'max', 'minimize' or 'maximize'"),
        ("IMAGE_SIZE = (28,)\ndef build(hp): pass\n", r"IMAGE_SIZE must be \(height, width\)"),
        ("QUESTIONS = ['depth?']\ndef build(hp): pass\n", r"each entry of QUESTIONS must be Question"),
        ("def build(hp, depth): pass\n", r"build\(\) has required argument\(s\) depth"),
    ],
)
def test_bad_space_files_give_one_line_errors(write_space, body, match):
    path = write_space(body)
    with pytest.raises(SpaceError, match=match) as info:
        load_space(path)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(SpaceError, match=r"nope\.py: cannot load the space file \(no such file\)"):
        load_space(tmp_path / "nope.py")


def test_a_file_that_is_not_python_says_so(tmp_path):
    # Python's importer returns no loader for notes.txt: this was "unexpected AttributeError ... 'loader'"
    path = tmp_path / "notes.txt"
    path.write_text("x = 1\n")
    with pytest.raises(SpaceError, match=r"notes\.txt: a space file is a Python module; give the path of a \.py"):
        load_space(path)


def test_names_close_to_a_setting_are_warned_about_once(write_space, caplog):
    # DATASETS, EPOCH and QUESTION were ignored without a word: the run trained on other data, other epochs,
    # and answered no question. A warning each (the file still loads); other upper-case names are the file's own.
    body = "DATASETS = 'mnist'\nEPOCH = 2\nQUESTION = []\nMATCH_SIZE = 'filters'\nWIDTHS = [8]\ndef build(hp): pass\n"
    path = write_space(body, "typos.py")
    with caplog.at_level("WARNING", logger="archsearch.space"):
        space = load_space(path)
        load_space(path)
    assert (space.dataset, space.epochs) == ("digits", 10)
    assert caplog.messages == [
        f"{path}: DATASETS is not a setting archsearch reads and is ignored; did you mean DATASET?",
        f"{path}: EPOCH is not a setting archsearch reads and is ignored; did you mean EPOCHS?",
        f"{path}: QUESTION is not a setting archsearch reads and is ignored; did you mean QUESTIONS?",
    ]
