"""Benchmark corpora: distinct articles of a few hundred words cut from real French newspaper sentences."""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20230228
MIN_WORDS, MAX_WORDS = 200, 450
SENTENCES_PER_PARAGRAPH = 4
FIRST_DAY, N_DAYS = dt.date(1900, 1, 1), 40 * 365


@dataclass(frozen=True)
class Article:
    doc_id: str
    text: str
    published: dt.date

    @property
    def n_words(self) -> int:
        return len(self.text.split())


def read_pool(path: Path) -> list[list[str]]:
    """Sentences of the pool grouped by source document, in their original order."""
    docs: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
                docs[record["doc"]].append(record["text"].strip())
            except (json.JSONDecodeError, KeyError) as exc:
                raise ValueError(f"{path}:{line_no}: expected a JSON object with 'text' and 'doc': {exc}") from exc
    return [sentences for sentences in docs.values() if sentences]


def articles(pool: list[list[str]], *, seed: int = SEED) -> Iterator[Article]:
    """An endless sequence of distinct articles; the first N of it are the N-article corpus.

    Each article is a run of consecutive sentences of one source document, starting at a random
    sentence and stopping at a random length, so any number of articles can be drawn, all distinct.
    """
    rng = random.Random(seed)
    weights = [len(doc) for doc in pool]
    seen: set[str] = set()
    while True:
        doc = rng.choices(pool, weights=weights)[0]
        start, target = rng.randrange(len(doc)), rng.randint(MIN_WORDS, MAX_WORDS)
        picked, words = [], 0
        for sentence in doc[start:]:
            picked.append(sentence)
            words += len(sentence.split())
            if words >= target:
                break
        if words < MIN_WORDS // 2:
            continue
        paragraphs = [" ".join(picked[i:i + SENTENCES_PER_PARAGRAPH])
                      for i in range(0, len(picked), SENTENCES_PER_PARAGRAPH)]
        text = "\n\n".join(paragraphs) + "\n"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        published = FIRST_DAY + dt.timedelta(days=rng.randrange(N_DAYS))
        yield Article(f"bench_{len(seen):05d}_{digest[:8]}", text, published)


def write_corpus(items: list[Article], folder: Path) -> None:
    """Write articles as a seed folder: one .txt per article and metadata.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        (folder / f"{item.doc_id}.txt").write_text(item.text, encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["doc_id", "url", "published", "publisher"])
    for item in items:
        writer.writerow([item.doc_id, "", item.published.isoformat(), "bench"])
    (folder / "metadata.csv").write_text(buffer.getvalue(), encoding="utf-8")
