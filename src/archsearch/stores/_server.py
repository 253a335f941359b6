"""An MLflow tracking server (``http(s)://``): reached once before anything is written, asked with bounded retries.

:func:`check_server` sends one request to the server's REST API with a timeout
of a few seconds: a server that is not there, or that refuses the host name
(MLflow 3's ``--allowed-hosts``), is one line before the data loads.
:func:`bound_requests` caps MLflow's own retries: its client retries a failed
request 7 times with a growing back-off and waits 120 s for each answer, minutes
in all, where archsearch wants a server gone mid-run to cost seconds.
"""

from __future__ import annotations

import base64
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request

from archsearch.errors import UsageError
from archsearch.stores._urls import redact

__all__ = [
    "CHECK_TIMEOUT_S",
    "bound_requests",
    "check_server",
    "describe_server_error",
    "is_server",
    "server_unreachable",
]

CHECK_TIMEOUT_S = 5.0
# MLflow's HTTP settings during a run (its defaults: 7 retries, back-off factor 2, 120 s per request).
_REQUESTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": 2,
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": 1,
    "MLFLOW_HTTP_REQUEST_TIMEOUT": 10,
}
_HOST_REFUSED = "Invalid Host header"
_UNREACHABLE = re.compile(r"API request to \S+ failed with (timeout )?exception")


def is_server(url: str) -> bool:
    """True for the URL of an MLflow server (``http://``, ``https://``)."""
    return url.startswith(("http://", "https://"))


def check_server(url: str, option: str = "--tracking-uri") -> None:
    """Ask the MLflow server at ``url`` for one experiment (nothing is written), waiting a few seconds at most.

    A server that answers at all passes (a login it asks for is MLflow's to send); a TLS error too (MLflow's
    own certificate settings decide).

    Raises:
        UsageError: nothing answers there, the host name is unknown, or the server refuses the host name.
    """
    parts = urllib.parse.urlsplit(url)
    where = _host_header(url)
    api = urllib.parse.urlunsplit((parts.scheme, where, parts.path.rstrip("/"), "", ""))
    request = urllib.request.Request(f"{api}/api/2.0/mlflow/experiments/search?max_results=1")
    if parts.username is not None:  # as MLflow's client (requests) sends a URL's user and password
        login = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        request.add_header("Authorization", "Basic " + base64.b64encode(login.encode()).decode())
    shown = redact(url)
    try:
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT_S):
            return
    except urllib.error.HTTPError as err:
        body = err.read(300).decode(errors="replace").strip()
        if err.code == 403 and _HOST_REFUSED in body:
            raise UsageError(f"{option} {shown!r}: {_refused(where)}") from None
        return  # it answers
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, ssl.SSLError):
            return
        what = "the host name is unknown" if "Name or service not known" in str(reason) else "no server answers"
        if isinstance(reason, TimeoutError):
            what = f"no server answered within {CHECK_TIMEOUT_S:.0f} s"
        raise UsageError(
            f"{option} {shown!r}: {what} ({redact(str(reason))}); start the MLflow server (mlflow server ...), "
            "or fix the host and port in the URL."
        ) from None


def bound_requests() -> None:
    """MLflow's client gives up on a server after about 3 tries and 10 s per answer, not minutes.

    The settings go to MLflow the one way it takes them, its ``MLFLOW_HTTP_REQUEST_*`` variables; one the
    user set is left as it is.
    """
    from mlflow import environment_variables as mlflow_env

    for name, value in _REQUESTS.items():
        setting = getattr(mlflow_env, name)
        if not setting.defined:
            setting.set(value)


def server_unreachable(err: BaseException) -> bool:
    """True for MLflow's error on a request that reached no server (refused, timed out, unknown host).

    Example:
        >>> server_unreachable(RuntimeError("API request to http://h:5/api failed with exception Max retries"))
        True
        >>> server_unreachable(RuntimeError("API request to endpoint /api failed with error code 404 != 200"))
        False
    """
    return bool(_UNREACHABLE.search(str(err)))


def describe_server_error(err: BaseException, url: str) -> str | None:
    """What went wrong, in a few words, when MLflow's ``err`` says its server at ``url`` is not there or refuses
    the host name; else None.

    Example:
        >>> describe_server_error(RuntimeError("API request to http://h:5/api/x failed with exception "
        ...     "HTTPConnectionPool(host='h', port=5): Max retries exceeded ([Errno 111] Connection refused)"),
        ...     "http://h:5")
        'the MLflow server does not answer ([Errno 111] Connection refused)'
    """
    text = str(err)
    if server_unreachable(err):
        cause = re.search(r"\[Errno -?\d+\][^'\")]*|timeout|Name or service not known", text)
        return "the MLflow server does not answer" + (f" ({cause.group(0)})" if cause else "")
    if "403" in text and _HOST_REFUSED in text:
        return _refused(_host_header(url))
    return None


def _host_header(url: str) -> str:
    """What a client sends as the ``Host`` header for ``url``: ``host`` or ``host:port``."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return host if parts.port is None else f"{host}:{parts.port}"


def _refused(where: str) -> str:
    return (
        f"the MLflow server refuses requests addressed to {where} (403: Invalid Host header); start the "
        f"server with --allowed-hosts {where} (without it, MLflow 3 answers only localhost and private addresses)."
    )
