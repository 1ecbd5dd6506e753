"""Bad input: each problem is named with its file, the other articles still run, the exit status says so."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.ingest import decode_article, parse_metadata, read_seeds

GOOD = (config.SEEDS_DIR / "000_d6ec6840f44f2112.txt").read_text(encoding="utf-8")
FRENCH = "Le président kazakh Kassym-Jomart Tokaïev a reçu mardi à Astana le ministre français des Affaires étrangères."


def test_empty_file_is_refused_with_its_name():
    text, problems = decode_article(b"  \n\n", "seeds/vide.txt")
    assert text is None and "seeds/vide.txt" in str(problems[0]) and "empty" in str(problems[0])


def test_binary_file_is_refused():
    text, problems = decode_article(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "seeds/image.txt")
    assert text is None and "binary" in str(problems[0])


def test_control_characters_without_nul_bytes_are_refused_as_binary_but_tabs_and_form_feeds_are_text():
    noisy = bytes(range(1, 32)) * 4 + FRENCH.encode("utf-8")  # 27 control characters (1-31 but tab, line feed, form feed, carriage return) x 4, no NUL
    text, problems = decode_article(noisy, "seeds/dump.txt")
    assert text is None and "seeds/dump.txt" in str(problems[0]) and "108 control characters" in str(problems[0])
    layout = ("\t" * 30 + "\f" * 30 + "\r\n" * 30 + FRENCH).encode("utf-8")
    assert decode_article(layout, "seeds/layout.txt") == (layout.decode("utf-8"), [])


def test_latin1_file_is_decoded_with_a_warning():
    text, problems = decode_article(FRENCH.encode("latin-1"), "seeds/latin.txt")
    assert text == FRENCH
    assert problems and not problems[0].fatal and "not UTF-8" in str(problems[0]) and "seeds/latin.txt" in str(problems[0])


def test_bom_and_crlf_are_tolerated():
    text, problems = decode_article(("\ufeff" + FRENCH + "\r\n").encode("utf-8"), "a.txt")
    assert text.startswith("Le président") and not problems


def test_huge_file_is_refused_by_size():
    text, problems = decode_article(b"a" * 100, "big.txt", max_bytes=50)
    assert text is None and "too large" in str(problems[0])


def test_metadata_problems_name_the_line():
    data = ("doc_id,url,published,publisher\n"
            "a,,2023-02-30,X\n"
            ",http://x,2023-01-01,Y\n"
            "b,,2023-01-01,Z,extra\n"
            "c,http://c,2024-05-01,C\n").encode("utf-8")
    rows, problems = parse_metadata(data, "seeds/metadata.csv")
    messages = [str(p) for p in problems]
    assert any("metadata.csv:2" in m and "not an ISO date" in m for m in messages)
    assert any("metadata.csv:3" in m and "no doc_id" in m for m in messages)
    assert any("metadata.csv:4" in m and "fields" in m for m in messages)
    assert rows["c"].published.isoformat() == "2024-05-01" and rows["a"].published is None


def test_metadata_without_doc_id_column_is_ignored_with_a_message():
    rows, problems = parse_metadata(b"id;date\nx;2023\n", "seeds/metadata.csv")
    assert rows == {} and "no doc_id column" in str(problems[0])


@pytest.fixture(scope="module")
def bad_seeds(tmp_path_factory) -> Path:
    seeds = tmp_path_factory.mktemp("seeds")
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    (seeds / "vide.txt").write_bytes(b"")
    (seeds / "binaire.txt").write_bytes(bytes(range(256)) * 40)
    (seeds / "latin.txt").write_bytes(FRENCH.encode("latin-1"))
    (seeds / "nom avec espaces é.txt").write_text(FRENCH, encoding="utf-8")
    (seeds / "sans entités.txt").write_text("il fait beau et chaud aujourd'hui, on ira se baigner.", encoding="utf-8")
    with open(seeds / "énorme.txt", "wb") as handle:  # 50 MB, sparse where the file system allows
        handle.truncate(50 * 1024 * 1024)
    (seeds / "metadata.csv").write_text(
        "doc_id,url,published,publisher\n"
        "good,https://example.org/1,2023-02-28,TRT\n"
        "latin,,pas une date,X\n"
        "absent,,2023-01-01,Y\n", encoding="utf-8")
    return seeds


def test_bad_seed_folder_end_to_end(bad_seeds, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "extract", "--seeds", str(bad_seeds), "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    err = proc.stderr
    assert proc.returncode == 1, (proc.returncode, err)
    for name, reason in [("vide.txt", "empty"), ("binaire.txt", "binary"), ("énorme.txt", "too large"),
                         ("latin.txt", "not UTF-8"), ("metadata.csv:3", "not an ISO date"),
                         ("metadata.csv", "absent"), ("sans entités.txt", "no named entities")]:
        assert any(name in line and reason in line for line in err.splitlines()), f"no message for {name}: {err}"
    documents = pd.read_parquet(out / "documents.parquet")
    assert sorted(documents.doc_id) == ["good", "latin", "nom avec espaces é", "sans entités"]
    good = documents.set_index("doc_id").loc["good"]
    assert good.published.isoformat() == "2023-02-28" and good.published_source == "metadata"
    assert documents.set_index("doc_id").loc["latin"].published_source == "none"
    assert not list(out.glob(".*tmp")), "a temporary file was left behind"


def test_missing_seed_folder_is_reported(tmp_path):
    seeds = read_seeds(tmp_path / "nowhere")
    assert seeds.problems and "no such folder" in str(seeds.problems[0])
