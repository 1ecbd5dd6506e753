"""Precision, recall and F1 per table against the hand-written gold in tests/gold/.

Matching: entities by label and surface form (distinct forms per article); entity resolution by
B-cubed over the (article, surface form) items both sides have; events by type, and by type and
date; event arguments (participants and location) of matched events; amounts by value and
currency; timexes by span (folded text, leading prepositions and articles aside) and by value;
quotes by speaker and opening words.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .textnorm import fold

_TIMEX_LEAD = re.compile(r"^(?:(?:le|la|les|l'|en|depuis|dès|des|à|au|aux|de|du|d'|pour|jusqu'à|jusqu'au|vers)\s*)+")


@dataclass
class Score:
    tp: float = 0.0
    n_pred: float = 0.0
    n_gold: float = 0.0

    def add(self, tp: float, n_pred: float, n_gold: float) -> None:
        self.tp += tp
        self.n_pred += n_pred
        self.n_gold += n_gold

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else (1.0 if not self.n_gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else (1.0 if not self.n_pred else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "n_pred": self.n_pred, "n_gold": self.n_gold}


@dataclass
class RatioScore(Score):
    """A score whose precision and recall are averages (B-cubed), not counts; tp/n_pred/n_gold give the item count."""

    p: float = 0.0
    r: float = 0.0

    @property
    def precision(self) -> float:
        return self.p

    @property
    def recall(self) -> float:
        return self.r


def load_gold(gold_dir: Path) -> tuple[dict[str, dict], list[dict]]:
    """Per-article gold keyed by doc_id, and the corpus-wide entities of entities.json."""
    docs = {}
    for path in sorted(gold_dir.glob("*.json")):
        if path.name == "entities.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        docs[data["doc_id"]] = data
    corpus_path = gold_dir / "entities.json"
    corpus = json.loads(corpus_path.read_text(encoding="utf-8")) if corpus_path.exists() else []
    return docs, corpus


def load_outputs(out_dir: Path) -> dict[str, pd.DataFrame]:
    from .schema import SCHEMAS

    tables = {}
    for name in SCHEMAS:
        path = out_dir / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such table; run `make extract` (or `python -m pipeline extract --out {out_dir}`) first")
        tables[name] = pd.read_parquet(path)
    return tables


def _multiset_match(pred: list, gold: list) -> int:
    return sum((Counter(pred) & Counter(gold)).values())


def _timex_key(text: str) -> str:
    return _TIMEX_LEAD.sub("", fold(text)).strip()


def _greedy_pairs(preds: list, golds: list, compatible, preference) -> list[tuple[int, int]]:
    """Pairs (pred index, gold index), each used once, best `preference` first among compatible ones."""
    candidates = [(preference(p, g), i, j) for i, p in enumerate(preds) for j, g in enumerate(golds) if compatible(p, g)]
    used_p, used_g, pairs = set(), set(), []
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


class _DocView:
    """One article's predicted rows, with entity ids mapped to gold entity names."""

    def __init__(self, doc_id: str, tables: dict[str, pd.DataFrame], gold: dict):
        self.doc_id = doc_id
        self.text = ""
        documents = tables["documents"]
        row = documents[documents.doc_id == doc_id]
        if len(row):
            self.text = row.iloc[0]["text"]
        self.frames = {name: frame[frame.doc_id == doc_id] if "doc_id" in frame.columns else frame
                       for name, frame in tables.items()}
        alias_to_gold: dict[str, str] = {}
        for entity in gold.get("entities", []):
            for alias in [entity["name"], *entity.get("aliases", [])]:
                alias_to_gold.setdefault(fold(alias), entity["name"])
        mentions = self.frames["mentions"]
        by_entity: dict[str, Counter] = defaultdict(Counter)
        for mention in mentions.itertuples():
            name = alias_to_gold.get(fold(mention.text))
            by_entity[mention.entity_id][name] += 1
        entities = tables["entities"]
        for entity in entities.itertuples():
            if entity.entity_id in by_entity:
                continue
            names = [alias_to_gold.get(fold(a)) for a in [entity.name, *list(entity.aliases)]]
            names = [n for n in names if n]
            if names:
                by_entity[entity.entity_id][Counter(names).most_common(1)[0][0]] += 1
        self.gold_name = {}
        for eid, counts in by_entity.items():
            best = [(c, n) for n, c in counts.items() if n]
            self.gold_name[eid] = max(best)[1] if best else f"<unmatched:{eid}>"

    def name_of(self, entity_id) -> str | None:
        if entity_id is None or (isinstance(entity_id, float) and pd.isna(entity_id)):
            return None
        return self.gold_name.get(entity_id, f"<unmatched:{entity_id}>")


