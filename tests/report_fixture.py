"""A small hand-made article with its tables filled in, so the notebook and the report are checked with
events, participants, amounts, dates and quotes whatever the stages extract from the seeds today."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipeline.resolve import entity_id_for
from pipeline.schema import SCHEMAS, to_arrow, write_atomic

TEXT = ("Le ministre ouzbek des Affaires étrangères, Bakhtiyor Saïdov, a rencontré lundi à Tachkent "
        "son homologue allemande Annalena Baerbock. L'Allemagne versera 15 millions d'euros au projet. "
        "« Nous ouvrons une nouvelle page », a déclaré Annalena Baerbock. "
        "Les deux ministres se retrouveront en juin à Berlin.")
# A second article on the same meeting: its event shares the first one's cluster.
TEXT_2 = "Annalena Baerbock a rencontré Bakhtiyor Saïdov à Tachkent pour parler d'énergie."


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def tables() -> dict[str, pd.DataFrame]:
    """The ten tables of the two articles above, as the stages would write them."""
    doc = "fixture_001"
    ents = {name: (entity_id_for(label, name), label) for name, label in (
        ("Bakhtiyor Saïdov", "PER"), ("Annalena Baerbock", "PER"), ("Tachkent", "LOC"), ("Allemagne", "LOC"),
        ("Berlin", "LOC"))}
    mentions = []
    for name, (eid, label) in ents.items():
        at = 0
        while name in TEXT[at:]:
            start, end = _span(TEXT, name, at)
            mentions.append({"mention_id": f"{doc}:m{len(mentions)}", "doc_id": doc, "sentence_id": 0, "start": start,
                             "end": end, "text": name, "label": label, "entity_id": eid, "source": "rule", "rule_id": "fixture"})
            at = end
    meet, plan, aid = (f"{doc}:e{i}" for i in range(3))
    events = [
        {"event_id": meet, "event_type": "meeting", "status": "occurred", "trigger": "a rencontré",
         "part": "a rencontré lundi à Tachkent", "date_value": "2024-03-04", "date_text": "lundi", "location": "Tachkent",
         "plover": "CONSULT"},
        {"event_id": plan, "event_type": "meeting", "status": "planned", "trigger": "se retrouveront",
         "part": "se retrouveront en juin à Berlin", "date_value": "2024-06", "date_text": "en juin", "location": "Berlin",
         "plover": "AGREE"},
        {"event_id": aid, "event_type": "aid", "status": "planned", "trigger": "versera",
         "part": "versera 15 millions d'euros", "date_value": None, "date_text": None, "location": None, "plover": "AGREE"},
    ]
    event_rows = []
    for event in events:
        start, end = _span(TEXT, event.pop("part"))
        location = event.pop("location")
        event_rows.append({**event, "doc_id": doc, "sentence_id": 0, "start": start, "end": end,
                           "location_id": ents[location][0] if location else None,
                           "amount_id": f"{doc}:a0" if event["event_id"] == aid else None,
                           "cluster_id": event["event_id"], "rule_id": "fixture"})
    start, end = _span(TEXT_2, "a rencontré Bakhtiyor Saïdov à Tachkent")
    event_rows.append({"event_id": "fixture_002:e0", "doc_id": "fixture_002", "event_type": "meeting",
                       "status": "occurred", "trigger": "a rencontré", "sentence_id": 0, "start": start, "end": end,
                       "date_value": None, "date_text": None, "location_id": ents["Tachkent"][0], "amount_id": None,
                       "plover": "CONSULT", "cluster_id": meet, "rule_id": "fixture"})
    for name in ("Annalena Baerbock", "Bakhtiyor Saïdov", "Tachkent"):
        start, end = _span(TEXT_2, name)
        eid, label = ents[name]
        mentions.append({"mention_id": f"fixture_002:m{len(mentions)}", "doc_id": "fixture_002", "sentence_id": 0,
                         "start": start, "end": end, "text": name, "label": label, "entity_id": eid,
                         "source": "rule", "rule_id": "fixture"})
    participants = [{"event_id": e, "entity_id": ents[n][0], "role": r} for e, n, r in (
        ("fixture_002:e0", "Annalena Baerbock", "agent"), ("fixture_002:e0", "Bakhtiyor Saïdov", "participant"),
        (meet, "Bakhtiyor Saïdov", "agent"), (meet, "Annalena Baerbock", "participant"),
        (plan, "Bakhtiyor Saïdov", "participant"), (plan, "Annalena Baerbock", "participant"),
        (aid, "Allemagne", "agent"))]
    start, end = _span(TEXT, "15 millions d'euros")
    amounts = [{"amount_id": f"{doc}:a0", "doc_id": doc, "start": start, "end": end, "text": TEXT[start:end],
                "value": 15e6, "currency": "EUR", "event_id": aid, "rule_id": "fixture"}]
    timexes = []
    for part, kind, value in (("lundi", "DATE", "2024-03-04"), ("en juin", "DATE", "2024-06")):
        start, end = _span(TEXT, part)
        timexes.append({"timex_id": f"{doc}:t{len(timexes)}", "doc_id": doc, "start": start, "end": end,
                        "text": part, "type": kind, "value": value, "anchor": "2024-03-05", "resolved": True,
                        "rule_id": "fixture"})
    start, end = _span(TEXT, "Nous ouvrons une nouvelle page")
    quotes = [{"quote_id": f"{doc}:q0", "doc_id": doc, "start": start, "end": end, "text": TEXT[start:end],
               "speaker_id": ents["Annalena Baerbock"][0], "verb": "déclarer", "rule_id": "fixture"}]
    start, end = _span(TEXT, "ministre ouzbek des Affaires étrangères")
    role = {"doc_id": doc, "entity_id": ents["Bakhtiyor Saïdov"][0], "role": "ministre des Affaires étrangères",
            "org_or_country_id": None, "start": start, "end": end}
    entities = [{"entity_id": eid, "name": name, "label": label, "aliases": [name],
                 "n_mentions": sum(m["entity_id"] == eid for m in mentions),
                 "n_docs": len({m["doc_id"] for m in mentions if m["entity_id"] == eid}), "country": None,
                 "wikidata_id": None} for name, (eid, label) in ents.items()]
    rows = {
        "documents": [{"doc_id": doc, "source_path": "fixture/fixture_001.txt", "sha256": "0" * 64,
                       "title": "Rencontre à Tachkent", "publisher": "Fixture", "url": None,
                       "published": dt.date(2024, 3, 5), "published_source": "metadata", "dateline_place": None,
                       "text": TEXT, "n_chars": len(TEXT)},
                      {"doc_id": "fixture_002", "source_path": "fixture/fixture_002.txt", "sha256": "1" * 64,
                       "title": None, "publisher": None, "url": None, "published": None, "published_source": "none",
                       "dateline_place": None, "text": TEXT_2, "n_chars": len(TEXT_2)}],
        "sentences": [{"doc_id": doc, "sentence_id": 0, "start": 0, "end": len(TEXT)},
                      {"doc_id": "fixture_002", "sentence_id": 0, "start": 0, "end": len(TEXT_2)}],
        "mentions": mentions, "entities": entities, "roles": [role], "events": event_rows,
        "event_participants": participants, "amounts": amounts, "timexes": timexes, "quotes": quotes,
    }
    return {name: to_arrow(name, rows[name]).to_pandas() for name in SCHEMAS}


def write(out: Path) -> Path:
    """The fixture tables as Parquet files in `out`, as `make extract` writes them."""
    for name, frame in tables().items():
        write_atomic(to_arrow(name, frame), out / f"{name}.parquet")
    return out
