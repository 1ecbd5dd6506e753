"""Paths and settings, defined in one place."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
SEEDS_DIR = ROOT / "seeds"
OUT_DIR = ROOT / "outputs"
GOLD_DIR = ROOT / "tests" / "gold"

SPACY_MODEL = "fr_core_news_md"
# The project's distribution (pyproject.toml), whose declared dependencies key the caches.
DISTRIBUTION = "fr-news-events"
METADATA_FILE = "metadata.csv"
ARTICLE_GLOB = "*.txt"

# An article larger than this is refused with a message (the tables are for news articles).
MAX_ARTICLE_BYTES = 5 * 1024 * 1024

# Tried in order when an article is not valid UTF-8 (Western European news sites).
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
