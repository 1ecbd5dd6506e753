"""The Dask executor: per-article stages on a two-worker LocalCluster give the single-process tables."""
from __future__ import annotations

import pandas as pd

from pipeline import config
from pipeline.extract import StageClock, run
from pipeline.ingest import read_seeds



def test_dask_local_cluster_gives_the_same_tables(seed_tables, tmp_path):
    from pipeline.cache import ArticleCache
    from pipeline.dask_executor import DaskExecutor

    seeds = read_seeds(config.SEEDS_DIR)
    executor = DaskExecutor(n_workers=2)
    clock = StageClock()
    tables, problems = run(seeds.articles, seeds.metadata, executor=executor, batch_size=2, clock=clock,
                           cache=ArticleCache.under(tmp_path))
    assert not [p for p in problems if p.fatal], problems
    assert executor.n_workers_seen == 2, executor.worker_load_seconds
    assert clock.counts["processed"] == len(seeds.articles)
    for name, frame in seed_tables.items():
        pd.testing.assert_frame_equal(tables[name], frame, check_exact=True, obj=name)
