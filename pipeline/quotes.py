"""Quoted speech with its speaker and reporting verb."""
from __future__ import annotations

from spacy.tokens import Doc


def extract(doc: Doc, *, mentions: list[dict]) -> list[dict]:
    """Quotes of a parsed article: start, end, text, speaker_id (local entity id or None), verb, rule_id."""
    return []
