"""The hp object handed to builders: keras-tuner's ``HyperParameters``, answered by Optuna or by fixed values.

:class:`HyperParameters` subclasses ``keras_tuner.HyperParameters`` and changes
one thing: where the value of a newly declared, active hyperparameter comes
from. Declaring, validating, name and conditional scopes, ``values``,
``space`` (a list), ``get``, ``is_active``, ``copy``, ``merge``,
``get_config`` and every error are keras-tuner's own code, so a builder written
for keras-tuner sees exactly keras-tuner's behaviour. Values that are already
populated (``hp.values[name] = ...`` before ``hp.Fixed(name, ...)``) win, as in
keras-tuner.

* :class:`OptunaHyperParameters` asks an Optuna trial (define-by-run), each
  keras-tuner type mapped to its Optuna distribution (see :meth:`_answer`).
  Inactive (conditional) hyperparameters return ``None`` and are not sampled.
* :class:`FixedHyperParameters` answers from a dict of values and falls back to
  each parameter's default (or its smallest or largest value). Like Optuna's
  ``FixedTrial``, it rebuilds a model from saved params without a study, and it
  is the probe that discovers a builder's space.

Importing this module imports keras-tuner (and so TensorFlow): the package
exports these names lazily.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import keras_tuner

from archsearch._compat.keras_tuner import n_values
from archsearch.errors import SpaceError
from archsearch.space._params import Param, sampled_grid

if TYPE_CHECKING:
    import optuna

__all__ = [
    "FixedHyperParameters",
    "HyperParameterError",
    "HyperParameterTypeError",
    "HyperParameters",
    "OptunaHyperParameters",
    "REVERSE_LOG_SUFFIX",
    "record_on_trial",
]

# Optuna has no reverse-log distribution. A continuous reverse_log parameter x in
# [lo, hi] is sampled as its mirror m = lo + hi - x on a log scale (the same
# density keras-tuner uses) and recorded in Optuna under name + this suffix.
REVERSE_LOG_SUFFIX = "~mirror"


class HyperParameterError(SpaceError, ValueError):
    """keras-tuner refused a declaration (its ValueError, with its message)."""


class HyperParameterTypeError(SpaceError, TypeError):
    """keras-tuner refused a declaration's types (its TypeError, with its message)."""


@contextlib.contextmanager
def _declaration_errors() -> Iterator[None]:
    # keras-tuner's own exception and message, also an archsearch SpaceError so
    # that the CLI reports it as the space file's mistake (one line, exit 2).
    try:
        yield
    except SpaceError:
        raise
    except TypeError as err:
        raise HyperParameterTypeError(str(err)) from err
    except ValueError as err:
        raise HyperParameterError(str(err)) from err


