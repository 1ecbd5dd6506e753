"""Command line: `python -m pipeline extract [--seeds DIR] [--out DIR]`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import config


def _stage_lines(clock, n_docs: int) -> list[str]:
    lines = []
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


def cmd_extract(args: argparse.Namespace) -> int:
    from .extract import StageClock, run
    from .ingest import read_seeds
    from .nlp import load_nlp
    from .schema import to_arrow, write_atomic

    started = time.perf_counter()
    seeds = read_seeds(Path(args.seeds))
    for problem in seeds.problems:
        print(problem, file=sys.stderr)
    clock = StageClock()
    t = time.perf_counter()
    nlp = load_nlp()
    print(f"{'model':<9} {config.SPACY_MODEL} loaded in {time.perf_counter() - t:.2f}s")
    tables, problems = run(seeds.articles, seeds.metadata, nlp, clock=clock)
    for problem in problems:
        print(problem, file=sys.stderr)
    for line in _stage_lines(clock, len(seeds.articles)):
        print(line)
    out = Path(args.out)
    arrow = {name: to_arrow(name, frame) for name, frame in tables.items()}
    for name, table in arrow.items():
        write_atomic(table, out / f"{name}.parquet")
    failed = [p for p in seeds.problems + problems if p.fatal]
    print(f"{'write':<9} {len(arrow):>6} tables            to {out}/ in {time.perf_counter() - started:.2f}s total;"
          f" {len(tables['documents'])} articles processed, {len(failed)} problem(s)")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="run every stage over a seed folder and write the tables")
    extract.add_argument("--seeds", default=str(config.SEEDS_DIR), help="folder of *.txt articles and metadata.csv")
    extract.add_argument("--out", default=str(config.OUT_DIR), help="folder for the Parquet tables")
    extract.set_defaults(func=cmd_extract)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
