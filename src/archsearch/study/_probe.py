"""What a space declares, found by calling its builder without training: the one builder probe.

``archsearch show``, ``--sampler grid`` and ``archsearch ask`` all need the
hyperparameters a builder declares (conditional ones only show up when their
parent has the right value) and the input shape it will be called with; both
are found here, one way.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError

if TYPE_CHECKING:
    from archsearch.space import FixedHyperParameters, Param, Space

__all__ = [
    "Build",
    "built_hp",
    "declared",
    "declared_params",
    "declared_when",
    "grid_space",
    "input_shape",
    "probe_builds",
    "FALLBACKS",
]

# (label, FixedHyperParameters fallback) of the three main builds, in the order `archsearch show` lists them.
# Labelled by the values, not the size: a choice's first value can build the larger model (L0: dense, 203,530
# parameters, against the CNN's 121,930).
FALLBACKS = (("min", "min"), ("default", "default"), ("max", "max"))


@dataclasses.dataclass
class Build:
    """One call of the builder: the hp object it filled, the model (or the error it raised)."""

    label: str
    hp: FixedHyperParameters
    model: Any = None
    count: int | None = None
    error: str | None = None  # the exception it raised, in one line
    exception: BaseException | None = None

    @property
    def space(self) -> dict[str, Param]:
        return self.hp.params  # read after the build: what it declared

    @property
    def values(self) -> dict[str, Any]:
        return self.hp.values


def input_shape(space: Space, dataset: str | None = None) -> tuple[tuple[int, ...], int]:
    """Input shape and class count the builder is called with, for ``dataset`` (default: the space's).

    Taken from the registry when it knows the image shape (``IMAGE_SIZE``
    replaces height and width, as loading does); otherwise the data is loaded.

    Example:
        >>> from archsearch.space import load_space
        >>> input_shape(load_space("spaces/digits_quick.py"))
        ((64,), 10)
    """
    from archsearch.data import get_info, input_shape_for, load_dataset

    spec = dataset or space.dataset
    info = get_info(spec)
    if info is not None and info.image_shape is not None and info.num_classes is not None:
        return input_shape_for(info.image_shape, space.input, space.image_size), int(info.num_classes)
    data = load_dataset(spec, input=space.input, validation_split=space.validation_split, image_size=space.image_size)
    return tuple(data.input_shape), int(data.num_classes)


def probe(
    space: Space,
    hp: FixedHyperParameters,
    shape: tuple[int, ...],
    num_classes: int,
    *,
    label: str = "",
    keep_errors: bool = True,
    count: bool = True,
) -> Build:
    """Call the builder once with ``hp``; a combination that raises is recorded (or re-raised without ``keep_errors``).

    A :class:`~archsearch.errors.UsageError` (a bug of the space itself: e.g. no keras.Model returned, an input
    or output that does not fit the data) is always raised.
    """
    from archsearch import train

    result = Build(label, hp)
    try:
        model = space.call_build(hp, shape, num_classes)
        train.check_model(space, model, shape, num_classes)  # the space's own bug: raised (a UsageError)
        result.model = model
        if count:
            result.count = int(model.count_params())
    except UsageError:
        raise
    except Exception as err:  # one bad combination is worth reporting, not crashing on
        if not keep_errors:
            raise
        result.error = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        result.exception = err
    return result


def probe_builds(
    space: Space, shape: tuple[int, ...], num_classes: int, *, values_per_parent: int | None = None
) -> list[Build]:
    """Build with min/default/max values, then once per value of each parent of a condition.

    The extra builds (no label, no model kept) reach conditional hyperparameters
    that none of the three main builds activates (e.g. the middle branch of a Choice).

    Args:
        values_per_parent: try at most this many values of each parent (None: its whole grid).
    """
    from archsearch import train
    from archsearch.space import FixedHyperParameters

    out = [probe(space, FixedHyperParameters(fallback=fb), shape, num_classes, label=label) for label, fb in FALLBACKS]
    try:
        seen = declared(out)
        for parent in sorted({c.parent for p in seen.values() for c in p.conditions}):
            param = seen.get(parent)
            if param is None or param.kind == "float" and param.step is None:
                continue
            for value in param.grid()[:values_per_parent]:
                extra = probe(space, FixedHyperParameters({parent: value}), shape, num_classes)
                extra.model = None
                out.append(extra)
    finally:
        train.clear_session()
    return out


def declared_when(
    space: Space, shape: tuple[int, ...], num_classes: int, builds: Sequence[Build], *, max_values: int = 8
) -> dict[str, str]:
    """For each hyperparameter some builds declare and the default build does not, without a keras-tuner
    condition (the builder's own ``if`` or loop: ``for i in range(layers): hp.Int(f"units_{i}", ...)``),
    when it is declared, e.g. ``{"units_1": "when layers in (2, 3)", "units_2": "when layers = 3"}``, as seen
    by building with each value of one other hyperparameter (an int, choice or boolean of at most
    ``max_values`` values; the others at their defaults). One no single value explains reads
    ``"in some architectures"``.
    """
    from archsearch import train
    from archsearch.space import FixedHyperParameters

    default = next((b for b in builds if b.label == "default"), None)
    if default is None or default.error:
        return {}
    seen = declared(builds)
    missing = [n for n, p in seen.items() if n not in default.space and not p.conditions]
    out: dict[str, str] = {}
    try:
        for parent, param in default.space.items():
            if not missing:
                break
            if param.kind not in ("int", "choice", "boolean") or param.conditions:
                continue
            grid = [False, True] if param.kind == "boolean" else param.grid()
            if not 2 <= len(grid) <= max_values:
                continue
            by_value = {}
            for value in grid:
                build = probe(space, FixedHyperParameters({parent: value}), shape, num_classes, count=False)
                by_value[value] = set(build.space) if not build.error else None
            for name in list(missing):
                declaring = [v for v, names in by_value.items() if names is not None and name in names]
                if declaring and len(declaring) < len(grid):
                    shown = repr(declaring[0]) if len(declaring) == 1 else f"in ({', '.join(map(repr, declaring))})"
                    out[name] = f"when {parent} {'= ' if len(declaring) == 1 else ''}{shown}"
                    missing.remove(name)
    finally:
        train.clear_session()
    out.update({name: "in some architectures" for name in missing})
    return out


def declared(builds: Iterable[Build]) -> dict[str, Param]:
    """Every hyperparameter the builds declared, first declaration first."""
    out: dict[str, Param] = {}
    for build in builds:
        for name, param in build.space.items():
            out.setdefault(name, param)
    return out


def built_hp(
    space: Space, values: Mapping[str, Any] | None = None, *, check: tuple[str, str] | None = None
) -> FixedHyperParameters:
    """The hp object after one build with ``values`` (others at their defaults): ``.values`` and ``.params``.

    Builds the model once (Keras is imported); inactive conditional branches are
    only seen when ``values`` activates them.

    Args:
        check: ``(who, fix)``: also check that ``values`` are a point of the space
            (:func:`archsearch.space.check_point`, with these words), even when the build raises on one of them.

    Raises:
        SpaceError: the builder raised (one line: the space file's line and the exception), or with ``check``,
            a value is not one the space declares with these values.
    """
    from archsearch import train
    from archsearch.space import FixedHyperParameters, check_point

    hp = FixedHyperParameters(dict(values or {}))
    shape, classes = input_shape(space)
    try:
        with builder_errors(space, values):
            try:
                probe(space, hp, shape, classes, keep_errors=False, count=False)
            except Exception:  # unless a given value is what it raised on (units='64' for a choice of ints)
                if check is not None:
                    check_point(hp.params, dict(values or {}), *check, declared_only=True)
                raise
    finally:
        train.clear_session()
    if check is not None:
        check_point(hp.params, dict(values or {}), *check)
    return hp


@contextlib.contextmanager
def builder_errors(space: Space, values: Mapping[str, Any] | None = None) -> Iterator[None]:
    """An exception of the builder called with ``values`` (default: the defaults) before any trial becomes one
    line naming the space file's line: ``FILE:LINE: build() with the default values raised ValueError: ...``
    (a :class:`~archsearch.errors.SpaceError`); a UsageError passes as it is."""
    try:
        yield
    except UsageError:
        raise
    except Exception as err:  # the builder's own bug, before any trial: one line naming its file and line
        with_values = f"with {dict(values)}" if values else "with the default values"
        raise space.raised(err, f"build() {with_values}") from err


def declared_params(space: Space, values: Mapping[str, Any] | None = None) -> dict[str, Param]:
    """Every hyperparameter the builder declares with ``values`` (others at their defaults)."""
    return built_hp(space, values).params


def grid_space(space: Space, dataset: Any) -> dict[str, list[Any]]:
    """Every hyperparameter the builder declares, with its grid of values (for ``--sampler grid``).

    Raises:
        UsageError: a hyperparameter is a continuous float (no finite grid).
    """
    seen = declared(probe_builds(space, dataset.input_shape, dataset.num_classes))
    grid: dict[str, list[Any]] = {}
    for name, param in seen.items():
        if param.kind == "fixed":
            continue
        if param.kind == "boolean":
            grid[name] = [False, True]
            continue
        try:
            grid[name] = list(param.grid())
        except ValueError:
            raise UsageError(
                f"{space.path}: --sampler grid needs a finite grid, but {name!r} is a continuous "
                f"float ({param.describe()}). Give it step=... or use another --sampler."
            ) from None
    return grid
