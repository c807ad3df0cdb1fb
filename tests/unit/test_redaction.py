"""One definition of what is secret in a URL: userinfo and query values; scheme, host, port and path stay."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_clarify.redaction import RedactingFilter, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pw@host:8080/invocations", "http://***@host:8080/invocations"),
        ("https://token@host/p", "https://***@host/p"),  # a bare user name is often a token
        ("http://host/p?api_key=K&x=1", "http://host/p?api_key=***&x=***"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=c",
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Credential=***",
        ),
        ("http://host/p#access_token=T", "http://host/p#***"),
        ("http://[::1]:80/p?sig=s", "http://[::1]:80/p?sig=***"),
        ("http://host/invocations", "http://host/invocations"),  # nothing secret: unchanged
        ("http://u:p@w@host/", "http://***@host/"),  # '@' inside the password: everything before the last one
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_redact_text_finds_urls_and_bare_request_lines():
    text = (
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /inv?api_key=KEY&token=T "
        "(model http://user:PASS@127.0.0.1:1/inv?sig=SIG)"
    )
    redacted = redact_text(text)
    assert redacted == (
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /inv?api_key=***&token=*** "
        "(model http://***@127.0.0.1:1/inv?sig=***)"
    )


def test_redact_text_leaves_ordinary_messages_alone():
    message = "label: column 'a=b' is not in the dataset; did you mean 'ab'? (3 of 4 rows)"
    assert redact_text(message) == message


def test_the_logging_filter_redacts_the_merged_message():
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s "%s %s"',
        ("http://127.0.0.1:1", "POST", "/invocations?api_key=KEY"),
        None,
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == 'http://127.0.0.1:1 "POST /invocations?api_key=***"'
