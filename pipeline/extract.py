"""Run every stage over a set of articles and assemble the ten contract tables."""
from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import amounts as amounts_stage
from . import clean as clean_stage
from . import entities as entities_stage
from . import events as events_stage
from . import nlp as nlp_stage
from . import numbers
from . import quotes as quotes_stage
from . import resolve as resolve_stage
from . import timexes as timexes_stage
from .ingest import MetaRow, Problem, RawArticle

if TYPE_CHECKING:  # pandas, pyarrow and the schemas are imported where the tables are built:
    import pandas as pd  # a worker process that only runs the per-article stages never needs them
    from spacy.language import Language
# Per-article tables the corpus-wide steps read and change, held whole in memory by assemble();
# every other table is streamed through in chunks. A corpus-wide step that needs another table adds it here.
CORPUS_WIDE = ("local_entities", "events", "event_participants")
ASSEMBLE_CHUNK = 500
# Articles named in a stage line's note before "and N more".
NOTE_DOCS = 5
# Columns holding article-local entity ids until corpus-wide resolution maps them.
LOCAL_ID_COLUMNS = {
    "mentions": ("entity_id",),
    "roles": ("entity_id", "org_or_country_id"),
    "events": ("location_id",),
    "event_participants": ("entity_id",),
    "quotes": ("speaker_id",),
}


@dataclass
class StageClock:
    """Time and counts per stage, for the one line per stage the CLI prints."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, stage: str, started: float, count: int = 0) -> None:
        self.seconds[stage] += time.perf_counter() - started
        self.counts[stage] += count

    def merge(self, other: "StageClock") -> None:
        """Add another clock's times and counts (a batch run elsewhere: seconds add up over workers)."""
        for stage, seconds in other.seconds.items():
            self.seconds[stage] += seconds
        for stage, count in other.counts.items():
            self.counts[stage] += count
        for stage, notes in other.notes.items():
            self.notes[stage].extend(notes)


@dataclass
class Outcome:
    """What the per-article stages made of one article: its rows (None when it failed) and its problems."""

    doc_id: str
    result: dict[str, list[dict]] | None
    problems: list[Problem]
    removed: int = 0
    sentences: int = 0


@dataclass
class Packed:
    """An Outcome as workers send it back and the cache keeps it: the outcome without its rows, and the
    rows of each table pickled once, where they were made (None when the article failed). Nobody between
    the worker and the corpus-wide steps unpickles the rows, and each of assemble's two passes unpickles
    only the tables it reads."""

    outcome: Outcome
    rows: dict[str, bytes] | None


def pack(outcome: Outcome) -> Packed:
    if outcome.result is None:
        return Packed(outcome, None)
    header = Outcome(outcome.doc_id, None, outcome.problems, outcome.removed, len(outcome.result["sentences"]))
    return Packed(header, {name: pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
                           for name, rows in outcome.result.items()})


@dataclass
class Prepared:
    """An article after the clean stage, ready for the model."""

    doc_id: str
    document: dict
    removed: list[dict]


def document_row(article: RawArticle, meta: MetaRow | None, cleaned: clean_stage.Cleaned) -> dict:
    """The `documents` row: metadata first, then the dateline, for date and publisher."""
    dateline = cleaned.dateline
    published, source = None, "none"
    if meta is not None and meta.published is not None:
        published, source = meta.published, "metadata"
    elif dateline is not None and dateline.year and dateline.month and dateline.day:
        try:
            published, source = dt.date(dateline.year, dateline.month, dateline.day), "dateline"
        except ValueError:
            pass
    publisher = (meta.publisher if meta else None) or (dateline.publisher if dateline else None)
    return {
        "doc_id": article.doc_id,
        "source_path": article.source_path,
        "sha256": article.sha256,
        "title": cleaned.title,
        "publisher": publisher,
        "url": meta.url if meta else None,
        "published": published,
        "published_source": source,
        "dateline_place": dateline.place if dateline else None,
        "text": cleaned.text,
        "n_chars": len(cleaned.text),
    }


def prepare(article: RawArticle, meta: MetaRow | None) -> Prepared:
    cleaned = clean_stage.clean(article.text)
    return Prepared(article.doc_id, document_row(article, meta, cleaned), cleaned.removed)


