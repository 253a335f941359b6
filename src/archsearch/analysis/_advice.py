"""The ``archsearch ask`` a search's verdict offers: a command that runs as printed, or words where none would.

A search answers a question only by regression over what the sampler chose; an
ablation answers it by design. The offer names the factor, its two levels where
the factor has no small grid of its own (a float: ``ask`` needs ``--levels``),
and the search's best trial as the base. ``--base best`` reads the study named
after the space, so for a search stored under another name (``run --study``)
the offer says in words how to start from that study's best trial instead of
printing a command that would fail.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

__all__ = ["ask_command", "ask_levels", "ask_words"]


def ask_command(space: str | None, param: str, *, levels: str | None = None, study: str | None = None) -> str:
    """The ``archsearch ask`` that answers ``param`` by design, at the search's best trial: ``--base best``
    where the search is the study named after the space, else ``--base PARAMS.json`` (see :func:`ask_words`).

    Example:
        >>> ask_command("s.py", "layers")
        'archsearch ask s.py --factor layers --repeats 3 --base best'
        >>> ask_command("my/s.py", "lr", levels="0.00125,0.0045", study="wide")
        'archsearch ask my/s.py --factor lr --levels 0.00125,0.0045 --repeats 3 --base PARAMS.json'
    """
    head = f"archsearch ask {space or 'SPACE.py'} --factor {param}" + (f" --levels {levels}" if levels else "")
    return f"{head} --repeats 3 --base " + ("PARAMS.json" if _elsewhere(space, study) else "best")


def ask_words(command: str, space: str | None, study: str | None = None) -> str:
    """The command of :func:`ask_command` in backticks, and, where it reads ``PARAMS.json``, what goes in it.

    Example:
        >>> ask_words("archsearch ask s.py --factor layers --repeats 3 --base best", "s.py")
        '`archsearch ask s.py --factor layers --repeats 3 --base best`'
        >>> ask_words("archsearch ask s.py --factor lr --repeats 3 --base PARAMS.json", "s.py", "wide").split("`, ")[1]
        "with the best hyperparameters of study 'wide' in PARAMS.json (`--base best` reads study 's', named after the space)"
    """  # noqa: E501
    if not _elsewhere(space, study) or not command.endswith("PARAMS.json"):
        return f"`{command}`"
    return (
        f"`{command}`, with the best hyperparameters of study '{study}' in PARAMS.json (`--base best` reads "
        f"study '{PurePath(str(space)).stem}', named after the space)"
    )


def _elsewhere(space: str | None, study: str | None) -> bool:
    """The search is not the study ``--base best`` reads (the one named after the space)."""
    return study is not None and space is not None and study != PurePath(space).stem


def ask_levels(q: dict[str, Any], e: dict[str, Any] | None = None) -> str | None:
    """``--levels`` for an ask of a search question's comparison ``e`` (default: its first): the reference's and the
    level's typical sampled values, or None where the factor's own grid will do (not binned, no fractional value).

    Each value is a sampled one (the one nearest its level's median), written with the fewest significant
    digits (from 3) that keep it within the sampled values' span, and so within the declared range.

    Example:
        >>> rows = pd.DataFrame({"params_lr": [0.00101, 0.0012, 0.0013, 0.004, 0.0045, 0.009]})
        >>> rows["_level"] = ["[0.00101, 0.0013]"] * 3 + ["[0.004, 0.009]"] * 3
        >>> q = {"param": "lr", "binned": True, "_rows": rows, "reference": "[0.00101, 0.0013]",
        ...      "effects": [{"level": "[0.004, 0.009]"}]}
        >>> ask_levels(q)
        '0.0012,0.0045'
    """
    rows = q.get("_rows")
    column = f"params_{q['param']}"
    effects = q.get("effects") or []
    e = e if e is not None else (effects[0] if effects else None)
    if rows is None or e is None or column not in rows.columns or not pd.api.types.is_numeric_dtype(rows[column]):
        return None
    values = pd.to_numeric(rows[column], errors="coerce").dropna()
    if values.empty or pd.api.types.is_bool_dtype(rows[column]):
        return None
    whole = bool((values == values.round()).all())
    if whole and not q.get("binned"):
        return None  # an int factor: its grid is the default levels
    texts = []
    for level in (e.get("reference") or q.get("reference"), e["level"]):
        mine = pd.to_numeric(rows.loc[rows["_level"] == level, column], errors="coerce").dropna()
        if mine.empty:
            return None
        texts.append(_typical(mine, whole, float(values.min()), float(values.max())))
    return ",".join(texts) if texts[0] != texts[1] else None


def _typical(values: pd.Series, whole: bool, lo: float, hi: float) -> str:
    """The value nearest the median, in the fewest significant digits (from 3) that stay within ``[lo, hi]``."""
    v = float(values.iloc[int((values - values.median()).abs().to_numpy().argmin())])
    if whole:
        return str(int(round(v)))
    for digits in range(3, 18):
        text = f"{v:.{digits}g}"
        if lo <= float(text) <= hi:
            return text
    return repr(v)