def _score_entities(view: _DocView, gold: dict, scores: dict[str, Score]) -> None:
    gold_forms = {(e["label"], fold(a)) for e in gold.get("entities", []) for a in {e["name"], *e.get("aliases", [])}}
    pred_forms = {(m.label, fold(m.text)) for m in view.frames["mentions"].itertuples()}
    for label in ("PER", "LOC", "ORG", "MISC"):
        g = {f for f in gold_forms if f[0] == label}
        p = {f for f in pred_forms if f[0] == label}
        scores[f"entities_{label}"].add(len(g & p), len(p), len(g))
    scores["entities"].add(len(gold_forms & pred_forms), len(pred_forms), len(gold_forms))


def _event_rows(view: _DocView) -> list[dict]:
    events = view.frames["events"]
    participants = view.frames["event_participants"]
    rows = []
    for event in events.itertuples():
        names = {view.name_of(p.entity_id) for p in participants[participants.event_id == event.event_id].itertuples()}
        rows.append({"type": event.event_type, "date": event.date_value if isinstance(event.date_value, str) else None,
                     "start": int(event.start), "end": int(event.end), "location": view.name_of(event.location_id),
                     "participants": {n for n in names if n}})
    return rows


def _score_events(view: _DocView, gold: dict, scores: dict[str, Score]) -> None:
    preds = _event_rows(view)
    golds = []
    for event in gold.get("events", []):
        at = view.text.find(event.get("evidence") or "\0")
        golds.append({"type": event["event_type"], "date": event.get("date"), "location": event.get("location"),
                      "participants": set(event.get("participants", [])),
                      "start": at, "end": at + len(event.get("evidence") or "") if at >= 0 else -1})

    def overlap(p, g):
        return max(0, min(p["end"], g["end"]) - max(p["start"], g["start"])) if g["start"] >= 0 else 0

    same_type = lambda p, g: p["type"] == g["type"]
    pairs = _greedy_pairs(preds, golds, same_type, lambda p, g: (overlap(p, g) > 0) * 2 + (p["date"] == g["date"]))
    scores["events_type"].add(len(pairs), len(preds), len(golds))
    dated = _greedy_pairs(preds, golds, lambda p, g: same_type(p, g) and p["date"] == g["date"],
                          lambda p, g: overlap(p, g) > 0)
    scores["events_type_date"].add(len(dated), len(preds), len(golds))

    def args(event):
        found = {("participant", n) for n in event["participants"]}
        if event["location"]:
            found.add(("location", event["location"]))
        return found

    tp = 0
    for i, j in pairs:
        tp += len(args(preds[i]) & args(golds[j]))
    scores["event_arguments"].add(tp, sum(len(args(p)) for p in preds), sum(len(args(g)) for g in golds))


def _score_amounts(view: _DocView, gold: dict, scores: dict[str, Score]) -> None:
    pred = [(round(float(a.value), 2), a.currency) for a in view.frames["amounts"].itertuples()]
    golds = [(round(float(a["value"]), 2), a["currency"]) for a in gold.get("amounts", [])]
    scores["amounts"].add(_multiset_match(pred, golds), len(pred), len(golds))


