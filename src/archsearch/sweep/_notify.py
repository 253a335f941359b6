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
    all_sent = True
    for url in urls:  # one at a time, so a warning names the one that failed
        sender = apprise.Apprise()
        if not sender.add(url):
            warn(
                f"warning: not an Apprise URL, not notified: {_shown(url)} (see https://github.com/caronc/apprise/wiki)."
            )
            all_sent = False
            continue
        try:
            sent = bool(sender.notify(title=title, body="\n".join(lines)))
        except Exception as err:  # noqa: BLE001 - a plugin that raises: still only a warning
            warn(f"warning: the notification to {_shown(url)} failed ({type(err).__name__}: {err}).")
            sent = False
        else:
            if not sent:
                warn(
                    f"warning: the notification to {_shown(url)} could not be sent (Apprise's reason is in the "
                    "log file, `archsearch --help` says where); the summary is on disk."
                )
        all_sent = all_sent and sent
    return all_sent


def _shown(url: str) -> str:
    """The scheme and host of a notify URL, without its tokens or passwords.

    Example:
        >>> _shown("slack://T000/B000/XXXXSECRET"), _shown("mailto://user:pw@example.com"), _shown("notaurl")
        ('slack://t000/...', 'mailto://example.com/...', "'notaurl'")
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.scheme:
        return repr(url)
    return f"{parts.scheme}://{parts.hostname or ''}/..."
