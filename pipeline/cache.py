"""Per-article results kept under the output folder, so a re-run only processes what changed.

An entry is keyed on everything that decides an article's rows: its raw bytes (sha256), its
doc_id and path, its metadata row, and a fingerprint of the code, the rules, the model and the
installed version of every library the project requires (a dateparser upgrade may change dates).
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
MEMO_PREFIX = "built-rules-"
# Bumped when the layout of an entry changes.
FORMAT = 3


def code_fingerprint(model: str = config.SPACY_MODEL) -> str:
    """Hash of the project's code and rules and of the installed versions of the model and of the libraries
    the project requires (no model load)."""
    versions = []
    for package in dict.fromkeys(("spacy", model, *_required())):
        try:
            versions.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package}==?")
    return hashlib.sha256(f"{FORMAT}|{fingerprint()}|{'|'.join(versions)}".encode()).hexdigest()[:16]


def _required() -> list[str]:
    """The libraries the installed project requires outside its extras (none when it is not installed)."""
    from packaging.requirements import Requirement

    try:
        declared = importlib.metadata.requires(config.DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    required = (Requirement(line) for line in declared)
    return sorted(r.name for r in required if r.marker is None or r.marker.evaluate({"extra": ""}))


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
    memo: Path | None = None  # the file of built rule data (pipeline.memo) of this run's code
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

    def memo_path(self, code: str) -> Path:
        """The file of the rule data built by the code of fingerprint `code` (pipeline.memo), beside the entries."""
        self.memo = self.folder.parent / f"{MEMO_PREFIX}{code}{ENTRY_SUFFIX}"
        return self.memo

    def prune(self) -> int:
        """Remove entries this run did not use (removed or changed articles, older code) and the built rule
        data of older code; returns how many entries."""
        for path in self.folder.parent.glob(f"{MEMO_PREFIX}*{ENTRY_SUFFIX}"):
            if path != self.memo:
                path.unlink(missing_ok=True)
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
