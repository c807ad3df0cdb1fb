"""Hiding credentials in URLs before they are shown anywhere: logs, exception texts, XCom, reports, lineage.

Why one module: a model URL may carry a password (``http://user:{{ conn.model.password }}@host/invocations``) or
a key in its query string (``?api_key=...``, ``token=``, ``sig=`` of a pre-signed URL). Each place that shows a URL
calls :func:`redact_url` (a URL) or :func:`redact_text` (a message that may contain one, such as the text of a
``requests`` exception), so there is one definition of what is secret:

- the userinfo of a URL (``user:password@``) becomes ``***@``, user name included (a token is often put there);
- every query-parameter value becomes ``***`` (names stay, so the URL is still recognisable); the fragment too.

Scheme, host, port and path stay: they are what a user needs to see which model failed. Standard library only:
every layer may import it.
"""

from __future__ import annotations

import logging
import re
from typing import Final
from urllib.parse import urlsplit, urlunsplit

REDACTED: Final = "***"

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
_USERINFO = re.compile(r"(?<=://)[^/?#\s@'\"<>]*@")
_QUERY_VALUE = re.compile(r"(?<=[?&;])([^=&#\s'\"<>;]+)=([^&#\s'\"<>;]*)")
_TRAILING = ").,;:!?]}"


def redact_url(url: str) -> str:
    """``url`` with its userinfo and query values replaced by ``***`` (see module doc); other text unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not parseable as a URL (an unbalanced IPv6 bracket): redact as text
        return _redact_fragment(url)
    if not parts.scheme or not parts.netloc:
        return _redact_fragment(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = _QUERY_VALUE.sub(rf"\1={REDACTED}", "?" + parts.query)[1:] if parts.query else ""
    fragment = REDACTED if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted, and query values of bare paths (``/invocations?api_key=...`` as
    urllib3 reports them) too."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        core = url.rstrip(_TRAILING)  # punctuation closing the sentence around a URL (``)``, ``.``) is text
        parts += [_redact_fragment(text[position : match.start()]), redact_url(core)]
        position = match.start() + len(core)
    parts.append(_redact_fragment(text[position:]))
    return "".join(parts)


SECRET_PARAMETER_WORDS: Final = (
    "key",
    "token",
    "secret",
    "sig",
    "pass",
    "pwd",
    "auth",
    "credential",
    "session",
)
"""A query parameter whose lower-cased name contains one of these carries a credential (``api_key``, ``sig``,
``X-Amz-Signature``, ``X-Amz-Security-Token``, ``access_token``)."""


def url_credentials(text: str) -> list[str]:
    """The credentials of every URL in ``text``, exactly as they are written there, for a secrets masker.

    ``redact_url`` hides every query value when it shows a URL; a masker, though, hides a value wherever it
    appears (a date given as ``?version=2024-01-01`` would vanish from every log line), so this names only what
    is a credential: the userinfo (whole, and its password alone) and the values of query parameters whose name
    says so (:data:`SECRET_PARAMETER_WORDS`).
    """
    found: list[str] = []
    for match in _URL.finditer(text):
        try:
            parts = urlsplit(match.group(0).rstrip(_TRAILING))
        except ValueError:
            continue
        userinfo, at, _ = parts.netloc.rpartition("@")
        if at and userinfo:
            found.append(userinfo)
            _, colon, password = userinfo.partition(":")
            if colon and password:
                found.append(password)
        for name, value in _QUERY_VALUE.findall("?" + parts.query):
            if value and any(word in name.lower() for word in SECRET_PARAMETER_WORDS):
                found.append(value)
    return list(dict.fromkeys(found))


def _redact_fragment(text: str) -> str:
    """Query values and userinfo in text that is not a whole URL (``url: /path?token=...``)."""
    text = _USERINFO.sub(f"{REDACTED}@", text)
    return _QUERY_VALUE.sub(rf"\1={REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts URLs in a record's message (its arguments are merged in first).

    Installed on the loggers of the HTTP stack (urllib3 logs ``"POST /path?api_key=... HTTP/1.1" 500`` at DEBUG),
    whose messages the provider does not write itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests")
_FILTER = RedactingFilter()


def redact_http_logs() -> None:
    """Install :class:`RedactingFilter` on the HTTP client's loggers (once; later calls do nothing)."""
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
