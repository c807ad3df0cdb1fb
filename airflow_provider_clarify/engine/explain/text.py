"""Text units for NLP explanations (reference §6.6): spaCy blank-language tokenizers plus a rule-based sentencizer.

spaCy covers the 62 languages Clarify lists, and its blank pipelines need no model download (small install).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .errors import ExplanationError
from .kernel_shap import Unit

GRANULARITIES = ("token", "sentence", "paragraph")

LANGUAGE_CODES = {
    "chinese": "zh", "danish": "da", "dutch": "nl", "english": "en", "french": "fr", "german": "de",
    "greek": "el", "italian": "it", "japanese": "ja", "lithuanian": "lt", "multi-language": "xx",
    "norwegian bokmål": "nb", "norwegian bokmal": "nb", "polish": "pl", "portuguese": "pt", "romanian": "ro",
    "russian": "ru", "spanish": "es", "afrikaans": "af", "albanian": "sq", "arabic": "ar", "armenian": "hy",
    "basque": "eu", "bengali": "bn", "bulgarian": "bg", "catalan": "ca", "croatian": "hr", "czech": "cs",
    "estonian": "et", "finnish": "fi", "gujarati": "gu", "hebrew": "he", "hindi": "hi", "hungarian": "hu",
    "icelandic": "is", "indonesian": "id", "irish": "ga", "kannada": "kn", "kyrgyz": "ky", "latvian": "lv",
    "ligurian": "lij", "luxembourgish": "lb", "macedonian": "mk", "malayalam": "ml", "marathi": "mr",
    "nepali": "ne", "persian": "fa", "sanskrit": "sa", "serbian": "sr", "setswana": "tn", "sinhala": "si",
    "slovak": "sk", "slovenian": "sl", "swedish": "sv", "tagalog": "tl", "tamil": "ta", "tatar": "tt",
    "telugu": "te", "thai": "th", "turkish": "tr", "ukrainian": "uk", "urdu": "ur", "vietnamese": "vi",
    "yoruba": "yo",
}  # fmt: skip

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def language_code(language: str) -> str:
    """An ISO code spaCy knows, from a Clarify language name or code."""
    key = str(language).strip().lower()
    code = LANGUAGE_CODES.get(key, key)
    if code not in set(LANGUAGE_CODES.values()):
        raise ExplanationError(
            f"methods.shap.text_config.language {language!r} is not supported; use one of the Clarify language "
            "names (english, german, ...) or their ISO codes (en, de, ..., xx for multi-language)"
        )
    return code


@lru_cache(maxsize=8)
def _pipeline(code: str) -> Any:
    try:
        import spacy
    except ImportError as error:
        raise ExplanationError(
            "methods.shap.text_config needs spaCy: install the provider's `nlp` extra "
            "(pip install 'airflow-provider-clarify[nlp]')"
        ) from error
    try:
        nlp = spacy.blank(code)
    except Exception as error:
        raise ExplanationError(
            f"methods.shap.text_config.language {code!r}: spaCy cannot build its tokenizer ({error}); some "
            "languages need extra packages, or use xx (multi-language)"
        ) from error
    nlp.add_pipe("sentencizer")
    return nlp


def segment(text: str, granularity: str, language: str) -> list[Unit]:
    """The units of ``text`` with 0-based character offsets (whitespace-only spans are never units)."""
    granularity = str(granularity).lower()
    if granularity not in GRANULARITIES:
        raise ExplanationError(
            f"methods.shap.text_config.granularity {granularity!r} is not one of {', '.join(GRANULARITIES)}"
        )
    if granularity == "paragraph":
        units, cursor = [], 0
        for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
            end = match.start() if match else len(text)
            chunk = text[cursor:end]
            stripped = chunk.strip()
            if stripped:
                start = cursor + (len(chunk) - len(chunk.lstrip()))
                units.append(Unit(stripped, start, start + len(stripped)))
            cursor = match.end() if match else len(text)
        return units
    document = _pipeline(language_code(language))(text)
    if granularity == "token":
        return [Unit(t.text, t.idx, t.idx + len(t.text)) for t in document if not t.is_space]
    units = []
    for sentence in document.sents:
        stripped = sentence.text.strip()
        if stripped:
            start = sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
            units.append(Unit(stripped, start, start + len(stripped)))
    return units
