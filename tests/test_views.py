"""Loading the tables, the DuckDB views, and the joined views the notebook and the report show."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from pipeline import tables as views
from pipeline.schema import SCHEMAS, SchemaError, empty_frame

import report_fixture

README = Path(__file__).resolve().parents[1] / "README.md"


def test_load_tables_reads_every_table(seed_out_dir, seed_tables):
    loaded = pipeline.load_tables(seed_out_dir)
    assert set(loaded) == set(SCHEMAS)
    for name, frame in seed_tables.items():
        assert list(loaded[name].columns) == list(frame.columns), name
        assert len(loaded[name]) == len(frame), name
    assert loaded["documents"].set_index("doc_id").loc["004_b7560a3a84b7c086", "publisher"] == "Reuters"


def test_load_tables_names_the_missing_file(seed_out_dir, tmp_path):
    for path in seed_out_dir.glob("*.parquet"):
        if path.stem != "events":
            shutil.copy(path, tmp_path / path.name)
    with pytest.raises(FileNotFoundError, match=r"events\.parquet"):
        pipeline.load_tables(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"events\.parquet"):
        views.duckdb_connection(tmp_path)


def test_load_tables_names_a_missing_column(seed_out_dir, tmp_path):
    for path in seed_out_dir.glob("*.parquet"):
        shutil.copy(path, tmp_path / path.name)
    pd.read_parquet(seed_out_dir / "quotes.parquet").drop(columns=["verb"]).to_parquet(tmp_path / "quotes.parquet")
    with pytest.raises(SchemaError, match=r"quotes\.parquet.*verb"):
        pipeline.load_tables(tmp_path)


def test_duckdb_has_one_view_per_table(seed_out_dir, seed_tables):
    con = views.duckdb_connection(seed_out_dir)
    for name, frame in seed_tables.items():
        assert con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0] == len(frame), name
    joined = con.sql("SELECT m.text, n.name FROM mentions m JOIN entities n USING (entity_id)").df()
    assert len(joined) == len(seed_tables["mentions"])


def test_readme_loading_examples_run_as_written(seed_out_dir, tmp_path, monkeypatch, capsys):
    """Every Python block of the README's loading section runs against freshly written outputs/."""
    section = README.read_text(encoding="utf-8").split("## Loading the tables", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert any("load_tables" in b for b in blocks) and any("duckdb_connection" in b for b in blocks)
    (tmp_path / "outputs").symlink_to(seed_out_dir, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert "Kazakhstan" in capsys.readouterr().out


@pytest.mark.parametrize("value, expected", [
    ("2023-02-28", dt.date(2023, 2, 28)), ("2023-09", dt.date(2023, 9, 1)), ("2015", dt.date(2015, 1, 1)),
    ("2023-W09", dt.date(2023, 2, 27)), ("2023-FA", dt.date(2023, 9, 1)), ("2024-Q2", dt.date(2024, 4, 1)),
    ("2023-02-28T14:00", dt.date(2023, 2, 28)),
    ("XXXX-11-06", None), ("PRESENT_REF", None), ("P4Y", None), ("199", None), ("2023-02-30", None), (None, None),
])
def test_timex_to_date(value, expected):
    assert views.timex_to_date(value) == expected


@pytest.mark.parametrize("name, country", [
    ("Astana", "KZ"), ("Tachkent", "UZ"), ("Samarcande", "UZ"), ("Douchanbé", "TJ"), ("Bichkek", "KG"),
    ("Ouzbékistan", "UZ"), ("États-Unis", "US"), ("Russie", "RU"), ("Allemagne", "DE"), ("Kazakhstan", "KZ"),
    ("Washington", "US"), ("Pékin", "CN"),
])
def test_geocode_knows_french_place_names(name, country):
    point = views.geocode(name)
    assert point is not None and point[2] == country


def test_geocode_leaves_unknown_places_out():
    assert views.geocode("Asie centrale") is None
    assert views.geocode("C5+1") is None


def test_views_join_names_dates_and_amounts():
    tables = report_fixture.tables()
    events = views.events_overview(tables).set_index("event_id")
    meeting = events.loc["fixture_001:e0"]
    assert meeting.location == "Tachkent" and meeting.date == pd.Timestamp("2024-03-04")
    assert meeting.participants == ["Bakhtiyor Saïdov", "Annalena Baerbock"] and meeting.agents == ["Bakhtiyor Saïdov"]
    aid = events.loc["fixture_001:e2"]
    assert aid.amount_value == 15e6 and aid.currency == "EUR" and pd.isna(aid.date)

    pairs = views.people_network(tables)
    assert pairs.to_dict("records") == [{"source": "Annalena Baerbock", "target": "Bakhtiyor Saïdov", "n_events": 3}]
    pledges = views.pledges_by_actor(tables)
    assert pledges.to_dict("records") == [{"actor": "Allemagne", "currency": "EUR", "total": 15e6, "n_amounts": 1}]
    clusters = views.event_clusters(tables)
    first = clusters.iloc[0]
    assert (first.cluster_id, first.n_docs, first.doc_ids) == ("fixture_001:e0", 2, ["fixture_001", "fixture_002"])
    assert list(views.top_entities(tables, n=2).name) == ["Annalena Baerbock", "Bakhtiyor Saïdov"]
    places = views.event_places(tables).set_index("location")
    assert places.loc["Tachkent", "n_events"] == 2 and places.loc["Berlin", "country"] == "DE"


def test_views_on_empty_tables_are_empty_with_their_columns():
    tables = {name: empty_frame(name) for name in SCHEMAS}
    assert list(views.events_overview(tables).columns) == views.EVENT_COLUMNS
    assert views.event_clusters(tables).date.dtype.kind == "M"  # usable with .dt even when empty
    for view in (views.events_overview, views.people_network, views.pledges_by_actor, views.event_clusters,
                 views.event_places, views.top_entities):
        frame = view(tables)
        assert frame.empty and len(frame.columns), view.__name__