def analyse(prepared: Prepared, doc, clock: StageClock | None = None) -> dict[str, list[dict]]:
    """All per-article rows of one parsed article, entity ids still local to the article."""
    clock = clock or StageClock()
    doc_id, text = prepared.doc_id, prepared.document["text"]
    anchor = prepared.document["published"]

    t = time.perf_counter()
    sentences = nlp_stage.sentences(doc)
    mentions = entities_stage.find_mentions(doc)
    for i, mention in enumerate(sorted(mentions, key=lambda m: (m["start"], m["end"]))):
        mention.update(mention_id=f"{doc_id}:m{i}", doc_id=doc_id,
                       sentence_id=nlp_stage.sentence_of(sentences, mention["start"]))
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    local_entities = resolve_stage.within_document(doc_id, mentions)
    for mention in mentions:
        mention["entity_id"] = mention.pop("local_id")
    roles = entities_stage.find_roles(doc, mentions)
    for role in roles:
        role["doc_id"] = doc_id
    clock.add("entities", t, len(mentions))

    t = time.perf_counter()
    found_numbers = numbers.find(text)  # read by both amounts and timexes
    amounts = amounts_stage.parse(text, found_numbers=found_numbers)
    for i, amount in enumerate(amounts):
        amount.update(amount_id=f"{doc_id}:a{i}", doc_id=doc_id)
        amount.setdefault("event_id", None)
    clock.add("amounts", t, len(amounts))

    t = time.perf_counter()
    timexes = timexes_stage.normalize(text, anchor, found_numbers=found_numbers)
    for i, timex in enumerate(timexes):
        timex.update(timex_id=f"{doc_id}:t{i}", doc_id=doc_id)
        timex.setdefault("anchor", anchor.isoformat() if anchor else None)
        timex.setdefault("resolved", timex.get("value") is not None)
    clock.add("timexes", t, len(timexes))

    t = time.perf_counter()
    events, participants = events_stage.extract(doc, doc_id=doc_id, mentions=mentions, timexes=timexes,
                                                amounts=amounts, published=anchor, sentences=sentences)
    for event in events:
        event["doc_id"] = doc_id
        event.setdefault("sentence_id", nlp_stage.sentence_of(sentences, event["start"]))
    clock.add("events", t, len(events))

    t = time.perf_counter()
    quotes = quotes_stage.extract(doc, mentions=mentions, roles=roles, sentences=sentences)
    for i, quote in enumerate(quotes):
        quote.update(quote_id=f"{doc_id}:q{i}", doc_id=doc_id)
    clock.add("quotes", t, len(quotes))

    for row in sentences:
        row["doc_id"] = doc_id
    return {
        "documents": [prepared.document],
        "sentences": sentences,
        "mentions": mentions,
        "local_entities": local_entities,
        "roles": roles,
        "events": events,
        "event_participants": participants,
        "amounts": amounts,
        "timexes": timexes,
        "quotes": quotes,
    }


def _map_local_ids(table: str, rows: list[dict], mapping: dict[str, str]) -> None:
    for column in LOCAL_ID_COLUMNS.get(table, ()):
        for row in rows:
            if row.get(column) is not None:
                row[column] = mapping.get(row[column])


def assemble(results: Iterable[dict[str, list[dict]]], clock: StageClock | None = None, sink=None):
    """Corpus-wide steps over per-article rows: entity resolution, event clusters, then the tables.

    Two passes over `results` (a list, or any re-iterable such as PickledResults): the first keeps
    only the CORPUS_WIDE tables, which the corpus-wide steps read and change; the second streams the
    other tables through in chunks of ASSEMBLE_CHUNK articles, mapping their entity ids, into Arrow
    pieces handed to `sink` (default: a schema.FrameSink, giving DataFrames). Returns `sink.finish()`.
    """
    from .schema import SCHEMAS, FrameSink, to_arrow

    clock = clock or StageClock()
    sink = sink if sink is not None else FrameSink()
    if iter(results) is results:  # a one-shot iterator cannot be read twice
        results = list(results)
    rows: dict[str, list[dict]] = defaultdict(list)
    for result in _tables(results, CORPUS_WIDE):
        for name in CORPUS_WIDE:
            rows[name].extend(result.get(name, ()))

    t = time.perf_counter()
    mapping, entity_rows = resolve_stage.across_documents(rows.pop("local_entities", []))
    for table in rows:
        _map_local_ids(table, rows[table], mapping)
    rows["entities"] = entity_rows
    clock.add("resolve", t, len(entity_rows))

    t = time.perf_counter()
    events_stage.assign_clusters(rows["events"], rows["event_participants"])
    clock.add("clusters", t, len({e["cluster_id"] for e in rows["events"]}))

    streamed = [name for name in SCHEMAS if name not in rows]
    chunk: dict[str, list[dict]] = defaultdict(list)

    def flush() -> None:
        for name in streamed:
            if chunk[name]:
                _map_local_ids(name, chunk[name], mapping)
                sink.add(name, to_arrow(name, chunk[name]).replace_schema_metadata(None))
        chunk.clear()

    for i, result in enumerate(_tables(results, streamed), start=1):
        for name in streamed:
            chunk[name].extend(result.get(name, ()))
        if i % ASSEMBLE_CHUNK == 0:
            flush()
    flush()
    for name in SCHEMAS:
        if name in rows:
            sink.add(name, to_arrow(name, rows.pop(name)))
    return sink.finish()


