"""The ten output tables of the contract: their Arrow schemas, validation and atomic writes."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .files import replace_atomic

_S, _I, _F, _B, _D = pa.string(), pa.int32(), pa.float64(), pa.bool_(), pa.date32()

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", _S), ("source_path", _S), ("sha256", _S), ("title", _S),
        ("publisher", _S), ("url", _S), ("published", _D), ("published_source", _S),
        ("dateline_place", _S), ("text", _S), ("n_chars", _I),
    ]),
    "sentences": pa.schema([
        ("doc_id", _S), ("sentence_id", _I), ("start", _I), ("end", _I),
    ]),
    "mentions": pa.schema([
        ("mention_id", _S), ("doc_id", _S), ("sentence_id", _I), ("start", _I), ("end", _I),
        ("text", _S), ("label", _S), ("entity_id", _S), ("source", _S), ("rule_id", _S),
    ]),
    "entities": pa.schema([
        ("entity_id", _S), ("name", _S), ("label", _S), ("aliases", pa.list_(_S)),
        ("n_mentions", _I), ("n_docs", _I), ("country", _S), ("wikidata_id", _S), ("evidence", _S),
    ]),
    "roles": pa.schema([
        ("doc_id", _S), ("entity_id", _S), ("role", _S), ("org_or_country_id", _S),
        ("start", _I), ("end", _I), ("country", _S), ("rule_id", _S),
    ]),
    "events": pa.schema([
        ("event_id", _S), ("doc_id", _S), ("event_type", _S), ("status", _S), ("trigger", _S),
        ("sentence_id", _I), ("start", _I), ("end", _I), ("date_value", _S), ("date_text", _S),
        ("location_id", _S), ("amount_id", _S), ("plover", _S), ("cluster_id", _S),
        ("rule_id", _S),
    ]),
    "event_participants": pa.schema([
        ("event_id", _S), ("entity_id", _S), ("role", _S),
    ]),
    "amounts": pa.schema([
        ("amount_id", _S), ("doc_id", _S), ("start", _I), ("end", _I), ("text", _S),
        ("value", _F), ("currency", _S), ("event_id", _S), ("rule_id", _S),
    ]),
    "timexes": pa.schema([
        ("timex_id", _S), ("doc_id", _S), ("start", _I), ("end", _I), ("text", _S),
        ("type", _S), ("value", _S), ("anchor", _S), ("resolved", _B), ("rule_id", _S),
    ]),
    "quotes": pa.schema([
        ("quote_id", _S), ("doc_id", _S), ("start", _I), ("end", _I), ("text", _S),
        ("speaker_id", _S), ("verb", _S), ("rule_id", _S),
    ]),
}

# Columns the contract fixes; the schemas above may carry more (rule_id for traceability).
# Columns beyond the contract that a table may leave empty (filled with nulls when absent).
EXTRA_COLUMNS: dict[str, frozenset[str]] = {
    "entities": frozenset({"evidence"}),
    "roles": frozenset({"country"}),
}
CONTRACT_COLUMNS: dict[str, list[str]] = {
    name: [f.name for f in schema if f.name != "rule_id" and f.name not in EXTRA_COLUMNS.get(name, ())]
    for name, schema in SCHEMAS.items()
}

ALLOWED_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("documents", "published_source"): frozenset({"metadata", "dateline", "none"}),
    ("mentions", "label"): frozenset({"PER", "LOC", "ORG", "MISC"}),
    ("mentions", "source"): frozenset({"model", "rule"}),
    ("entities", "label"): frozenset({"PER", "LOC", "ORG", "MISC"}),
    ("events", "status"): frozenset({"occurred", "planned", "unknown"}),
    ("event_participants", "role"): frozenset({"agent", "participant", "host", "recipient", "target"}),
    ("timexes", "type"): frozenset({"DATE", "TIME", "DURATION", "SET"}),
}


class SchemaError(ValueError):
    """A table does not match its contract schema."""


def empty_frame(name: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns."""
    return SCHEMAS[name].empty_table().to_pandas()


