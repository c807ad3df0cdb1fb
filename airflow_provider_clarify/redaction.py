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
