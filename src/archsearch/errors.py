"""Exceptions raised by archsearch.

One base class, :class:`ArchsearchError`. Two families below it, as in
keras-tuner's ``errors.py``:

* :class:`UsageError` -- the user's input is wrong (a space file, an option, a
  dataset). The CLI prints the one-line message and exits with code 2 before
  anything is written.
* :class:`FailedTrialError` -- one trial failed; the study records it as FAIL and
  goes on. :class:`FatalError` -- stop the whole search (for example too many
  consecutive failures).
"""

from __future__ import annotations

__all__ = [
    "ArchsearchError",
    "UsageError",
    "SpaceError",
    "DatasetError",
    "FailedTrialError",
    "FatalError",
]


class ArchsearchError(Exception):
    """Base class of every error archsearch raises on purpose."""


class UsageError(ArchsearchError):
    """Bad input from the user: the CLI exits with code 2 and writes nothing."""

    exit_code = 2


class SpaceError(UsageError):
    """A space file cannot be loaded or declares something invalid."""


class DatasetError(UsageError):
    """A dataset cannot be found, read, or does not fit the space."""


class FailedTrialError(ArchsearchError):
    """One trial failed; the study records it and continues."""


class FatalError(ArchsearchError):
    """The search cannot continue (for example, every trial keeps failing)."""

    exit_code = 1
