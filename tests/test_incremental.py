"""Incremental re-runs: only added or changed articles are processed, and the tables equal a run from scratch."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config, executors
from pipeline.cache import ArticleCache, code_fingerprint
from pipeline.extract import StageClock, run
from pipeline.ingest import read_seeds

SEED_IDS = sorted(p.stem for p in config.SEEDS_DIR.glob("*.txt"))


def _assert_same_tables(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert set(got) == set(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)


def _copy_seeds(dest: Path, doc_ids: list[str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for doc_id in doc_ids:
        shutil.copy(config.SEEDS_DIR / f"{doc_id}.txt", dest / f"{doc_id}.txt")
    shutil.copy(config.SEEDS_DIR / config.METADATA_FILE, dest / config.METADATA_FILE)
    return dest


def _run(seeds_dir: Path, nlp, out: Path | None, **kwargs):
    seeds = read_seeds(seeds_dir)
    clock = StageClock()
    cache = ArticleCache.under(out) if out is not None else None
    tables, problems = run(seeds.articles, seeds.metadata, nlp, cache=cache, clock=clock, log=lambda *a: None, **kwargs)
    assert not [p for p in problems if p.fatal], problems
    return tables, clock


def test_add_change_remove_reprocess_only_those_articles(nlp, seed_tables, tmp_path):
    seeds_dir = _copy_seeds(tmp_path / "seeds", SEED_IDS[:4])
    out = tmp_path / "out"

    tables, clock = _run(seeds_dir, nlp, out)
    assert (clock.counts["cache"], clock.counts["processed"]) == (0, 4)
    _assert_same_tables(tables, _run(seeds_dir, nlp, None)[0])

    # added: only the new article is processed; the result is the full seed run
    shutil.copy(config.SEEDS_DIR / f"{SEED_IDS[4]}.txt", seeds_dir / f"{SEED_IDS[4]}.txt")
    tables, clock = _run(seeds_dir, nlp, out)
    assert (clock.counts["cache"], clock.counts["processed"]) == (4, 1)
    same_but_path = {**tables, "documents": tables["documents"].assign(source_path=seed_tables["documents"].source_path)}
    _assert_same_tables(same_but_path, seed_tables)

    # changed text: that article only
    changed = seeds_dir / f"{SEED_IDS[2]}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nLe président Emmanuel Macron s'est rendu à Berlin.\n",
                       encoding="utf-8")
    tables, clock = _run(seeds_dir, nlp, out)
    assert (clock.counts["cache"], clock.counts["processed"]) == (4, 1)
    assert clock.counts["pruned"] == 1
    assert "Emmanuel Macron" in set(tables["mentions"].text)
    _assert_same_tables(tables, _run(seeds_dir, nlp, None)[0])

    # changed metadata row (publication date): that article only
    meta = seeds_dir / config.METADATA_FILE
    meta.write_text(meta.read_text(encoding="utf-8").replace("2025-10-27", "2025-10-28"), encoding="utf-8")
    tables, clock = _run(seeds_dir, nlp, out)
    assert (clock.counts["cache"], clock.counts["processed"]) == (4, 1)
    assert str(tables["documents"].set_index("doc_id").published[SEED_IDS[1]]) == "2025-10-28"
    _assert_same_tables(tables, _run(seeds_dir, nlp, None)[0])

    # removed: nothing to process, the model is never loaded, the article's rows are gone
    (seeds_dir / f"{SEED_IDS[0]}.txt").unlink()
    executor = executors.local(None, n_process=1)
    tables, clock = _run(seeds_dir, None, out, executor=executor)
    assert (clock.counts["cache"], clock.counts["processed"], clock.counts["pruned"]) == (4, 0, 1)
    assert executor.loader.nlp is None, "the model was loaded although every article was cached"
    assert SEED_IDS[0] not in set(tables["mentions"].doc_id)
    _assert_same_tables(tables, _run(seeds_dir, nlp, None)[0])


def test_rules_change_invalidates_the_cache(nlp, seed_tables, tmp_path, monkeypatch):
    root = tmp_path / "root"  # a copy of the code and rules, so the test can edit a rules file
    shutil.copytree(config.ROOT / "pipeline", root / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    rules = shutil.copytree(config.RULES_DIR, root / "rules")
    monkeypatch.setattr(config, "ROOT", root)
    monkeypatch.setattr(config, "RULES_DIR", rules)
    out = tmp_path / "out"
    before = code_fingerprint()
    _run(config.SEEDS_DIR, nlp, out)
    rules_file = sorted(p for p in rules.rglob("*.yml") if not p.name.endswith(".examples.yml"))[0]
    rules_file.write_text(rules_file.read_text(encoding="utf-8") + "\n# touched by a test\n", encoding="utf-8")
    assert code_fingerprint() != before
    tables, clock = _run(config.SEEDS_DIR, nlp, out)
    assert (clock.counts["cache"], clock.counts["processed"], clock.counts["pruned"]) == (0, len(SEED_IDS), len(SEED_IDS))
    _assert_same_tables(tables, seed_tables)


def test_unreadable_cache_entry_is_recomputed(nlp, seed_tables, tmp_path):
    out = tmp_path / "out"
    _run(config.SEEDS_DIR, nlp, out)
    entry = sorted(ArticleCache.under(out).folder.iterdir())[0]
    entry.write_bytes(b"not a pickle")
    seeds = read_seeds(config.SEEDS_DIR)
    clock = StageClock()
    tables, problems = run(seeds.articles, seeds.metadata, nlp, cache=ArticleCache.under(out), clock=clock)
    assert clock.counts["processed"] == 1
    assert any(entry.name in str(p) and "unreadable cache entry" in str(p) and not p.fatal for p in problems)
    _assert_same_tables(tables, seed_tables)


def test_process_pool_gives_the_same_tables(nlp, seed_tables, monkeypatch):
    monkeypatch.setattr(executors, "ARTICLES_PER_EXTRA_WORKER", 1)  # two workers for five articles
    seeds = read_seeds(config.SEEDS_DIR)
    executor = executors.local(nlp, n_process=2)
    tables, _ = run(seeds.articles, seeds.metadata, executor=executor, batch_size=2)
    assert len(executor.worker_load_seconds) == 2, executor.worker_load_seconds
    _assert_same_tables(tables, seed_tables)


def test_few_articles_use_one_worker_and_none_stops_the_prestarted_ones(nlp, seed_tables, tmp_path):
    seeds = read_seeds(config.SEEDS_DIR)
    cache = ArticleCache.under(tmp_path)
    executor = executors.local(nlp, n_process=2)
    tables, _ = run(seeds.articles, seeds.metadata, executor=executor, cache=cache)
    assert len(executor.worker_load_seconds) == 1, "five articles do not pay for a second model load"
    _assert_same_tables(tables, seed_tables)

    # started before the cache is read, as the CLI does; every article is cached, so they are stopped unused
    executor = executors.local(None, n_process=2).start(2)
    workers = list(executor.workers)
    clock = StageClock()
    tables, _ = run(seeds.articles, seeds.metadata, executor=executor, cache=ArticleCache.under(tmp_path), clock=clock)
    assert clock.counts["processed"] == 0 and not executor.worker_load_seconds
    assert not executor.workers and all(w.exitcode is not None for w in workers)
    _assert_same_tables(tables, seed_tables)


def test_cli_rerun_is_quick_path_and_byte_identical(tmp_path, capsys):
    from pipeline.__main__ import main

    out = tmp_path / "out"
    args = ["extract", "--seeds", str(config.SEEDS_DIR), "--out", str(out), "--n-process", "1"]
    assert main(args) == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
    assert "article/s" not in capsys.readouterr().err, "a progress bar was drawn although stderr is not a terminal"
    report = tmp_path / "report.json"
    assert main([*args, "--report", str(report)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("model") and "not loaded" in line for line in lines), lines
    stated = json.loads(report.read_text(encoding="utf-8"))  # the stage times and counts the bench reads
    assert stated["articles"] == len(SEED_IDS) and stated["counts"]["cache"] == len(SEED_IDS)
    assert stated["counts"]["processed"] == 0 and stated["failed"] == [] and stated["words"] > 1000
    assert any(line.startswith("cache") and f"{len(SEED_IDS)} articles reused" in " ".join(line.split()) for line in lines), lines
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == first
    assert len(first) == 10

    # a new output folder starts cold
    other = tmp_path / "other"
    assert main(["extract", "--seeds", str(config.SEEDS_DIR), "--out", str(other), "--n-process", "1"]) == 0
    assert any(line.startswith("cache") and f"{len(SEED_IDS)} processed" in line for line in capsys.readouterr().out.splitlines())


def test_failed_article_is_reported_again_from_the_cache(nlp, tmp_path, monkeypatch):
    from pipeline import extract

    seeds = read_seeds(config.SEEDS_DIR)
    broken = seeds.articles[1]
    real_parse = extract.amounts_stage.parse

    def failing_parse(text, **options):
        if text.startswith(broken.text.strip()[:40]):
            raise ValueError("cannot read this number")
        return real_parse(text, **options)

    monkeypatch.setattr(extract.amounts_stage, "parse", failing_parse)
    for expected_processed in (len(seeds.articles), 0):
        clock = StageClock()
        tables, problems = run(seeds.articles, seeds.metadata, nlp, cache=ArticleCache.under(tmp_path), clock=clock)
        assert clock.counts["processed"] == expected_processed
        failed = [p for p in problems if p.fatal]
        assert len(failed) == 1 and failed[0].path == broken.source_path and "cannot read this number" in failed[0].message
        assert broken.doc_id not in set(tables["documents"].doc_id) and len(tables["documents"]) == len(seeds.articles) - 1


def test_an_upgraded_library_changes_the_code_fingerprint(monkeypatch):
    import importlib.metadata

    from pipeline import cache

    assert {"dateparser", "gender-guesser", "spacy"} <= set(cache._required())
    before = code_fingerprint()
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "dateparser" else real(name))
    assert code_fingerprint() != before