def _tables(results: Iterable[dict[str, list[dict]]], names) -> Iterable[dict[str, list[dict]]]:
    """The results, reading only the rows of the tables `names` where results can leave the others aside."""
    return results.tables(names) if isinstance(results, PickledResults) else results


class PickledResults:
    """Per-article rows kept pickled (a tenth of the memory of the dicts), unpickled on each pass; rows
    that are in the run's cache are read back from its file (a Path) rather than held in memory.
    `tables(names)` unpickles only the rows of those tables; the corpus-wide rows of cache entries read
    ahead (ReadAhead) are taken from there, once."""

    def __init__(self, blobs: list[dict[str, bytes] | Path], ahead: dict[Path, dict[str, list[dict]]] | None = None):
        self.blobs = blobs
        self.ahead = ahead if ahead is not None else {}

    def __len__(self) -> int:
        return len(self.blobs)

    def __iter__(self) -> Iterator[dict[str, list[dict]]]:
        return self.tables(None)

    def tables(self, names: Iterable[str] | None) -> Iterator[dict[str, list[dict]]]:
        wanted = None if names is None else set(names)
        for blob in self.blobs:
            if wanted is not None and isinstance(blob, Path) and blob in self.ahead and wanted <= self.ahead[blob].keys():
                yield self.ahead.pop(blob)
                continue
            pickled = blob if isinstance(blob, dict) else pickle.loads(blob.read_bytes()).rows
            yield {name: pickle.loads(rows) for name, rows in pickled.items() if wanted is None or name in wanted}


class ReadAhead:
    """The corpus-wide rows of articles found in the cache, unpickled in a thread while the workers
    process the other articles (the caller only waits for them then), ready for assemble's first pass."""

    def __init__(self):
        self.pickled: dict[Path, dict[str, bytes]] = {}
        self.rows: dict[Path, dict[str, list[dict]]] = {}
        self.thread: threading.Thread | None = None

    def add(self, path: Path, rows: dict[str, bytes]) -> None:
        self.pickled[path] = {name: rows[name] for name in CORPUS_WIDE if name in rows}

    def _read(self) -> None:
        while self.pickled:  # each article's bytes dropped once unpickled
            path, pickled = self.pickled.popitem()
            self.rows[path] = {name: pickle.loads(rows) for name, rows in pickled.items()}

    def start(self) -> None:
        self.thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)
        self.thread.start()

    def result(self) -> dict[Path, dict[str, list[dict]]]:
        if self.thread is not None:
            self.thread.join()
        return self.rows


def parse_docs(nlp: Language, prepared: list[Prepared], *, batch_size: int = 16, n_process: int = 1) -> Iterator:
    """spaCy docs for prepared articles, in order, one nlp.pipe over the batch."""
    return nlp.pipe((p.document["text"] for p in prepared), batch_size=batch_size, n_process=n_process)


def process_batch(nlp: Language, items: list[tuple[RawArticle, MetaRow | None]], *,
                  batch_size: int = 16) -> tuple[list[Packed], StageClock]:
    """The per-article stages (clean, model, analyse) over a batch; one Doc alive at a time."""
    clock = StageClock()
    outcomes: list[Outcome] = []
    prepared: list[Prepared] = []
    by_path = {article.doc_id: article.source_path for article, _ in items}
    t = time.perf_counter()
    for article, meta in items:
        try:
            prepared.append(prepare(article, meta))
        except Exception as exc:  # one bad article must not stop the others
            outcomes.append(Outcome(article.doc_id, None, [
                Problem(article.source_path, f"clean stage failed: {type(exc).__name__}: {exc}")]))
    clock.add("clean", t, len(prepared))
    docs = parse_docs(nlp, prepared, batch_size=batch_size)
    for item in prepared:
        t = time.perf_counter()
        doc = next(docs)
        clock.add("nlp", t, 1)
        path = by_path[item.doc_id]
        try:
            result = analyse(item, doc, clock)
        except Exception as exc:  # reported with the file name, the article is skipped
            outcomes.append(Outcome(item.doc_id, None, [
                Problem(path, f"analysis failed: {type(exc).__name__}: {exc}")], len(item.removed)))
            continue
        problems = [] if result["mentions"] else [Problem(path, "no named entities found", fatal=False)]
        outcomes.append(Outcome(item.doc_id, result, problems, len(item.removed)))
    return [pack(outcome) for outcome in outcomes], clock


