"""What a space declares, found by calling its builder with default values."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archsearch.space import FixedHyperParameters, Param, Space

__all__ = ["built_hp", "declared_params", "input_shape"]


def input_shape(space: Space) -> tuple[tuple[int, ...], int]:
    """Input shape and class count of the space's dataset, without training anything."""
    from archsearch.data import get_info, load_dataset

    info = get_info(space.dataset)
    if info is not None and info.image_shape is not None and info.num_classes and space.image_size is None:
        shape = info.image_shape
        if space.input == "flat":
            n = 1
            for d in shape:
                n *= d
            shape = (n,)
        return tuple(shape), info.num_classes
    data = load_dataset(space.dataset, input=space.input, validation_split=space.validation_split,
                        image_size=space.image_size)
    return tuple(data.x_train.shape[1:]), int(data.num_classes)


def built_hp(space: Space, values: dict | None = None) -> FixedHyperParameters:
    """The hp object after one build with ``values`` (others at their defaults): ``.values`` and ``.params``.

    Builds the model once (Keras is imported); inactive conditional branches are
    only seen when ``values`` activates them.
    """
    from archsearch.space import FixedHyperParameters

    hp = FixedHyperParameters(values or {})
    shape, classes = input_shape(space)
    try:
        space.call_build(hp, shape, classes)
    finally:
        from archsearch import train

        train.clear_session()
    return hp


def declared_params(space: Space, values: dict | None = None) -> dict[str, Param]:
    """Every hyperparameter the builder declares with ``values`` (others at their defaults)."""
    return built_hp(space, values).params
