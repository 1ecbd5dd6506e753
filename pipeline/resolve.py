"""Entity resolution: short forms to full forms within an article, spelling variants across articles."""
from __future__ import annotations

import hashlib


def entity_id_for(label: str, name: str) -> str:
    """A stable id for a canonical name: the same name and label give the same id in every run."""
    return "E" + hashlib.sha1(f"{label}|{name}".encode("utf-8")).hexdigest()[:12]


def within_document(doc_id: str, mentions: list[dict]) -> list[dict]:
    """Group an article's mentions into local entities; sets mention['local_id'] and returns the entities.

    Each local entity: local_id, name, label, aliases (list), n_mentions.
    """
    groups: dict[tuple[str, str], dict] = {}
    for mention in mentions:
        key = (mention["label"], mention["text"])
        if key not in groups:
            groups[key] = {"local_id": f"{doc_id}#{len(groups)}", "name": mention["text"], "label": mention["label"],
                           "aliases": [], "n_mentions": 0}
        group = groups[key]
        mention["local_id"] = group["local_id"]
        group["n_mentions"] += 1
        if mention["text"] not in group["aliases"]:
            group["aliases"].append(mention["text"])
    return list(groups.values())


def across_documents(local_entities: list[dict]) -> tuple[dict[str, str], list[dict]]:
    """Join local entities of all articles into corpus entities.

    Returns the map local_id -> entity_id and the `entities` table rows
    (entity_id, name, label, aliases, n_mentions, n_docs, country, wikidata_id).
    """
    mapping: dict[str, str] = {}
    rows: dict[str, dict] = {}
    for local in local_entities:
        eid = entity_id_for(local["label"], local["name"])
        mapping[local["local_id"]] = eid
        row = rows.setdefault(eid, {"entity_id": eid, "name": local["name"], "label": local["label"], "aliases": [],
                                    "n_mentions": 0, "docs": set(), "country": None, "wikidata_id": None})
        row["n_mentions"] += local["n_mentions"]
        row["docs"].add(local["local_id"].rsplit("#", 1)[0])
        row["aliases"] = sorted(set(row["aliases"]) | set(local["aliases"]))
    out = []
    for row in sorted(rows.values(), key=lambda r: r["entity_id"]):
        row["n_docs"] = len(row.pop("docs"))
        out.append(row)
    return mapping, out
