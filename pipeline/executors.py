"""Where the per-article stages run: this process, a pool of local processes, or a Dask cluster.

Every executor takes (article, metadata row) pairs, runs `extract.process_batch` over chunks of
them and yields (outcomes, clock) per chunk; the corpus-wide steps always run on the caller's side.
The model is loaded once per process that needs it, and not at all when there is nothing to do.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import config

# Articles per task: large enough to amortise a task, small enough to spread work and bound memory.
MAX_CHUNK = 64
# Documents per nlp.pipe batch inside a task.
NLP_BATCH = 32
# Tasks in flight per Dask worker (bounds memory on the driver and the cluster).
DASK_TASKS_PER_WORKER = 3


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def chunks(items: list, *, n_workers: int, size: int | None = None) -> list[list]:
    """Consecutive chunks: `size` items each, or spread evenly over the workers up to MAX_CHUNK."""
    if not items:
        return []
    size = size or min(MAX_CHUNK, math.ceil(len(items) / n_workers))
    return [items[i:i + size] for i in range(0, len(items), size)]


@dataclass
class ModelLoader:
    """The spaCy pipeline, loaded on first use only; remembers how long loading took."""

    model: str = config.SPACY_MODEL
    nlp: object = None
    load_seconds: float = 0.0

    def get(self):
        if self.nlp is None:
            from .nlp import load_nlp

            t = time.perf_counter()
            self.nlp = load_nlp(self.model)
            self.load_seconds = time.perf_counter() - t
        return self.nlp


@dataclass
class InlineExecutor:
    """Runs the per-article stages in this process."""

    loader: ModelLoader = field(default_factory=ModelLoader)
    name: str = "inline"

    @property
    def load_seconds(self) -> float:
        return self.loader.load_seconds

    def map(self, todo: list, *, batch_size: int | None = None) -> Iterator:
        from .extract import process_batch

        for chunk in chunks(todo, n_workers=1, size=batch_size or MAX_CHUNK):
            yield process_batch(self.loader.get(), chunk, batch_size=NLP_BATCH)

    def close(self) -> None:
        pass


# The model inside a pool worker process, set once by the pool's initializer.
_POOL_STATE: dict = {}


def _pool_init(nlp, model: str) -> None:
    load_seconds = 0.0
    if nlp is None:  # each worker loads its own copy; the parent never holds one
        from .nlp import load_nlp

        t = time.perf_counter()
        nlp = load_nlp(model)
        load_seconds = time.perf_counter() - t
    _POOL_STATE.update(nlp=nlp, load_seconds=load_seconds)


def _pool_batch(chunk: list):
    from .extract import process_batch

    outcomes, clock = process_batch(_POOL_STATE["nlp"], chunk, batch_size=NLP_BATCH)
    return outcomes, clock, os.getpid(), _POOL_STATE["load_seconds"]


@dataclass
class PoolExecutor:
    """Runs the per-article stages in `n_process` local processes, each with its own model.

    Each worker parses and analyses its chunk and sends back only rows, never Docs. A model
    already loaded by the caller is shared with the workers by forking instead.
    """

    n_process: int
    loader: ModelLoader = field(default_factory=ModelLoader)
    name: str = "processes"
    worker_load_seconds: dict[int, float] = field(default_factory=dict)

    @property
    def load_seconds(self) -> float:
        """The model's load time: in this process, or the longest in a worker (they load side by side)."""
        return max([self.loader.load_seconds, *self.worker_load_seconds.values()])

    def map(self, todo: list, *, batch_size: int | None = None) -> Iterator:
        parts = chunks(todo, n_workers=self.n_process, size=batch_size)
        if len(parts) <= 1:
            yield from InlineExecutor(self.loader).map(todo, batch_size=batch_size)
            return
        fork = "fork" in multiprocessing.get_all_start_methods()
        if not fork and self.loader.nlp is not None:
            self.loader.nlp = None  # a loaded pipeline is not sent to spawned workers: they load their own
        context = multiprocessing.get_context("fork" if fork else "spawn")
        pool = context.Pool(min(self.n_process, len(parts)), initializer=_pool_init,
                            initargs=(self.loader.nlp, self.loader.model))
        try:
            for outcomes, clock, pid, load_seconds in pool.imap(_pool_batch, parts):
                self.worker_load_seconds[pid] = load_seconds
                yield outcomes, clock
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()

    def close(self) -> None:
        pass


def local(nlp=None, *, n_process: int = 1):
    """This process when n_process is 1, else a pool of local processes."""
    loader = ModelLoader(nlp=nlp)
    return InlineExecutor(loader) if n_process <= 1 else PoolExecutor(n_process, loader)


def progress_bar(total: int, *, enabled: bool):
    """A progress bar over articles on stderr, shown only on a terminal and for more than a handful."""
    from tqdm import tqdm

    show = enabled and total > 1 and sys.stderr.isatty()
    return tqdm(total=total, unit="article", file=sys.stderr, disable=not show, leave=False, dynamic_ncols=True)