def to_arrow(name: str, rows: pd.DataFrame | list[dict]) -> pa.Table:
    """Validate rows against the table's schema and return an Arrow table with exactly its columns.

    Rows given as dicts go to Arrow column by column (a key absent from a row is null), a DataFrame
    through pandas' conversion."""
    schema = SCHEMAS[name]
    if not len(rows):
        return schema.empty_table()
    given = isinstance(rows, pd.DataFrame)
    present = set(rows.columns) if given else set().union(*rows)
    missing = [c for c in CONTRACT_COLUMNS[name] if c not in present]
    if missing:
        raise SchemaError(f"table {name}: missing columns {missing}")
    if given:
        frame = rows.assign(**{col: None for col in schema.names if col not in present})[schema.names]
        columns = {col: frame[col] for col in schema.names}
    else:
        columns = {col: [row.get(col) for row in rows] for col in schema.names}
    for (table, col), allowed in ALLOWED_VALUES.items():
        bad = {v for v in columns[col] if not pd.isna(v)} - allowed if table == name else ()
        if bad:
            raise SchemaError(f"table {name}: column {col} has values {sorted(bad)}, expected one of {sorted(allowed)}")
    try:
        if given:
            return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        return pa.Table.from_pydict(columns, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaError(f"table {name}: {exc}") from exc


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file through a temporary file and a rename, so no reader sees half a table."""
    replace_atomic(path, lambda tmp: pq.write_table(table, tmp))


class FrameSink:
    """Collects each table's Arrow pieces in memory and gives the tables as DataFrames (the API's form)."""

    def __init__(self):
        self.parts: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}

    def add(self, name: str, table: pa.Table) -> None:
        self.parts[name].append(table)

    def finish(self) -> dict[str, pd.DataFrame]:
        tables = {name: (parts[0] if len(parts) == 1 else pa.concat_tables(parts)) if parts else SCHEMAS[name].empty_table()
                  for name, parts in self.parts.items()}
        return {name: table.to_pandas() for name, table in tables.items()}


# Rows per Parquet part: a table with more rows is written as a Parquet dataset, a folder
# `<table>.parquet/` of part files that pyarrow, pandas, DuckDB and Spark read as one table.
PART_ROWS = 250_000
# Staging folders of TableWriter under the output folder.
STAGING_PREFIX = ".tables."


class TableWriter:
    """Writes the tables to `out` piece by piece, never holding a whole table: one `<table>.parquet`
    file for a table of at most PART_ROWS rows, a dataset folder of parts for a larger one.

    Parts are written in a staging folder under `out`, named after the writing process
    (`.tables.<pid>.<random>`); `finish` moves each table into place (a file by an atomic rename), so a
    failed run leaves the previous tables as they were. The staging folder of a run that was killed
    (its process gone) is removed by the next writer; another live run's is left alone.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        for folder in self.out.glob(f"{STAGING_PREFIX}*"):
            if folder.is_dir() and not _process_alive(folder.name[len(STAGING_PREFIX):].split(".")[0]):
                shutil.rmtree(folder, ignore_errors=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=self.out))
        self.pending: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}
        self.n_parts = dict.fromkeys(SCHEMAS, 0)
        self.rows = dict.fromkeys(SCHEMAS, 0)

    def add(self, name: str, table: pa.Table) -> None:
        table = table.replace_schema_metadata(None)
        self.pending[name].append(table)
        self.rows[name] += table.num_rows
        while sum(t.num_rows for t in self.pending[name]) >= PART_ROWS:
            self._write_part(name, PART_ROWS)

    def _write_part(self, name: str, limit: int | None = None) -> None:
        pending = self.pending[name]
        table = pa.concat_tables(pending) if pending else SCHEMAS[name].empty_table()
        part, rest = (table.slice(0, limit), table.slice(limit)) if limit else (table, None)
        folder = self.staging / name
        folder.mkdir(exist_ok=True)
        pq.write_table(part, folder / f"part-{self.n_parts[name]:05d}.parquet")
        self.n_parts[name] += 1
        self.pending[name] = [rest] if rest is not None and rest.num_rows else []

    def finish(self) -> dict[str, int]:
        """Move every table into place; returns the number of rows of each."""
        for name in SCHEMAS:
            if self.pending[name] or not self.n_parts[name]:
                self._write_part(name)
        for name in SCHEMAS:
            target, folder = self.out / f"{name}.parquet", self.staging / name
            if self.n_parts[name] == 1:
                if target.is_dir():
                    target.rename(self.staging / f"{name}.old")
                os.replace(folder / "part-00000.parquet", target)
            else:  # a folder cannot replace another in one rename: the old one is moved aside first
                if target.exists():
                    target.rename(self.staging / f"{name}.old")
                folder.rename(target)
        shutil.rmtree(self.staging)
        return dict(self.rows)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _process_alive(pid: str) -> bool:
    """Whether the process numbered `pid` runs (a name that is not a number is taken as alive: kept)."""
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def table_paths(out: Path, name: str) -> tuple[Path, str]:
    """A table's path under `out` and the glob of its Parquet files (itself, or its dataset's parts)."""
    path = Path(out) / f"{name}.parquet"
    return path, str(path / "*.parquet") if path.is_dir() else str(path)
