"""The model as the pipeline loads it: what it changes of spaCy's French pipeline must not change its output."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from pipeline import config

TEXTS = sorted([*Path(config.SEEDS_DIR).glob(config.ARTICLE_GLOB), *Path("tests/dev/seeds").glob(config.ARTICLE_GLOB)])


@pytest.fixture(scope="module")
def stock_lemmatizer():
    """spaCy's own French rule lemmatizer, its word index left as the model ships it (lists)."""
    stock = spacy.load(config.SPACY_MODEL, exclude=["tok2vec", "morphologizer", "parser", "ner", "attribute_ruler"])
    assert stock.pipe_names == ["lemmatizer"]
    lemmatizer = stock.get_pipe("lemmatizer")
    assert all(isinstance(words, list) for words in lemmatizer.lookups.get_table("lemma_index").values())
    return lemmatizer


def test_the_pipeline_indexes_the_lemmatizer_word_lists_as_sets(nlp):
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert len(table) >= 4 and all(isinstance(words, frozenset) for words in table.values())


def test_indexed_lemmatizer_gives_the_stock_lemmas_on_every_token(nlp, stock_lemmatizer):
    assert len(TEXTS) >= 11
    compared = 0
    for path in TEXTS:
        for token in nlp(path.read_text(encoding="utf-8")):
            assert token.lemma_ == stock_lemmatizer.lemmatize(token)[0], (path.name, token.i, token.text, token.pos_)
            compared += 1
    assert compared > 5000


def _annotations(doc) -> list[tuple]:
    return [(t.text, t.lemma_, t.pos_, t.tag_, str(t.morph), t.dep_, t.head.i, t.ent_type_, t.ent_iob_,
             t.is_sent_start, t.norm_, t.shape_, t.is_stop, t.like_num) for t in doc]


def test_the_model_without_its_string_table_annotates_every_token_as_the_whole_model(nlp):
    from pipeline.nlp import LEFT_OUT

    assert "senter" not in nlp.component_names
    whole = spacy.load(config.SPACY_MODEL)
    light = spacy.load(config.SPACY_MODEL, exclude=list(LEFT_OUT))
    assert len(light.vocab.strings) < len(whole.vocab.strings) / 100
    compared = 0
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        got, want = _annotations(light(text)), _annotations(whole(text))
        assert got == want, path.name
        compared += len(want)
    assert compared > 5000
