"""The tables match the contract: columns, types, allowed values, offsets into documents.text."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.schema import CONTRACT_COLUMNS, SCHEMAS, SchemaError, to_arrow

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "CONTRACT.md"


def _contract_columns() -> dict[str, list[str]]:
    """Column names per table as CONTRACT.md lists them (when shared/ is beside the repo)."""
    tables = {}
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (\w+) \| [^|]+ \| (.+) \|$", line)
        if match and match.group(1) in SCHEMAS:
            cols = re.findall(r"(?:^|, )(\w+)(?= \(|,|$)", re.sub(r"\([^()]*(\([^()]*\))?[^()]*\)", "", match.group(2)))
            tables[match.group(1)] = [c for c in cols if c]
    return tables


@pytest.mark.skipif(not CONTRACT.exists(), reason="shared/CONTRACT.md is not beside the repository")
def test_schemas_carry_every_contract_column():
    listed = _contract_columns()
    assert set(listed) == set(SCHEMAS)
    for table, columns in listed.items():
        assert set(columns) <= set(CONTRACT_COLUMNS[table]), (table, set(columns) - set(CONTRACT_COLUMNS[table]))


def test_written_tables_have_contract_types(seed_out_dir):
    for name, schema in SCHEMAS.items():
        written = pq.read_schema(seed_out_dir / f"{name}.parquet")
        for field in schema:
            assert written.field(field.name).type == field.type, (name, field.name)


def test_offsets_index_the_cleaned_text(seed_tables):
    texts = seed_tables["documents"].set_index("doc_id").text
    for name in ("sentences", "mentions", "amounts", "timexes", "quotes", "events", "roles"):
        frame = seed_tables[name]
        for row in frame.itertuples():
            text = texts[row.doc_id]
            assert 0 <= row.start < row.end <= len(text), (name, row)
            if name in ("mentions", "amounts", "timexes"):
                assert text[row.start:row.end] == row.text, (name, row)


def test_documents_and_sentences(seed_tables):
    docs = seed_tables["documents"].set_index("doc_id")
    assert len(docs) == 5
    assert (docs.n_chars == docs.text.str.len()).all()
    reuters = docs.loc["004_b7560a3a84b7c086"]
    assert reuters.dateline_place == "Astana" and reuters.publisher == "Reuters"
    assert "Nos normes" not in reuters.text and "Voir 2 autres histoires" not in reuters.text
    blog = docs.loc["003_87eb7126c35b0c7b"]
    assert blog.title.startswith("Le sommet de Biden en Asie centrale")
    assert blog.text.count("Le sommet de Biden en Asie centrale :") == 1 and "Meghan Markle" not in blog.text
    assert not blog.text.startswith("in ,")
    sentences = seed_tables["sentences"]
    for doc_id, group in sentences.groupby("doc_id"):
        assert list(group.sentence_id) == list(range(len(group)))
        assert all("\n" not in docs.text[doc_id][s:e] for s, e in zip(group.start, group.end))
        assert all(any(ch.isalnum() for ch in docs.text[doc_id][s:e]) for s, e in zip(group.start, group.end)), \
            f"{doc_id}: a sentence of punctuation alone"
    first = sentences[sentences.doc_id == "000_d6ec6840f44f2112"].iloc[0]
    assert docs.text["000_d6ec6840f44f2112"][first.start:first.end].endswith("le quatrième cycle des sommets C5+1.")


def test_schema_rejects_wrong_values():
    with pytest.raises(SchemaError, match="status"):
        to_arrow("events", [{"event_id": "x", "doc_id": "d", "event_type": "meeting", "status": "maybe", "trigger": "t",
                             "sentence_id": 0, "start": 0, "end": 1, "date_value": None, "date_text": None,
                             "location_id": None, "amount_id": None, "plover": None, "cluster_id": "c"}])
    with pytest.raises(SchemaError, match="missing columns"):
        to_arrow("amounts", [{"amount_id": "a"}])


def test_rerun_is_byte_identical(seed_tables, seed_out_dir, tmp_path):
    from pipeline.schema import write_atomic

    for name, frame in seed_tables.items():
        write_atomic(to_arrow(name, frame), tmp_path / f"{name}.parquet")
        assert (tmp_path / f"{name}.parquet").read_bytes() == (seed_out_dir / f"{name}.parquet").read_bytes()


def test_large_tables_are_written_as_datasets_and_read_back_whole(seed_tables, tmp_path, monkeypatch):
    from pipeline import schema
    from pipeline.evaluate import load_outputs
    from pipeline.tables import load_tables

    def write(part_rows: int) -> dict[str, int]:
        monkeypatch.setattr(schema, "PART_ROWS", part_rows)
        writer = schema.TableWriter(tmp_path)
        for name, frame in seed_tables.items():  # in pieces, as extract.assemble hands them over
            for start in range(0, max(len(frame), 1), 40):
                writer.add(name, to_arrow(name, frame.iloc[start:start + 40]))
        return writer.finish()

    rows = write(50)
    assert rows == {name: len(frame) for name, frame in seed_tables.items()}
    mentions = tmp_path / "mentions.parquet"
    assert mentions.is_dir() and len(list(mentions.glob("part-*.parquet"))) == -(-len(seed_tables["mentions"]) // 50)
    assert (tmp_path / "quotes.parquet").is_file()  # 11 rows: one file
    for loaded in (load_tables(tmp_path), load_outputs(tmp_path)):
        for name, frame in seed_tables.items():
            pd.testing.assert_frame_equal(loaded[name], frame, check_exact=True, obj=name)

    write(1_000_000)  # the same folder again, now small enough for single files
    assert (tmp_path / "mentions.parquet").is_file() and not list(tmp_path.glob(".tables.*"))
    pd.testing.assert_frame_equal(load_tables(tmp_path)["mentions"], seed_tables["mentions"], check_exact=True)


def test_a_killed_run_s_staging_folder_is_removed_by_the_next_writer(tmp_path):
    from pipeline import schema

    killed = tmp_path / ".tables.4194399.abc123"  # above Linux's largest pid: no such process
    (killed / "mentions").mkdir(parents=True)
    (killed / "mentions" / "part-00000.parquet").write_bytes(b"half a table")
    alive = tmp_path / f".tables.{os.getpid()}.def456"  # a run still going (this process)
    alive.mkdir()
    writer = schema.TableWriter(tmp_path)
    assert not killed.exists() and alive.is_dir()
    assert writer.staging.name.startswith(f".tables.{os.getpid()}.")
    writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]
