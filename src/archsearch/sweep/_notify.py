"""Told in the morning: one message with the summary's headline lines, through Apprise.

Apprise (``pip install 'archsearch[notify]'``) takes URLs for mail, chat and
push services (``mailto://``, ``ntfy://``, ``slack://``, ...). A notification
that fails is a warning; it never fails the night.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["notify"]


def notify(urls: Sequence[str], title: str, lines: Sequence[str], *, warn: Callable[[str], None] = print) -> bool:
    """Send ``title`` and ``lines`` to every URL; returns whether all were sent (a failure only warns)."""
    if not urls:
        return True
    try:
        import apprise
    except ImportError:
        warn("warning: notify URLs are set but Apprise is not installed: pip install 'archsearch[notify]'.")
        return False
    sender = apprise.Apprise()
    bad = [u for u in urls if not sender.add(u)]
    if bad:
        warn(f"warning: not an Apprise URL, not notified: {bad[0]} (see https://github.com/caronc/apprise/wiki).")
    if not len(sender):
        return False
    try:
        sent = bool(sender.notify(title=title, body="\n".join(lines)))
    except Exception as err:  # noqa: BLE001 - a plugin that raises: still only a warning
        warn(f"warning: the notification failed ({type(err).__name__}: {err}).")
        return False
    if not sent:
        warn("warning: the notification could not be sent (Apprise reported a failure); the summary is on disk.")
    return sent and not bad
