"""The builder probe: one input-shape rule (IMAGE_SIZE included) and the hyperparameters a builder declares."""

from __future__ import annotations

import pytest

from archsearch.data import load_dataset
from archsearch.space import load_space
from archsearch.study import built_hp, declared, declared_params, input_shape, probe_builds

SPACE = """
DATASET = "digits"
INPUT = "{input}"
{size}

def build(hp, input_shape, num_classes):
    import keras
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    if hp.Boolean("wide"):
        with hp.conditional_scope("wide", [True]):
            x = keras.layers.Dense(hp.Choice("units", [16, 32]), activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))
"""


@pytest.mark.parametrize("input", ["flat", "image"])
@pytest.mark.parametrize("size", [None, (12, 10)])
def test_input_shape_is_the_shape_loading_gives(write_space, input, size):
    body = SPACE.format(input=input, size="" if size is None else f"IMAGE_SIZE = {size}")
    space = load_space(write_space(body))
    data = load_dataset("digits", input=input, validation_split=space.validation_split, image_size=space.image_size)
    assert input_shape(space) == (data.input_shape, data.num_classes)
    expected = {
        (None, "flat"): (64,),
        (None, "image"): (8, 8, 1),
        ((12, 10), "flat"): (120,),
        ((12, 10), "image"): (12, 10, 1),
    }[size, input]
    assert input_shape(space)[0] == expected


def test_probe_finds_conditional_hyperparameters_and_counts(write_space):
    space = load_space(write_space(SPACE.format(input="flat", size="")))
    builds = probe_builds(space, (64,), 10)
    assert [b.label for b in builds[:3]] == ["min", "default", "max"]
    assert builds[0].count == 64 * 10 + 10 and builds[2].count == 64 * 32 + 32 + 32 * 10 + 10
    assert set(declared(builds)) == {"wide", "units"}
    assert set(declared_params(space)) == {"wide"}  # defaults leave the branch inactive
    assert built_hp(space, {"wide": True}).values == {"wide": True, "units": 16}


def test_a_builder_that_raises_before_any_trial_is_one_line_naming_its_file_line_and_values(write_space):
    from archsearch.errors import SpaceError
    from tests.conftest import TINY_SPACE

    bad = "    if hp.Choice('units', [8, 16]) == 16:\n        model.add(1)\n    return model\n"
    body = TINY_SPACE.replace("    return model\n", bad)
    path = write_space(body, "broken.py")
    line = body.splitlines().index("        model.add(1)") + 1
    assert built_hp(load_space(path)).values == {"units": 8}  # the default values build
    with pytest.raises(SpaceError) as raised:
        built_hp(load_space(path), {"units": 16})
    message = str(raised.value)
    assert message.startswith(f"{path}:{line}: build() with {{'units': 16}} raised ")
    assert "\n" not in message
