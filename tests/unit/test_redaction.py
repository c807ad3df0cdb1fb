"""One definition of what is secret in a URL: userinfo and query values; scheme, host, port and path stay."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_clarify.redaction import RedactingFilter, redact_text, redact_url, url_credentials


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


@pytest.mark.parametrize(
    ("text", "credentials"),
    [
        (
            "http://modeluser:pw-7f3a@models:8080/invocations?api_key=k-51e0&sig=s-c0ff&version=2024-01-01",
            ["modeluser:pw-7f3a", "pw-7f3a", "k-51e0", "s-c0ff"],
        ),
        (
            "call https://tok-123456@models/x).",
            ["tok-123456"],
        ),  # a bare token as userinfo, sentence punctuation
        (
            "s3 https://b.s3.amazonaws.com/k?X-Amz-Date=20240101T000000Z&X-Amz-Signature=abc123&X-Amz-Security-Token=t0k",
            ["abc123", "t0k"],
        ),
        ("http://models:8080/invocations?format=csv", []),  # nothing secret: nothing to mask everywhere
        (
            "user:pw@host without a scheme, /path?api_key=abc",
            [],
        ),  # not URLs: redact_text's business, not a masker's
        ("http://a:same-pw@h/x and http://b:same-pw@h/y", ["a:same-pw", "same-pw", "b:same-pw"]),
    ],
)
def test_url_credentials_are_what_a_masker_should_hide(text, credentials):
    assert url_credentials(text) == credentials
