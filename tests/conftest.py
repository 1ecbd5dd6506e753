"""Shared fixtures: the spaCy pipeline and the seed outputs are built once per test session."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline import config

# Tests pin "now": relative dates are resolved against this anchor, never the clock.
ANCHOR = dt.date(2023, 2, 28)


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def seed_tables(nlp):
    """The ten tables extracted from seeds/, in memory."""
    from pipeline.extract import run
    from pipeline.ingest import read_seeds

    seeds = read_seeds(config.SEEDS_DIR)
    tables, problems = run(seeds.articles, seeds.metadata, nlp, log=lambda *a: None)
    assert not [p for p in problems if p.fatal], problems
    return tables


@pytest.fixture(scope="session")
def seed_out_dir(seed_tables, tmp_path_factory) -> Path:
    """The seed tables written as Parquet, as `make extract` writes them."""
    from pipeline.schema import to_arrow, write_atomic

    out = tmp_path_factory.mktemp("outputs")
    for name, frame in seed_tables.items():
        write_atomic(to_arrow(name, frame), out / f"{name}.parquet")
    return out
