"""Benchmark: corpora built from shared/bench, the pipeline against bare nlp.pipe (`make bench`)."""
