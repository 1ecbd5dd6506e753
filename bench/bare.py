"""The floor: bare `nlp.pipe` of the spaCy model over the articles of a seed folder, nothing else.

`python -m bench.bare --seeds DIR --n-process N --report FILE` writes the load and parse times as JSON.
With `--indexed` the model is the one the pipeline runs: spaCy's model with its lemmatizer's word index
held as sets (pipeline.nlp.index_lemma_tables) and without what pipeline.nlp.LEFT_OUT leaves out, none
of the project's components; the pipeline's time over that is what the project's own stages cost.
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
    parser.add_argument("--indexed", action="store_true", help="index the lemmatizer's word lists as the pipeline does")
    args = parser.parse_args(argv)

    import spacy

    from pipeline import config
    from pipeline.files import write_bytes_atomic
    from pipeline.nlp import LEFT_OUT, index_lemma_tables

    texts = [path.read_text(encoding="utf-8") for path in sorted(Path(args.seeds).glob(config.ARTICLE_GLOB))]
    t = time.perf_counter()
    nlp = spacy.load(config.SPACY_MODEL, exclude=list(LEFT_OUT) if args.indexed else [])
    if args.indexed:
        index_lemma_tables(nlp)
    load_seconds = time.perf_counter() - t
    t = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process))
    pipe_seconds = time.perf_counter() - t
    write_bytes_atomic(json.dumps({
        "model_load_seconds": load_seconds, "pipe_seconds": pipe_seconds, "articles": len(texts),
        "words": sum(len(text.split()) for text in texts), "tokens": tokens, "n_process": args.n_process,
        "batch_size": args.batch_size, "indexed": args.indexed}, indent=2).encode("utf-8"), Path(args.report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
