"""Credentials in the URLs of rendered template fields, registered with Airflow's secrets masker.

Why: Airflow stores every rendered template field of a task instance (the ``rendered_task_instance_fields``
table, shown in the UI's "Rendered Template" view) after passing it through its secrets masker, and the masker
also filters every task log line. It knows the secrets of connections and variables it has read, not a password
written into a config: ``predictor.local_predictor: "http://user:s3cret@models:8080/invocations"`` would be
stored and shown as written. Registering the credentials of each URL in the rendered fields with ``mask_secret``
(the hook Airflow itself uses for connection passwords) right after rendering — before Airflow serialises the
fields — makes the stored fields and every later log line show ``***`` instead. What counts as a credential is
:func:`airflow_provider_clarify.redaction.url_credentials`: the userinfo and the values of query parameters
named like a key, token or signature. Airflow leaves values shorter than ``[logging] min_length_masked_secret``
(5 by default) unmasked.

The place for a credential is still an Airflow connection (``{{ conn.model.password }}`` is masked by Airflow
itself) or the ``predictor=`` argument, which is rendered inside ``execute`` and never stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airflow_provider_clarify.redaction import url_credentials

_SCALARS = (bool, int, float, bytes)


def mask_url_credentials(value: object) -> list[str]:
    """Register the URL credentials found anywhere in ``value`` with Airflow's secrets masker; return them.

    ``value`` is a rendered template field: text, or dicts / lists of them at any depth (walked without
    recursion, so a deeply nested value cannot exhaust the stack here), or an object shown by its ``str``.
    """
    from airflow.providers.common.compat.sdk import mask_secret

    found = list(dict.fromkeys(secret for text in _texts(value) for secret in url_credentials(text)))
    for secret in found:
        mask_secret(secret)
    return found


def _texts(value: object) -> Iterator[str]:
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, _SCALARS):
            continue
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
        elif isinstance(item, os.PathLike):
            yield os.fsdecode(item)
        else:  # a builder object or an AnalysisConfig: Airflow shows it by its text
            yield str(item)


class MaskRenderedUrlCredentialsMixin:
    """An operator whose rendered template fields may hold URLs with credentials (see the module doc).

    Hooks ``_do_render_template_fields``, the step both a task and a mapped task's unmapped copy render through
    (``render_template_fields`` of a mapped operator does not call the unmapped task's ``render_template_fields``).
    """

    def _do_render_template_fields(
        self, parent: Any, template_fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> None:
        fields = list(template_fields)
        super()._do_render_template_fields(parent, fields, *args, **kwargs)  # type: ignore[misc]
        if parent is self:
            mask_url_credentials([getattr(self, name, None) for name in fields])
