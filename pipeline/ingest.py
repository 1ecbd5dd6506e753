"""Read the seed folder: decode each article, read metadata.csv, report what is wrong by file."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import config

METADATA_COLUMNS = ("doc_id", "url", "published", "publisher")
# Control characters that text does not contain: below 32, except tab, line feed, form feed, carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input file; `fatal` means the article was not processed."""

    path: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        kind = "error" if self.fatal else "warning"
        return f"{kind}: {self.path}: {self.message}"


@dataclass(frozen=True)
class RawArticle:
    doc_id: str
    source_path: str
    raw_bytes: bytes
    text: str
    sha256: str


@dataclass
class MetaRow:
    url: str | None = None
    published: dt.date | None = None
    publisher: str | None = None


@dataclass
class SeedSet:
    articles: list[RawArticle] = field(default_factory=list)
    metadata: dict[str, MetaRow] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def decode_article(data: bytes, path: str, *, max_bytes: int = config.MAX_ARTICLE_BYTES) -> tuple[str | None, list[Problem]]:
    """Decode an article's bytes to text, or say why it cannot be read."""
    if len(data) > max_bytes:
        return None, [Problem(path, f"file too large: {len(data):,} bytes, the limit for one article is {max_bytes:,} bytes")]
    if b"\x00" in data[:65536]:
        return None, [Problem(path, "binary file: contains NUL bytes, expected UTF-8 text")]
    try:
        text = data.decode("utf-8-sig")
        problems: list[Problem] = []
    except UnicodeDecodeError as exc:
        for encoding in config.FALLBACK_ENCODINGS:
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None, [Problem(path, f"not text: invalid UTF-8 at byte {exc.start} and no fallback encoding fits")]
        problems = [Problem(path, f"not UTF-8 (invalid byte at {exc.start}); decoded as {encoding}", fatal=False)]
    controls = len(CONTROL_CHARACTERS.findall(text[:65536]))
    if controls > max(8, len(text[:65536]) // 100):
        return None, [Problem(path, f"binary file: {controls} control characters, expected text")]
    if not text.strip():
        return None, [Problem(path, "empty file: no text to process")]
    return text, problems


def read_article(path: Path, *, max_bytes: int = config.MAX_ARTICLE_BYTES) -> tuple[RawArticle | None, list[Problem]]:
    """Read one article file; never raises for bad content."""
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [Problem(shown, f"file too large: {size:,} bytes, the limit for one article is {max_bytes:,} bytes")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, f"cannot read: {exc.strerror or exc}")]
    text, problems = decode_article(data, shown, max_bytes=max_bytes)
    if text is None:
        return None, problems
    article = RawArticle(path.stem, shown, data, text, hashlib.sha256(data).hexdigest())
    return article, problems


def parse_metadata(data: bytes, path: str) -> tuple[dict[str, MetaRow], list[Problem]]:
    """Parse metadata.csv: `doc_id,url,published,publisher`; bad rows are reported and skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return {}, [Problem(path, f"not UTF-8 (invalid byte at {exc.start}); metadata ignored")]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if "doc_id" not in header:
        return {}, [Problem(path, f"header {header!r} has no doc_id column; expected {','.join(METADATA_COLUMNS)}; metadata ignored")]
    rows: dict[str, MetaRow] = {}
    problems: list[Problem] = []
    try:
        for line_no, record in enumerate(reader, start=2):
            doc_id = (record.get("doc_id") or "").strip()
            if not doc_id:
                problems.append(Problem(f"{path}:{line_no}", "row has no doc_id; skipped"))
                continue
            if None in record:
                problems.append(Problem(f"{path}:{line_no}", f"row has {len(header) + len(record[None])} fields, header has {len(header)}; skipped"))
                continue
            published = None
            raw_date = (record.get("published") or "").strip()
            if raw_date:
                try:
                    published = dt.date.fromisoformat(raw_date)
                except ValueError:
                    problems.append(Problem(f"{path}:{line_no}", f"published {raw_date!r} is not an ISO date (YYYY-MM-DD); date ignored for {doc_id}"))
            if doc_id in rows:
                problems.append(Problem(f"{path}:{line_no}", f"second row for {doc_id}; the first is kept", fatal=False))
                continue
            rows[doc_id] = MetaRow(
                url=(record.get("url") or "").strip() or None,
                published=published,
                publisher=(record.get("publisher") or "").strip() or None,
            )
    except csv.Error as exc:
        problems.append(Problem(f"{path}:{reader.line_num}", f"malformed CSV: {exc}; rows from here on ignored"))
    return rows, problems


def read_seeds(seeds_dir: Path) -> SeedSet:
    """Every article and the metadata of a seed folder, with the problems found."""
    seeds = SeedSet()
    if not seeds_dir.is_dir():
        seeds.problems.append(Problem(str(seeds_dir), "no such folder"))
        return seeds
    for path in sorted(seeds_dir.glob(config.ARTICLE_GLOB)):
        if not path.is_file():
            continue
        article, problems = read_article(path)
        seeds.problems.extend(problems)
        if article is not None:
            seeds.articles.append(article)
    meta_path = seeds_dir / config.METADATA_FILE
    if meta_path.exists():
        try:
            data = meta_path.read_bytes()
        except OSError as exc:
            seeds.problems.append(Problem(str(meta_path), f"cannot read: {exc.strerror or exc}"))
        else:
            seeds.metadata, problems = parse_metadata(data, str(meta_path))
            seeds.problems.extend(problems)
    known = {a.doc_id for a in seeds.articles} | {Path(p.path).stem for p in seeds.problems}
    for doc_id in seeds.metadata:
        if doc_id not in known:
            seeds.problems.append(Problem(str(meta_path), f"row for {doc_id} but no {doc_id}.txt in {seeds_dir}", fatal=False))
    return seeds
