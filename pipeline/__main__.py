"""Command line: `python -m pipeline extract [--seeds DIR] [--out DIR]`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import config


def _stage_lines(clock, n_docs: int) -> list[str]:
    lines = []
    if "cache" in clock.seconds:
        lines.append(f"{'cache':<9} {clock.counts['cache']:>6} {'articles reused':<17} {clock.seconds['cache']:7.2f}s"
                     f"  {clock.counts['processed']} processed, {clock.counts['pruned']} stale entries removed")
    for stage in ("clean", "nlp", "entities", "amounts", "timexes", "events", "quotes", "resolve", "clusters"):
        if stage not in clock.seconds:
            continue
        what = {"clean": "documents", "nlp": "documents parsed", "entities": "mentions", "amounts": "amounts",
                "timexes": "timexes", "events": "events", "quotes": "quotes", "resolve": "entities",
                "clusters": "event clusters"}[stage]
        extra = "; ".join(clock.notes.get(stage, []))
        if stage == "nlp":
            extra = f"{clock.counts.get('sentences', 0)} sentences"
        lines.append(f"{stage:<9} {clock.counts[stage]:>6} {what:<17} {clock.seconds[stage]:7.2f}s" + (f"  {extra}" if extra else ""))
    return lines


def _executor(args: argparse.Namespace, out: Path):
    """Where the per-article stages run. Local worker processes start loading the model at once, so the
    load overlaps with reading the articles and the cache; they are stopped if nothing needs them."""
    from . import executors
    from .cache import ArticleCache, regex_cache_path

    if args.executor == "dask":
        from .dask_executor import DaskExecutor

        return DaskExecutor(scheduler=args.scheduler, n_workers=args.n_process)
    executor = executors.local(n_process=args.n_process, regex_cache=None if args.no_cache else regex_cache_path(out))
    if isinstance(executor, executors.ProcessExecutor):
        cold = args.no_cache or not ArticleCache.under(out).folder.is_dir()
        executor.start(args.n_process if cold else 1)  # a warm cache: likely few articles to process
    return executor


def cmd_extract(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    executor = _executor(args, out)
    try:
        return _extract(args, out, executor, started)
    finally:
        executor.close()


def _extract(args: argparse.Namespace, out: Path, executor, started: float) -> int:
    from .cache import ArticleCache
    from .extract import StageClock, run
    from .files import write_bytes_atomic
    from .ingest import read_seeds
    from .schema import TableWriter, table_paths

    seeds = read_seeds(Path(args.seeds))
    for problem in seeds.problems:
        print(problem, file=sys.stderr)
    clock = StageClock()
    cache = None if args.no_cache else ArticleCache.under(out)
    writer = TableWriter(out)
    try:
        rows, problems = run(seeds.articles, seeds.metadata, cache=cache, executor=executor,
                             batch_size=args.batch_size, clock=clock, progress=True, sink=writer)
    except BaseException:
        writer.abort()
        raise
    for problem in problems:
        print(problem, file=sys.stderr)
    n_workers = len(getattr(executor, "worker_load_seconds", {0: None}))
    if not clock.counts["processed"]:
        print(f"{'model':<9} not loaded: every article was reused from {cache.folder if cache else 'the cache'}")
    elif executor.name == "dask":
        print(f"{'model':<9} {config.SPACY_MODEL} loaded once on each of {executor.n_workers_seen} Dask worker(s)"
              f" ({executor.address}), at most {executor.load_seconds:.2f}s")
    else:
        print(f"{'model':<9} {config.SPACY_MODEL} loaded in {executor.load_seconds:.2f}s;"
              f" per-article stages in {executor.name} ({n_workers} process(es))")
    for line in _stage_lines(clock, len(seeds.articles)):
        print(line)
    failed = [p for p in seeds.problems + problems if p.fatal]
    total = time.perf_counter() - started
    datasets = [name for name in rows if (out / f"{name}.parquet").is_dir()]
    print(f"{'write':<9} {len(rows):>6} tables            to {out}/ in {total:.2f}s total;"
          f" {rows['documents']} articles ({clock.counts['cache']} reused, {clock.counts['processed']} processed),"
          f" {len(failed)} problem(s)" + (f"; Parquet datasets (folders of parts): {', '.join(datasets)}" if datasets else ""))
    if args.report:
        import pyarrow.dataset as ds

        texts = ds.dataset(table_paths(out, "documents")[0], format="parquet").to_table(columns=["text"]).column("text")
        report = {"seconds": dict(clock.seconds), "counts": dict(clock.counts), "total_seconds": total,
                  "model_load_seconds": executor.load_seconds, "executor": executor.name,
                  "n_process": getattr(executor, "n_process", 1), "workers": n_workers, "rows": rows,
                  "articles": rows["documents"], "failed": [str(p) for p in failed],
                  "words": sum(len(text.split()) for text in texts.to_pylist())}
        write_bytes_atomic(json.dumps(report, indent=2).encode("utf-8"), Path(args.report))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="run every stage over a seed folder and write the tables")
    extract.add_argument("--seeds", default=str(config.SEEDS_DIR), help="folder of *.txt articles and metadata.csv")
    extract.add_argument("--out", default=str(config.OUT_DIR), help="folder for the Parquet tables")
    extract.add_argument("--n-process", type=int, default=None,
                         help="processes (or Dask workers) for the per-article stages; default: the usable cores")
    extract.add_argument("--batch-size", type=int, default=None, help="articles per task (default: spread over the processes, at most 64)")
    extract.add_argument("--no-cache", action="store_true", help="process every article even when its results are cached under --out")
    extract.add_argument("--executor", choices=("local", "dask"), default="local",
                         help="where the per-article stages run: local processes, or a Dask cluster")
    extract.add_argument("--scheduler", default=None,
                         help="address of a running Dask scheduler (tcp://host:8786); default: a LocalCluster on this machine")
    extract.add_argument("--report", default=None, help="also write the stage times and counts as JSON to this file")
    extract.set_defaults(func=cmd_extract)
    args = parser.parse_args(argv)
    if getattr(args, "n_process", 0) is None:
        from .executors import usable_cores

        args.n_process = usable_cores()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
