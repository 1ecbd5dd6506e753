"""French news to structured event data. Entry points are imported lazily (no work at import time)."""
from __future__ import annotations

__all__ = ["extract_text", "load_tables"]


def extract_text(text, published=None, **kwargs):
    """The contract tables for one article given as a string (doc_id "text")."""
    from .extract import extract_text as _extract_text

    return _extract_text(text, published, **kwargs)


def load_tables(out_dir="outputs"):
    """The ten tables `make extract` wrote to `out_dir`, as a dict of DataFrames keyed by table name."""
    from .tables import load_tables as _load_tables

    return _load_tables(out_dir)
