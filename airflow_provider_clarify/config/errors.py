"""The one error type of the config layer: every problem of a document, each with its JSON path.

Users fix configs faster when they see all mistakes at once and where each one is, so validation collects
problems instead of stopping at the first, and the exception carries them as data (``.problems``) for operators
and tests, while ``str(error)`` lists them for logs and task failure messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROOT_PATH = "$"


@dataclass(frozen=True, order=True)
class ConfigProblem:
    """One mistake in an analysis config.

    ``path`` is a JSON path without the leading ``$.`` (``methods.shap.baseline``, ``facet[1].value_or_threshold``);
    ``$`` stands for the document as a whole. ``message`` says what is wrong and what would be valid.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ClarifyConfigError(ValueError):
    """An analysis config is not valid; ``problems`` lists every problem found (structural ones by path, then the
    cross-field ones)."""

    def __init__(self, problems: Iterable[ConfigProblem] | str, *, path: str = ROOT_PATH) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem(path, problems)]
        self.problems: list[ConfigProblem] = list(dict.fromkeys(problems))
        super().__init__(self._describe())

    def __reduce__(self) -> tuple[type, tuple[list[ConfigProblem]]]:
        # Keep the problems (not just the text) across pickling, e.g. between processes.
        return (type(self), (self.problems,))

    @property
    def paths(self) -> list[str]:
        """The JSON paths of all problems (convenient for tests and short log lines)."""
        return [problem.path for problem in self.problems]

    def _describe(self) -> str:
        count = len(self.problems)
        head = f"invalid analysis config ({count} problem{'s' if count != 1 else ''})"
        return head + "".join(f"\n  - {problem}" for problem in self.problems)


def join_path(parent: str, key: str | int) -> str:
    """Extend a JSON path: ``join_path("methods", "shap") == "methods.shap"``, ``join_path("facet", 1) == "facet[1]"``."""
    if isinstance(key, int):
        return f"{parent}[{key}]" if parent != ROOT_PATH else f"[{key}]"
    return key if parent in ("", ROOT_PATH) else f"{parent}.{key}"
