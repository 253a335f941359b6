"""File names derived from parameter names, shared by the plots and the pages that link them."""

from __future__ import annotations

__all__ = ["safe_name"]


def safe_name(name: str) -> str:
    """``name`` with every character but letters, digits, ``-`` and ``_`` replaced by ``_``.

    The plot keys (``effect_<name>``) double as file names, so the Markdown link
    and the written PNG must agree on one rule.

    Example:
        >>> safe_name("optimizer/lr")
        'optimizer_lr'
        >>> safe_name("")
        'param'
    """
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "param"
