"""Whether given values are a point of a space: the one check of a reference, a ``--base`` file, and the like.

A builder declares its hyperparameters as it runs, so the check reads what one
build with the values declared (:attr:`HyperParameters.params`): every value
must be of a hyperparameter declared with these values, and one it can take
(a choice's value, inside a range and on its step grid, a bool for a boolean).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsearch.errors import SpaceError
from archsearch.space._params import Param

__all__ = ["check_point"]

_MIRROR = "~mirror"  # archsearch.space.REVERSE_LOG_SUFFIX (not imported: that module imports keras-tuner)


def check_point(
    params: Mapping[str, Param], values: Mapping[str, Any], who: str, fix: str, *, declared_only: bool = False
) -> None:
    """Refuse ``values`` that are not a point of the space ``params`` describes.

    Args:
        params: what the builder declared when built with ``values`` (the others at their defaults).
        who: what sets the values, first in the message, e.g. ``"spaces/x.py: reference 'L4-base'"``.
        fix: how to fix it, last in the message.
        declared_only: check only the values of declared hyperparameters (the build stopped partway, so the
            rest may simply not have been reached).

    Raises:
        SpaceError: one line naming the value and what the space allows.

    Example:
        >>> units = Param.make_choice("units", [16, 64, 256])
        >>> check_point({"units": units}, {"units": 64}, "r.py: reference 'a'", "fix it")
        >>> check_point({"units": units}, {"units": "64"}, "r.py: reference 'a'", "fix it")
        Traceback (most recent call last):
        ...
        archsearch.errors.SpaceError: r.py: reference 'a' sets units='64', not one of its values (16, 64, 256); fix it.
    """
    for key, value in values.items():
        name = key.removesuffix(_MIRROR)
        param = params.get(name) if name == key or _mirrored(params.get(name)) else None
        if param is None:
            if declared_only:
                continue
            raise SpaceError(
                f"{who} sets {key!r}, which the space does not declare with these values "
                f"(declared: {', '.join(sorted(params)) or 'none'}); {fix}."
            )
        low, high = param.min_value, param.max_value
        if name != key and low is not None and high is not None and isinstance(value, int | float):
            value = type(low)(low + high - value)  # the value its mirror stands for
        if param.contains(value):
            continue
        if param.kind == "choice":
            shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in param.values)
            raise SpaceError(f"{who} sets {name}={value!r}, not one of its values ({shown}); {fix}.")
        raise SpaceError(f"{who} sets {name}={value!r}, outside its space ({param.describe()}); {fix}.")


def _mirrored(param: Param | None) -> bool:
    return param is not None and param.kind in ("int", "float") and param.sampling == "reverse_log"
