"""pipeline.memo: rule data built once per code fingerprint and read back by later runs."""
from __future__ import annotations

import pickle
import subprocess
import sys

import pandas as pd
import pytest

from pipeline import config, memo
from pipeline.cache import CACHE_DIR, MEMO_PREFIX, code_fingerprint
from pipeline.schema import SCHEMAS


@pytest.fixture(autouse=True)
def new_process(monkeypatch):
    """Each test sees the module as a new process does: no store read yet, none open."""
    monkeypatch.setattr(memo, "_last", None)
    monkeypatch.setattr(memo, "_current", None)


def _fail():
    raise AssertionError("built again although it is stored")


def test_without_a_store_the_value_is_built_each_time():
    calls = []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert (memo.cached("x", build), memo.cached("x", build)) == (1, 2)


def test_a_stored_value_is_read_back_by_a_later_process(tmp_path, monkeypatch):
    path = tmp_path / "built.pkl"
    with memo.stored(path):
        assert memo.cached("x", lambda: {"a": [1, 2]}) == {"a": [1, 2]}
        assert memo.cached("y", lambda: "second") == "second"
    assert pickle.loads(path.read_bytes()) == {"x": {"a": [1, 2]}, "y": "second"}
    monkeypatch.setattr(memo, "_last", None)
    with memo.stored(path):
        assert memo.cached("x", _fail) == {"a": [1, 2]}
    assert memo.cached("x", lambda: "outside the block") == "outside the block"
    with memo.stored(None):
        assert memo.cached("x", lambda: "no store") == "no store"


def test_an_unreadable_file_is_rebuilt_and_rewritten(tmp_path):
    path = tmp_path / "built.pkl"
    path.write_bytes(b"not a pickle")
    with memo.stored(path):
        assert memo.cached("x", lambda: 7) == 7
    assert pickle.loads(path.read_bytes()) == {"x": 7}


def test_a_read_only_folder_costs_only_the_build(tmp_path, capsys):
    path = tmp_path / "missing-folder" / "built.pkl"
    (tmp_path / "missing-folder").write_text("a file where the folder should be", encoding="utf-8")
    with memo.stored(path):
        assert memo.cached("x", lambda: 7) == 7
    assert "cannot write the cache of built rule data" in capsys.readouterr().err


def _extract(seeds, out):
    command = [sys.executable, "-m", "pipeline", "extract", "--seeds", str(seeds), "--out", str(out), "--n-process", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=config.ROOT, timeout=600)
    assert done.returncode == 0, done.stderr


def test_a_run_stores_the_rule_data_and_a_new_code_fingerprint_replaces_it(tmp_path):
    out = tmp_path / "out"
    stale = out / CACHE_DIR / f"{MEMO_PREFIX}0000000000000000.pkl"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(pickle.dumps({"entities.lexicon": "of older code"}))
    _extract(config.SEEDS_DIR, out)
    stored = out / CACHE_DIR / f"{MEMO_PREFIX}{code_fingerprint()}.pkl"
    values = pickle.loads(stored.read_bytes())
    assert {"entities.phrase_words", "entities.given_names", "entities.lexicon", "timexes.prefilter"} <= set(values)
    assert len(values["entities.phrase_words"]["GAZ"]) > 10_000
    assert not stale.exists()
    # a run that reads the rule data back (articles not cached) writes the same tables
    first = {name: pd.read_parquet(out / f"{name}.parquet") for name in SCHEMAS}
    for entry in (out / CACHE_DIR / "articles").iterdir():
        entry.unlink()
    _extract(config.SEEDS_DIR, out)
    assert stored.stat().st_size and pickle.loads(stored.read_bytes()).keys() == values.keys()
    for name in SCHEMAS:
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), first[name], check_exact=True, obj=name)
