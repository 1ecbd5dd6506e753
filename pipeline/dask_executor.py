"""The per-article stages on a Dask cluster: one model load per worker, rows (never Docs) sent back.

Used by `python -m pipeline extract --executor dask [--scheduler ADDRESS]`. Without an address a
`distributed.LocalCluster` is started on this machine. Caching, entity resolution, event clusters
and writing the tables stay on the driver. Needs the `dask` extra (`pip install -e '.[dask]'`), and
on an existing cluster the same version of this project installed on every worker.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from . import config
from .cache import code_fingerprint
from .executors import DASK_TASKS_PER_WORKER, NLP_BATCH, chunks


class ModelPlugin(WorkerPlugin):
    """Loads the spaCy pipeline once when a worker starts (or joins), and keeps it for every task."""

    name = "fr-news-events-model"
    idempotent = True

    def __init__(self, model: str = config.SPACY_MODEL):
        self.model = model
        self.nlp = None
        self.code = None
        self.load_seconds = 0.0

    def setup(self, worker) -> None:
        from .executors import load_model

        self.nlp, self.load_seconds = load_model(self.model)
        self.code = code_fingerprint(self.model)


def _dask_batch(chunk: list):
    """Run on a worker: the per-article stages over a chunk, with the worker's model."""
    from .extract import process_batch

    worker = get_worker()
    plugin = worker.plugins[ModelPlugin.name]
    outcomes, clock = process_batch(plugin.nlp, chunk, batch_size=NLP_BATCH)
    return outcomes, clock, worker.address, plugin.code, plugin.load_seconds


@dataclass
class DaskExecutor:
    """Sends chunks of articles to a Dask cluster, a few tasks in flight per worker."""

    scheduler: str | None = None
    n_workers: int = 2
    model: str = config.SPACY_MODEL
    name: str = "dask"
    address: str = "not started"
    worker_load_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def load_seconds(self) -> float:
        """The longest model load on a worker (they load side by side)."""
        return max(self.worker_load_seconds.values(), default=0.0)

    @property
    def n_workers_seen(self) -> int:
        return len(self.worker_load_seconds)

    def map(self, todo: list, *, batch_size: int | None = None, memo=None) -> Iterator:
        """Chunks of `todo` run on the cluster; `memo` (a file of built rule data on this machine) is not
        used there: each worker builds the rule data once, for as long as it lives."""
        if not todo:
            return
        cluster = None
        if self.scheduler is None:
            cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(self.scheduler or cluster)
        try:
            self.address = client.scheduler.address
            client.register_plugin(ModelPlugin(self.model))
            expected = code_fingerprint(self.model)
            n_workers = max(1, len(client.scheduler_info()["workers"]))
            parts = iter(chunks(todo, n_workers=n_workers, size=batch_size))
            in_flight = as_completed([client.submit(_dask_batch, part, pure=False)
                                      for part in islice(parts, n_workers * DASK_TASKS_PER_WORKER)])
            for future in in_flight:
                outcomes, clock, address, code, load_seconds = future.result()
                future.release()
                if code != expected:
                    raise RuntimeError(f"Dask worker {address} runs other code, rules or model (fingerprint {code},"
                                       f" driver {expected}): install the same version of the project on every worker")
                self.worker_load_seconds[address] = load_seconds
                following = next(parts, None)
                if following is not None:
                    in_flight.add(client.submit(_dask_batch, following, pure=False))
                yield outcomes, clock
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def close(self) -> None:
        pass