class HyperParameters(keras_tuner.HyperParameters):
    """``keras_tuner.HyperParameters`` whose new active values come from :meth:`_answer`.

    On this base class ``_answer`` returns keras-tuner's default, so it behaves
    exactly like ``keras_tuner.HyperParameters``.

    Attributes:
        fit_callbacks: Keras callbacks the builder asks archsearch to pass to
            ``model.fit`` for the model it is building (``blocks.compile_model``
            puts its learning-rate schedule here). archsearch empties the list
            before each build and hands it to the fit of that model: the trial's
            hp is the one channel from a builder to its fit.

    Example:
        >>> hp.fit_callbacks.append(keras.callbacks.ReduceLROnPlateau(patience=2))  # doctest: +SKIP
    """

    def __init__(self) -> None:
        super().__init__()
        self.fit_callbacks: list[Any] = []

    def Int(
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str | None = "linear",
        default: int | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """keras-tuner's ``Int``: ``max_value`` included; ``sampling="log"`` makes ``step`` a multiplier."""
        with _declaration_errors():
            return super().Int(name, min_value, max_value, step, sampling, default, parent_name, parent_values)

    def Float(
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str | None = "linear",
        default: float | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """keras-tuner's ``Float``; ``sampling="log"`` for rates."""
        with _declaration_errors():
            return super().Float(name, min_value, max_value, step, sampling, default, parent_name, parent_values)

    def Choice(
        self,
        name: str,
        values: Sequence[Any],
        ordered: bool | None = None,
        default: Any = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """keras-tuner's ``Choice``: one of ``values`` (int, float, str or bool of one type)."""
        with _declaration_errors():
            return super().Choice(name, values, ordered, default, parent_name, parent_values)

    def Boolean(
        self, name: str, default: bool = False, parent_name: str | None = None, parent_values: Any = None
    ) -> Any:
        """keras-tuner's ``Boolean``."""
        with _declaration_errors():
            return super().Boolean(name, default, parent_name, parent_values)

    def Fixed(self, name: str, value: Any, parent_name: str | None = None, parent_values: Any = None) -> Any:
        """keras-tuner's ``Fixed``: recorded with the trial, not searched."""
        with _declaration_errors():
            return super().Fixed(name, value, parent_name, parent_values)

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """keras-tuner's ``conditional_scope``: declarations inside are active only for ``parent_values``.

        Example:
            >>> hp = FixedHyperParameters({"model": "cnn"})
            >>> _ = hp.Choice("model", ["dense", "cnn"])
            >>> with hp.conditional_scope("model", ["dense"]):
            ...     print(hp.Int("units", 32, 512))
            None
        """
        scope = super().conditional_scope(parent_name, parent_values)
        with _declaration_errors():
            scope.__enter__()
        try:
            yield
        finally:
            scope.__exit__(None, None, None)

    @property
    def params(self) -> dict[str, Param]:
        """Every declared hyperparameter as a :class:`Param`, by name.

        A name declared under several conditions (keras-tuner keeps them apart)
        maps to its active declaration, or to the first one when none is active.
        """
        out: dict[str, Param] = {}
        for hp in self.space:
            if hp.name not in out or (self.is_active(hp) and not self.is_active(out[hp.name].source)):
                out[hp.name] = Param.of(hp)
        return out

    def _retrieve(self, hp: Any) -> Any:  # keras-tuner private hook: see archsearch._compat.keras_tuner
        # keras-tuner registers a new hyperparameter with its default unless the
        # value is already populated: populate it first from this object's source.
        if not self._exists(hp.name, hp.conditions) and hp.name not in self.values and self.is_active(hp):
            self._validate_name(hp.name)
            self.values[hp.name] = self._answer(hp)
        return super()._retrieve(hp)

    def _answer(self, hp: Any) -> Any:
        """The value of a new active hyperparameter ``hp`` (a keras-tuner object)."""
        return hp.default


class FixedHyperParameters(HyperParameters):
    """Answers from ``values``; parameters not in it take a fallback value.

    Args:
        values: params by full name, e.g. ``study.best_params`` (a continuous
            ``reverse_log`` parameter may come as its Optuna mirror, see
            :data:`REVERSE_LOG_SUFFIX`). They count as populated values: a
            ``Fixed`` with a given value returns it, as in keras-tuner.
        fallback: for parameters not in ``values``: ``"default"`` (each one's
            default), ``"min"`` or ``"max"`` (the smallest or largest value; the
            last choice counts as largest).

    Example:
        >>> hp = FixedHyperParameters({"units": 128})
        >>> hp.Int("units", 32, 512), hp.Int("layers", 1, 5)
        (128, 1)
    """

    def __init__(self, values: Mapping[str, Any] | None = None, fallback: str = "default") -> None:
        super().__init__()
        if fallback not in ("default", "min", "max"):
            raise ValueError(f"fallback must be 'default', 'min' or 'max', but got {fallback!r}.")
        self._given = dict(values or {})
        self._fallback = fallback

    def _answer(self, hp: Any) -> Any:
        if hp.name in self._given:
            return self._given[hp.name]
        mirror = hp.name + REVERSE_LOG_SUFFIX
        if mirror in self._given and getattr(hp, "sampling", None) == "reverse_log":
            return type(hp.min_value)(hp.min_value + hp.max_value - self._given[mirror])
        if self._fallback == "default":
            return hp.default
        return _extreme(Param.of(hp), self._fallback == "max")


def _extreme(param: Param, largest: bool) -> Any:
    if param.kind in ("int", "float"):
        if param.step is None:
            return param.max_value if largest else param.min_value
        grid = param.grid()  # the largest value on the step grid, not max_value off it
        return grid[-1] if largest else grid[0]
    if param.kind == "boolean":
        return largest
    if param.kind == "choice":
        values = sorted(param.values) if param.ordered else list(param.values)
        return values[-1] if largest else values[0]
    return param.default


def record_on_trial(trial: optuna.trial.BaseTrial | None, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
    """The Optuna params of ``hp``'s active values; with a trial, also suggested on it (values and distributions).

    For values chosen elsewhere (keras-tuner's oracles): enqueue the returned
    params, ask the study for the trial, then call this with it, so that the
    trial stores each value with the distribution :class:`OptunaHyperParameters`
    would have sampled it from (``Fixed`` values are not params, as there).

    Example:
        >>> study.enqueue_trial(record_on_trial(None, kt_hp))  # doctest: +SKIP
        >>> record_on_trial(study.ask(), kt_hp)  # doctest: +SKIP
    """
    params: dict[str, Any] = {}
    answerer = OptunaHyperParameters(trial)
    for declared in hp.space:
        kind = type(declared).__name__
        if declared.name not in hp.values or kind == "Fixed" or not hp.is_active(declared):
            continue
        value = hp.values[declared.name]
        if kind in ("Int", "Float") and declared.sampling == "reverse_log" and declared.step is None:
            low, high = declared.min_value, declared.max_value
            params[declared.name + REVERSE_LOG_SUFFIX] = type(low)(low + high - value)
        else:
            params[declared.name] = value
        if trial is not None:
            answerer._answer(declared)
    return params


class OptunaHyperParameters(HyperParameters):
    """Asks an Optuna trial for each new active hyperparameter (define-by-run).

    Works with ``optuna.Trial``, ``optuna.trial.FixedTrial`` and enqueued trials.
    Without a trial (``from_config``) it answers keras-tuner's defaults.
    """

    def __init__(self, trial: optuna.trial.BaseTrial | None = None) -> None:
        super().__init__()
        self.trial = trial

    def _answer(self, hp: Any) -> Any:
        """keras-tuner type -> Optuna distribution.

        * ``Fixed``: its value, not sampled (recorded with the trial's values).
        * ``Boolean``: categorical ``[False, True]``.
        * ``Choice``: categorical over its values in keras-tuner's order.
        * ``Int``/``Float``, linear: ``suggest_int``/``suggest_float`` with the
          step (the high end on the step grid, as keras-tuner's last value).
        * ``log`` without step: the same with ``log=True``.
        * ``log``/``reverse_log`` with a step: keras-tuner's multiplicative grid,
          as a categorical of its values.
        * ``reverse_log`` without step: the mirror ``lo + hi - x`` on a log
          scale, recorded under ``name + REVERSE_LOG_SUFFIX``.
        """
        trial, name, kind = self.trial, hp.name, type(hp).__name__
        if trial is None or kind == "Fixed":
            return hp.default
        if kind == "Boolean":
            return trial.suggest_categorical(name, [False, True])
        if kind == "Choice":
            return trial.suggest_categorical(name, list(hp.values))
        suggest = trial.suggest_int if kind == "Int" else trial.suggest_float
        low, high, step = hp.min_value, hp.max_value, hp.step
        if step is not None and hp.sampling != "linear":
            return trial.suggest_categorical(name, sampled_grid(hp))
        if hp.sampling == "reverse_log":
            mirror = suggest(name + REVERSE_LOG_SUFFIX, low, high, log=True)
            return type(low)(low + high - mirror)
        if step is not None:
            high = low + (n_values(hp) - 1) * step  # keras-tuner's largest value on the grid
            return suggest(name, low, high, step=step)
        return suggest(name, low, high, log=hp.sampling == "log")
