"""Named entities: the model's spans, repaired and completed by rules from rules/entities/."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}


def add_components(nlp: Language) -> None:
    """Add the project's registered entity components to a loaded pipeline."""


def find_mentions(doc: Doc) -> list[dict]:
    """Entity mentions of a parsed article: start, end, text, label, source, rule_id."""
    return [
        {"start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": LABELS.get(ent.label_, "MISC"),
         "source": "model", "rule_id": "model"}
        for ent in doc.ents
    ]


def find_roles(doc: Doc, mentions: list[dict]) -> list[dict]:
    """Titles of persons: entity_id (local), role, org_or_country_id (local or None), start, end."""
    return []