def _score_timexes(view: _DocView, gold: dict, scores: dict[str, Score]) -> None:
    preds = [{"key": _timex_key(t.text), "value": t.value if isinstance(t.value, str) else None}
             for t in view.frames["timexes"].itertuples()]
    golds = [{"key": _timex_key(t["text"]), "value": t.get("value")} for t in gold.get("timexes", [])]
    scores["timexes_span"].add(_multiset_match([p["key"] for p in preds], [g["key"] for g in golds]),
                               len(preds), len(golds))
    pairs = _greedy_pairs(preds, golds, lambda p, g: p["value"] == g["value"] and (p["key"] in g["key"] or g["key"] in p["key"]),
                          lambda p, g: p["key"] == g["key"])
    scores["timexes_value"].add(len(pairs), len(preds), len(golds))


def _score_quotes(view: _DocView, gold: dict, scores: dict[str, Score]) -> None:
    preds = [{"text": fold(q.text), "speaker": view.name_of(q.speaker_id)} for q in view.frames["quotes"].itertuples()]
    golds = [{"text": fold(q["starts_with"]), "speaker": q.get("speaker")} for q in gold.get("quotes", [])]
    opens = lambda p, g: p["text"].startswith(g["text"]) or g["text"].startswith(p["text"][:len(g["text"])] or "\0")
    scores["quotes_span"].add(len(_greedy_pairs(preds, golds, opens, lambda p, g: 0)), len(preds), len(golds))
    pairs = _greedy_pairs(preds, golds, lambda p, g: opens(p, g) and p["speaker"] == g["speaker"], lambda p, g: 0)
    scores["quotes"].add(len(pairs), len(preds), len(golds))


def _bcubed(tables: dict[str, pd.DataFrame], gold_docs: dict[str, dict], corpus: list[dict]) -> Score:
    """B-cubed over (article, surface form) items present in both gold and output."""
    gold_cluster: dict[tuple[str, str], str] = {}
    for entity in corpus:
        for alias in {entity["name"], *entity.get("aliases", [])}:
            gold_cluster.setdefault((entity["label"], fold(alias)), f"{entity['label']}|{entity['name']}")
    mentions = tables["mentions"]
    pred_of: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for m in mentions.itertuples():
        pred_of[(m.doc_id, fold(m.text))][m.entity_id] += 1
    items = []
    for doc_id, gold in gold_docs.items():
        for entity in gold.get("entities", []):
            for alias in {entity["name"], *entity.get("aliases", [])}:
                key = (doc_id, fold(alias))
                cluster = gold_cluster.get((entity["label"], fold(alias)))
                if key in pred_of and cluster:
                    items.append((key, cluster, pred_of[key].most_common(1)[0][0]))
    if not items:
        return RatioScore()
    by_gold: dict[str, set] = defaultdict(set)
    by_pred: dict[str, set] = defaultdict(set)
    for key, g, p in items:
        by_gold[g].add(key)
        by_pred[p].add(key)
    precision = recall = 0.0
    for key, g, p in items:
        both = len(by_gold[g] & by_pred[p])
        precision += both / len(by_pred[p])
        recall += both / len(by_gold[g])
    n = len(items)
    return RatioScore(tp=n, n_pred=n, n_gold=n, p=precision / n, r=recall / n)


def evaluate(tables: dict[str, pd.DataFrame], gold_docs: dict[str, dict], corpus: list[dict]) -> dict[str, dict]:
    """Scores per table (a dict of name -> precision, recall, f1, counts)."""
    scores: dict[str, Score] = defaultdict(Score)
    for doc_id, gold in gold_docs.items():
        view = _DocView(doc_id, tables, gold)
        _score_entities(view, gold, scores)
        _score_events(view, gold, scores)
        _score_amounts(view, gold, scores)
        _score_timexes(view, gold, scores)
        _score_quotes(view, gold, scores)
    scores["resolution_bcubed"] = _bcubed(tables, gold_docs, corpus)
    order = ["entities", "entities_PER", "entities_LOC", "entities_ORG", "entities_MISC", "resolution_bcubed",
             "events_type", "events_type_date", "event_arguments", "amounts", "timexes_span", "timexes_value",
             "quotes_span", "quotes"]
    return {name: scores[name].as_dict() for name in order}