def run(articles: list[RawArticle], metadata: dict[str, MetaRow], nlp: Language | None = None, *,
        cache=None, executor=None, n_process: int = 1, batch_size: int | None = None,
        clock: StageClock | None = None, progress: bool = False, sink=None,
        log=print) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every stage over the articles; an article that fails is reported and left out.

    Articles whose results are in `cache` (a pipeline.cache.ArticleCache) are not processed again;
    the others go through `executor` (default: this process, or a pool of `n_process` processes);
    the model is loaded only when some article needs it; the executor is closed once every article is
    processed, so that its workers' memory is free before the corpus-wide steps (closing twice is harmless).
    Corpus-wide steps always rerun. The tables come back as DataFrames, or go to `sink` (a
    schema.TableWriter writes them piece by piece) and what its finish() returns comes back.
    """
    from . import executors
    from .cache import article_key, code_fingerprint

    clock = clock or StageClock()
    kept: dict[str, tuple[Outcome, dict[str, bytes] | Path | None]] = {}  # doc_id -> (outcome without rows, its rows)

    ahead = ReadAhead()

    def keep(packed: Packed, stored: Path | None = None) -> None:
        """Note an article's outcome; its rows stay in memory unless `stored` holds them (a cache entry)."""
        clock.counts["sentences"] += packed.outcome.sentences
        rows = packed.rows if stored is None or packed.rows is None else stored
        kept[packed.outcome.doc_id] = (packed.outcome, rows)

    keys: dict[str, str] = {}
    todo: list[tuple[RawArticle, MetaRow | None]] = []
    t = time.perf_counter()
    code = code_fingerprint() if cache is not None else ""
    for article in articles:
        meta = metadata.get(article.doc_id)
        if cache is not None:
            keys[article.doc_id] = article_key(article, meta, code)
            hit = cache.get(keys[article.doc_id], Packed)
            if hit is not None:
                stored = cache.path(keys[article.doc_id])
                keep(hit, stored)
                if hit.rows is not None:
                    ahead.add(stored, hit.rows)
                continue
        todo.append((article, meta))
    clock.add("cache", t, len(kept))
    clock.counts["processed"] = len(todo)

    executor = executor or executors.local(nlp, n_process=n_process)
    ahead.start()
    bar = executors.progress_bar(len(todo), enabled=progress)
    try:
        memo = cache.memo_path(code) if cache is not None else None
        for batch, batch_clock in executor.map(todo, batch_size=batch_size, memo=memo):
            clock.merge(batch_clock)
            for packed in batch:
                if cache is None:
                    keep(packed)
                    continue
                key = keys[packed.outcome.doc_id]  # failures cached too: the same code fails the same way
                cache.put_bytes(key, pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL))
                keep(packed, cache.path(key))
            bar.update(len(batch))
    finally:
        bar.close()
        executor.close()
    clock.seconds["model"] += executor.load_seconds

    problems: list[Problem] = []
    blobs: list[dict[str, bytes] | Path] = []
    removed = {}
    for article in articles:
        if article.doc_id not in kept:
            continue
        outcome, blob = kept[article.doc_id]
        problems.extend(outcome.problems)
        if blob is not None:
            blobs.append(blob)
        if outcome.removed:
            removed[outcome.doc_id] = outcome.removed
    if cache is not None:
        t = time.perf_counter()
        clock.counts["pruned"] = cache.prune()
        clock.add("cache", t)
        problems.extend(cache.unreadable)
    clock.counts["clean"] = len(blobs)
    shown = ", ".join(f"{k}: {v}" for k, v in list(removed.items())[:NOTE_DOCS])
    more = f", and {len(removed) - NOTE_DOCS} more articles" if len(removed) > NOTE_DOCS else ""
    clock.notes["clean"].append(f"{sum(removed.values())} boilerplate lines removed" + (f" ({shown}{more})" if removed else ""))
    tables = assemble(PickledResults(blobs, ahead.result()), clock, sink)
    return tables, problems


def extract_text(text: str, published: dt.date | None = None, *, nlp: Language | None = None) -> dict[str, pd.DataFrame]:
    """The contract tables for one article given as a string (doc_id "text")."""
    raw = RawArticle("text", "<text>", text.encode("utf-8"), text, hashlib.sha256(text.encode("utf-8")).hexdigest())
    meta = MetaRow(published=published) if published else None
    tables, problems = run([raw], {"text": meta} if meta else {}, nlp or nlp_stage.load_nlp(), log=lambda *a: None)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ValueError(str(fatal[0]))
    return tables
