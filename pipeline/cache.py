"""Per-article results kept under the output folder, so a re-run only processes what changed.

An entry is keyed on everything that decides an article's rows: its raw bytes (sha256), its
doc_id and path, its metadata row, and a fingerprint of the code, the rules, spaCy and the model.
Changing any of them misses the cache; a new output folder starts cold.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .ingest import MetaRow, Problem, RawArticle
from .rulesdata import fingerprint
from .files import write_bytes_atomic

CACHE_DIR = ".cache"
ENTRY_SUFFIX = ".pkl"
# Bumped when the layout of an entry changes.
FORMAT = 2


def code_fingerprint(model: str = config.SPACY_MODEL) -> str:
    """Hash of the project's code and rules and of the versions of spaCy and the model (no model load)."""
    versions = []
    for package in ("spacy", model):
        try:
            versions.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package}==?")
    return hashlib.sha256(f"{FORMAT}|{fingerprint()}|{'|'.join(versions)}".encode()).hexdigest()[:16]


def article_key(article: RawArticle, meta: MetaRow | None, code: str) -> str:
    """The cache key of one article's results."""
    meta_part = None if meta is None else [meta.url, meta.published.isoformat() if meta.published else None, meta.publisher]
    blob = json.dumps([code, article.doc_id, article.source_path, article.sha256, meta_part], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class ArticleCache:
    """Pickled per-article outcomes (extract.Packed) in `<out>/.cache/articles/`, one file per key."""

    folder: Path
    used: set[str] = field(default_factory=set)
    unreadable: list[Problem] = field(default_factory=list)

    @classmethod
    def under(cls, out_dir: Path) -> "ArticleCache":
        return cls(Path(out_dir) / CACHE_DIR / "articles")

    def path(self, key: str) -> Path:
        """The file of an entry."""
        return self.folder / f"{key}{ENTRY_SUFFIX}"

    def get(self, key: str, kind: type) -> object | None:
        """The stored value for key (an instance of `kind`), or None when absent or unreadable (then it
        is recomputed)."""
        self.used.add(key)
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            value = pickle.loads(data)
        except Exception as exc:  # a truncated or foreign file is a miss, never a failure
            value = exc
        if not isinstance(value, kind):
            self.unreadable.append(Problem(str(path), f"unreadable cache entry ({type(value).__name__}), recomputed", fatal=False))
            return None
        return value

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store the pickle of an extract.Packed outcome."""
        self.used.add(key)
        write_bytes_atomic(data, self.path(key))

    def prune(self) -> int:
        """Remove entries this run did not use (removed or changed articles, older code); returns how many."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        for path in self.folder.glob(f"*{ENTRY_SUFFIX}"):
            if path.name[: -len(ENTRY_SUFFIX)] not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def regex_cache_path(out_dir: Path) -> Path:
    """Where the compiled patterns of the model's language data are kept (pipeline.regexcache)."""
    return Path(out_dir) / CACHE_DIR / "compiled-patterns.marshal"
