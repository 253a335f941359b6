"""Told in the morning: the summary's headline through Apprise (a custom test plugin writes it to a file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apprise.decorators import notify as apprise_plugin

from archsearch.sweep import notify

SENT: list[dict] = []


@apprise_plugin(on="archtest")
def _archtest(body: str, title: str, notify_type: str, *args, meta: dict, **kwargs) -> bool:
    """archtest://PATH: appends the message to the file PATH; archtest://fail: reports a failure."""
    if meta.get("host") == "fail":
        return False
    with Path("/" + meta["host"] + meta.get("fullpath", "")).open("a") as f:
        f.write(f"{title}\n{body}\n")
    SENT.append({"title": title, "body": body})
    return True


def test_one_message_with_the_headline(tmp_path):
    out = tmp_path / "inbox.txt"
    warnings: list[str] = []
    lines = [
        "Sweep nightly, night 2026-12-07: ended by deadline; 4 steps: 3 done, 1 stopped.",
        "1 verdict(s) changed since 2026-12-06: layers 3 vs 1: helps (was no clear effect)",
    ]
    assert notify([f"archtest:/{out}"], lines[0], lines, warn=warnings.append)
    assert out.read_text() == lines[0] + "\n" + "\n".join(lines) + "\n"
    assert warnings == []


@pytest.mark.parametrize("url", ["archtest://fail", "nosuchscheme://x"])
def test_a_failed_notification_is_a_warning(url):
    warnings: list[str] = []
    assert notify([url], "t", ["a line"], warn=warnings.append) is False
    assert len(warnings) == 1 and warnings[0].startswith("warning: ")
    assert url.split("://")[0] + "://" in warnings[0]  # which one failed (without its path or tokens)


def test_with_several_urls_one_that_fails_leaves_the_others_sent_and_is_named(tmp_path):
    out, warnings = tmp_path / "inbox.txt", []
    assert notify(["archtest://fail", f"archtest:/{out}"], "t", ["a line"], warn=warnings.append) is False
    assert out.read_text() == "t\na line\n"
    assert warnings == [
        "warning: the notification to archtest://fail/... could not be sent (Apprise's reason is in the log file, "
        "`archsearch --help` says where); the summary is on disk."
    ]


def test_the_reason_a_notification_was_not_sent_is_in_the_log_file_the_warning_names(tmp_path):
    # The warning said "Apprise's reason is in the log file" and the log file had nothing of Apprise's.
    import logging

    from archsearch._quiet import quiet_library_logs

    log = tmp_path / "archsearch.log"
    quiet_library_logs(False, log)
    warnings: list[str] = []
    try:
        assert not notify(["json://localhost:9/x"], "t", ["a"], warn=warnings.append)
    finally:
        for handler in logging.getLogger("apprise").handlers:
            handler.flush()
    assert "reason is in the log file" in warnings[0]
    assert "apprise WARNING" in log.read_text()
