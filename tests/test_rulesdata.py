"""Reading rules files: the fast YAML loader gives the same data as PyYAML's pure-Python safe loader."""
from __future__ import annotations

from pathlib import Path

import yaml

from pipeline import config, rulesdata


def test_every_rules_file_reads_the_same_with_the_fast_loader():
    files = sorted(Path(config.RULES_DIR).rglob("*.yml"))
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=rulesdata.SAFE_LOADER) == yaml.safe_load(text), path
