"""What ``run`` (and ``ask``, which runs through it) checks with the data loaded, before anything is written.

One build with the default values: a builder that raises there, returns no
``keras.Model``, or takes another input shape or gives another number of outputs
than the data has cannot give a single trial, so it is one ``error:`` line, exit 2
(the line ``ask`` already gave), not five failed trials. The same build's metrics
check ``OBJECTIVE``, and what the builder declares checks the ``QUESTIONS``.
A builder that raises only for some other values stays a per-trial failure.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from archsearch.errors import SpaceError
from archsearch.study._probe import builder_errors, declared, probe_builds

if TYPE_CHECKING:
    from archsearch.space import Param, Space

__all__ = ["check_before_run", "check_questions", "question_error"]


def check_before_run(space: Space, dataset: Any) -> None:
    """Build once with the default values on ``dataset``: the builder, its model, ``OBJECTIVE`` and ``QUESTIONS``.

    Raises:
        SpaceError: one line naming the space file (and the line the builder raised at) and the fix.
    """
    from archsearch import train
    from archsearch.space import FixedHyperParameters

    hp = FixedHyperParameters()
    try:
        with builder_errors(space):
            model = train.build_model(space, hp, dataset)
        if not hp.fit_callbacks:  # a callback may add its own history key (learning_rate): the trial tells
            train.check_objective(space, model, dataset)
    finally:
        train.clear_session()
    check_questions(space, hp.params, dataset.input_shape, dataset.num_classes)


def check_questions(
    space: Space, params: Mapping[str, Param], shape: tuple[int, ...], num_classes: int
) -> dict[str, Param]:
    """Each question must name a hyperparameter the builder declares and a baseline among its values.

    ``params``: what one build declared; a name it lacks is looked for in the min, max and per-condition
    builds (a conditional hyperparameter) before it is refused.

    Returns:
        Every hyperparameter seen, by name.

    Raises:
        SpaceError: the first wrong question, in one line (see :func:`question_error`).
    """
    seen = dict(params)
    if any(q.param not in seen for q in space.questions):
        from archsearch import train

        try:
            seen = {**declared(probe_builds(space, shape, num_classes, values_per_parent=16)), **seen}
        finally:
            train.clear_session()
    for question in space.questions:
        error = question_error(question, seen)
        if error:
            raise SpaceError(f"{space.path}: {error}")
    return seen


def question_error(question: Any, params: Mapping[str, Param]) -> str | None:
    """What is wrong with one question given the declared ``params`` (None: nothing).

    Example:
        >>> from archsearch import Question
        >>> from archsearch.space import Param
        >>> units = {"units": Param("units", "choice", values=(16, 64), default=16)}
        >>> question_error(Question("unit", "Wider?"), units)
        "Question('unit') names no hyperparameter of build() (declared: units); did you mean 'units'?"
        >>> question_error(Question("units", "Wider?", baseline=32), units).split(" (")[0]
        "Question('units') has baseline=32, not a value of units"
    """
    param = params.get(question.param)
    if param is None:
        close = difflib.get_close_matches(question.param, list(params), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; name one of them."
        names = ", ".join(sorted(params)) or "none"
        return f"Question({question.param!r}) names no hyperparameter of build() (declared: {names}){hint}"
    if question.baseline is not None and not param.contains(question.baseline):
        return (
            f"Question({question.param!r}) has baseline={question.baseline!r}, not a value of {question.param} "
            f"({param.describe()}); set baseline to one of them."
        )
    return None