def format_table(results: dict[str, dict]) -> str:
    lines = [f"{'table':<20} {'precision':>9} {'recall':>7} {'F1':>6}   {'tp':>6} {'pred':>6} {'gold':>6}"]
    for name, s in results.items():
        if name == "resolution_bcubed":
            lines.append(f"{name:<20} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
            continue
        lines.append(f"{name:<20} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}   "
                     f"{s['tp']:>6g} {s['n_pred']:>6g} {s['n_gold']:>6g}")
    return "\n".join(lines)


def _write_json(results: dict, path: Path) -> None:
    """Scores as indented JSON, written atomically."""
    from .files import write_bytes_atomic

    write_bytes_atomic((json.dumps(results, indent=2) + "\n").encode("utf-8"), path)


def spacy_baseline_tables(seeds_dir) -> dict:
    """Tables of fr_core_news_md out of the box over the cleaned articles of `seeds_dir`: its NER spans
    as mentions, one entity per exact text and label across the corpus; every other table empty."""
    import spacy

    from .entities import model_mentions
    from .extract import prepare
    from .ingest import read_seeds
    from .resolve import entity_id_for
    from .schema import SCHEMAS, empty_frame, to_arrow

    seeds = read_seeds(seeds_dir)
    prepared = [prepare(article, seeds.metadata.get(article.doc_id)) for article in seeds.articles]
    nlp = spacy.load(config.SPACY_MODEL)
    mentions, entities = [], {}
    for item, doc in zip(prepared, nlp.pipe(p.document["text"] for p in prepared)):
        for i, m in enumerate(model_mentions(doc)):
            eid = entity_id_for(m["label"], m["text"])
            mentions.append({**m, "mention_id": f"{item.doc_id}:m{i}", "doc_id": item.doc_id, "sentence_id": None,
                             "entity_id": eid})
            row = entities.setdefault(eid, {"entity_id": eid, "name": m["text"], "label": m["label"], "aliases": [m["text"]],
                                            "n_mentions": 0, "docs": set(), "country": None, "wikidata_id": None})
            row["n_mentions"] += 1
            row["docs"].add(item.doc_id)
    for row in entities.values():
        row["n_docs"] = len(row.pop("docs"))
    tables = {name: empty_frame(name) for name in SCHEMAS}
    tables["documents"] = to_arrow("documents", [p.document for p in prepared]).to_pandas()
    tables["mentions"] = to_arrow("mentions", mentions).to_pandas()
    tables["entities"] = to_arrow("entities", list(entities.values())).to_pandas()
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--gold", default=str(config.GOLD_DIR), help="folder of gold JSON files")
    parser.add_argument("--out", default=str(config.OUT_DIR), help="folder of the extracted tables; scores.json is written there")
    parser.add_argument("--baseline", choices=["spacy"],
                        help="score a baseline instead of the tables: `spacy` runs bare fr_core_news_md NER over the "
                             "cleaned seed texts (entities and resolution rows only; written to baseline_spacy.json)")
    parser.add_argument("--seeds", default=str(config.SEEDS_DIR), help="with --baseline: folder of the articles")
    args = parser.parse_args(argv)
    out = Path(args.out)
    gold_docs, corpus = load_gold(Path(args.gold))
    if not gold_docs:
        print(f"error: {args.gold}: no gold files (<doc_id>.json)", file=sys.stderr)
        return 2
    if args.baseline:
        results = evaluate(spacy_baseline_tables(Path(args.seeds)), gold_docs, corpus)
        results = {k: v for k, v in results.items() if k.startswith(("entities", "resolution"))}
        print(format_table(results))
        _write_json(results, out / "baseline_spacy.json")
        return 0
    try:
        tables = load_outputs(out)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = evaluate(tables, gold_docs, corpus)
    print(format_table(results))
    _write_json(results, out / "scores.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
