"""Rule-based events with their participants, place, date and amount, and clusters across articles."""
from __future__ import annotations

from spacy.tokens import Doc


def extract(doc: Doc, *, doc_id: str, mentions: list[dict], timexes: list[dict], amounts: list[dict],
            published=None) -> tuple[list[dict], list[dict]]:
    """Events (event rows with local entity ids) and their participants of one parsed article.

    May set amount['event_id'] on the amounts it links.
    """
    return [], []


def assign_clusters(events: list[dict], participants: list[dict]) -> None:
    """Set event['cluster_id'] so that the same real-world event across articles shares one id."""
    for event in events:
        event["cluster_id"] = event["event_id"]
