"""Where the per-article stages run: this process, a pool of local processes, or a Dask cluster.

Every executor takes (article, metadata row) pairs, runs `extract.process_batch` over chunks of
them and yields (outcomes, clock) per chunk, each outcome packed (extract.Packed: its rows pickled
once, where they were made); the corpus-wide steps always run on the caller's side. Local executors
run each chunk with the store of built rule data `memo` open (pipeline.memo), when one is given.
The model is loaded once per process that needs it, and not at all when there is nothing to do.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing
import os
import queue
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import config, memo as memo_store

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


def load_model(model: str, regex_cache: Path | None = None):
    """The project's spaCy pipeline and its load time; compiled patterns reused from `regex_cache` when given."""
    from .nlp import load_nlp
    from .regexcache import reuse

    t = time.perf_counter()
    with reuse(regex_cache) if regex_cache else contextlib.nullcontext():
        nlp = load_nlp(model)
    return nlp, time.perf_counter() - t


def run_batch(nlp, chunk: list, *, memo: Path | None):
    """extract.process_batch over one chunk, with the rule data built by earlier runs read back from `memo`
    (pipeline.memo): the first batch of a process builds it (about a second), or reads it back.

    The compiled-pattern cache is not open here: several rules join the words of a set into one
    pattern, in an order that changes with each process's string hashing, so their patterns would be
    stored again on every run."""
    from .extract import process_batch

    with memo_store.stored(memo):
        return process_batch(nlp, chunk, batch_size=NLP_BATCH)


@dataclass
class ModelLoader:
    """The spaCy pipeline, loaded on first use only; remembers how long loading took."""

    model: str = config.SPACY_MODEL
    nlp: object = None
    regex_cache: Path | None = None
    load_seconds: float = 0.0

    def get(self):
        if self.nlp is None:
            self.nlp, self.load_seconds = load_model(self.model, self.regex_cache)
        return self.nlp


@dataclass
class InlineExecutor:
    """Runs the per-article stages in this process."""

    loader: ModelLoader = field(default_factory=ModelLoader)
    name: str = "inline"

    @property
    def load_seconds(self) -> float:
        return self.loader.load_seconds

    def map(self, todo: list, *, batch_size: int | None = None, memo: Path | None = None) -> Iterator:
        for chunk in chunks(todo, n_workers=1, size=batch_size or MAX_CHUNK):
            yield run_batch(self.loader.get(), chunk, memo=memo)

    def close(self) -> None:
        pass


# Fewest articles left to process for which a further worker (one more model load, a few seconds of
# a core) is started; below it the workers already loaded share them.
ARTICLES_PER_EXTRA_WORKER = 50
# Chunks queued per worker (bounds the articles held in the queues).
QUEUED_PER_WORKER = 2
# Seconds between checks that no worker died while the caller waits for results.
POLL_SECONDS = 0.5


def _serve(loader: ModelLoader, tasks, results) -> None:
    """A worker process: load the model once, then run process_batch over each chunk until told to stop."""
    pid = os.getpid()
    try:
        shared = loader.nlp is not None  # the caller's model, shared by forking: no load here
        nlp = loader.get()
        results.put(("ready", pid, 0.0 if shared else loader.load_seconds))
        while (task := tasks.get()) is not None:
            index, chunk, memo = task
            outcomes, clock = run_batch(nlp, chunk, memo=memo)
            results.put(("done", pid, index, outcomes, clock))
    except BaseException:  # reported to the caller, which stops the run with it
        results.put(("failed", pid, traceback.format_exc()))
        raise


@dataclass
class ProcessExecutor:
    """Runs the per-article stages in up to `n_process` local processes, each with its own model.

    Workers send back rows, never Docs. `start()` may be called before anything else (the CLI does
    it first thing) so that loading the model overlaps with reading the articles and the cache;
    `map` then adds workers only when there are enough articles for them (ARTICLES_PER_EXTRA_WORKER),
    and `close` stops them, at once when they had nothing to do. A model already loaded by the
    caller is shared with the workers by forking instead.
    """

    n_process: int
    loader: ModelLoader = field(default_factory=ModelLoader)
    name: str = "processes"
    worker_load_seconds: dict[int, float] = field(default_factory=dict)
    workers: list = field(default_factory=list)

    def __post_init__(self):
        fork = "fork" in multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if fork else "spawn")
        if not fork:
            self.loader.nlp = None  # a loaded pipeline is not sent to spawned workers: they load their own
        self.tasks = self.context.Queue()
        self.results = self.context.Queue()

    @property
    def load_seconds(self) -> float:
        """The model's load time: the longest in a worker (they load side by side)."""
        return max(self.worker_load_seconds.values(), default=0.0)

    def start(self, n_workers: int = 1) -> "ProcessExecutor":
        """Have `n_workers` workers running (loading the model), starting the missing ones."""
        for _ in range(min(n_workers, self.n_process) - len(self.workers)):
            worker = self.context.Process(target=_serve, daemon=True, name="pipeline-worker",
                                          args=(self.loader, self.tasks, self.results))
            worker.start()
            self.workers.append(worker)
        return self

    def map(self, todo: list, *, batch_size: int | None = None, memo: Path | None = None) -> Iterator:
        if not todo:
            return
        wanted = max(1, min(self.n_process, len(todo) // ARTICLES_PER_EXTRA_WORKER))
        parts = chunks(todo, n_workers=max(wanted, len(self.workers)), size=batch_size)
        self.start(min(wanted, len(parts)))  # before queueing: a fork never copies a busy queue
        queued = ((index, part, memo) for index, part in enumerate(parts))
        pending = 0
        for task in itertools.islice(queued, QUEUED_PER_WORKER * len(self.workers)):
            self.tasks.put(task)
            pending += 1
        while pending:
            message = self._next_result()
            if message[0] == "ready":
                self.worker_load_seconds[message[1]] = message[2]
                continue
            _, _, _, outcomes, clock = message
            pending -= 1
            task = next(queued, None)
            if task is not None:
                self.tasks.put(task)
                pending += 1
            yield outcomes, clock

    def _next_result(self) -> tuple:
        while True:
            try:
                message = self.results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                dead = [w for w in self.workers if w.exitcode is not None]
                if dead:
                    raise RuntimeError(f"worker process {dead[0].pid} stopped (exit code {dead[0].exitcode})"
                                       " before finishing its articles") from None
                continue
            if message[0] == "failed":
                raise RuntimeError(f"worker process {message[1]} failed:\n{message[2]}")
            return message

    def close(self) -> None:
        """Stop the workers: idle ones are told to finish, ones still loading the model are ended."""
        for worker in self.workers:
            if worker.pid in self.worker_load_seconds:
                self.tasks.put(None)
            else:
                worker.terminate()
        for worker in self.workers:
            worker.join(timeout=5)
            if worker.exitcode is None:
                worker.terminate()
                worker.join()
        self.workers.clear()
        self.tasks.close()
        self.results.close()


def local(nlp=None, *, n_process: int = 1, regex_cache: Path | None = None):
    """This process when n_process is 1, else worker processes (loading the model only when needed)."""
    loader = ModelLoader(nlp=nlp, regex_cache=regex_cache)
    return InlineExecutor(loader) if n_process <= 1 else ProcessExecutor(n_process, loader)


def progress_bar(total: int, *, enabled: bool):
    """A progress bar over articles on stderr, shown only on a terminal and for more than a handful."""
    from tqdm import tqdm

    show = enabled and total > 1 and sys.stderr.isatty()
    return tqdm(total=total, unit="article", file=sys.stderr, disable=not show, leave=False, dynamic_ncols=True)
