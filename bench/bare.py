"""The floor: bare `nlp.pipe` of the spaCy model over the articles of a seed folder, nothing else.

`python -m bench.bare --seeds DIR --n-process N --report FILE` writes the load and parse times as JSON.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--report", required=True)
    args = parser.parse_args(argv)

    import spacy

    from pipeline import config

    texts = [path.read_text(encoding="utf-8") for path in sorted(Path(args.seeds).glob(config.ARTICLE_GLOB))]
    t = time.perf_counter()
    nlp = spacy.load(config.SPACY_MODEL)
    load_seconds = time.perf_counter() - t
    t = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process))
    pipe_seconds = time.perf_counter() - t
    Path(args.report).write_text(json.dumps({
        "model_load_seconds": load_seconds, "pipe_seconds": pipe_seconds, "articles": len(texts),
        "words": sum(len(text.split()) for text in texts), "tokens": tokens, "n_process": args.n_process,
        "batch_size": args.batch_size}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
