"""Sentences and the spaCy pipeline: the model plus the project's registered components."""
from __future__ import annotations

import bisect
import re

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import config


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break always ends a sentence: the parser then never joins a headline or a paragraph to the next."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        if not token.is_space and ("\n" in before.whitespace_ or (before.is_space and "\n" in before.text)):
            token.is_sent_start = True
    return doc


# What spacy.load leaves out of the model: its sentence recogniser, which the model ships disabled (the
# parser cuts sentences), and the vocabulary's string table. That table holds the text of 700,000 hashes
# (every word the vectors were trained on) and took a third of each load; the pipeline adds the string of
# every word, lemma, label and feature it makes, and never asks for the text of a hash it did not make.
# tests/test_nlp.py checks that every token's annotations are those of the model loaded whole.
LEFT_OUT = ("senter", "strings")


def load_nlp(model: str = config.SPACY_MODEL) -> Language:
    """The French model with the project's components added (see pipeline.entities)."""
    from . import entities  # registers the components

    nlp = spacy.load(model, exclude=list(LEFT_OUT))
    index_lemma_tables(nlp)
    nlp.add_pipe("paragraph_breaks", before="parser")
    entities.add_components(nlp)
    return nlp


def index_lemma_tables(nlp: Language) -> None:
    """Hold the rule lemmatizer's word index as sets: the same lemmas, a lemmatizer about 25x faster.

    spaCy's FrenchLemmatizer.rule_lemmatize asks `word in index` (and `form in index` for each suffix
    rule that applies), where `index` is the model's list of the known words of a part of speech, up to
    66,000 of them: a linear scan for every word form the lemmatizer has not cached yet, which made it
    about 40% of bare `nlp.pipe` time on news text. Only membership is asked of these lists, so a frozenset
    answers every question the same way. The tables are not written back to disk (a frozenset does not
    serialise): a pipeline that saves the model must load it again first.
    """
    if "lemmatizer" not in nlp.pipe_names:
        return
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    table = lookups.get_table("lemma_index")
    for pos in list(table):
        if isinstance(table[pos], list):
            table[pos] = frozenset(table[pos])


def sentences(doc: Doc) -> list[dict]:
    """One row per sentence with its character span; sentences never contain a paragraph break."""
    rows = []
    text = doc.text  # built from every token on each access: once per doc, not once per sentence
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        # split on paragraph breaks the parser may have run over
        cut = start
        for piece in text[start:end].split("\n"):
            piece_start = cut
            cut += len(piece) + 1
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            rows.append({"start": piece_start + lead, "end": piece_start + lead + len(stripped)})
    rows = _repair_boundaries(text, rows)
    for i, row in enumerate(rows):
        row["sentence_id"] = i
    return rows


def sentence_spans(doc: Doc, rows: list[dict] | None = None) -> list:
    """The sentences of `sentences` as spaCy Spans of the Doc (the parser's cuts repaired), for later
    stages; `rows` are that function's rows when the caller has them already."""
    rows = rows if rows is not None else sentences(doc)
    spans = (doc.char_span(row["start"], row["end"], alignment_mode="expand") for row in rows)
    return [span for span in spans if span is not None]


_FINAL = re.compile(r"[.!?…](?:[\s\"'»”’)\]]*)$")


def _repair_boundaries(text: str, rows: list[dict]) -> list[dict]:
    """Undo the parser's cuts inside a sentence, within one paragraph.

    A piece with no letter or digit (a lone quote mark) joins the piece before it, or the one after it
    when it opens the paragraph; a piece that does not end a sentence (no final . ! ? …, quote marks
    aside) joins the next one: "ont tenu mardi dans la capitale kazakhe" + "Astana le quatrième ...".
    """
    same_paragraph = lambda a, b: "\n" not in text[a["end"]:b["start"]]
    merged: list[dict] = []
    for row in rows:
        piece = text[row["start"]:row["end"]]
        previous = merged[-1] if merged else None
        if previous and same_paragraph(previous, row) and (
                not any(ch.isalnum() for ch in piece)
                or not _FINAL.search(text[previous["start"]:previous["end"]])):
            previous["end"] = row["end"]
        else:
            merged.append(dict(row))
    return merged


def sentence_of(sentence_rows: list[dict], start: int) -> int | None:
    """The sentence_id containing character offset `start`; the rows are those of `sentences`, in text order."""
    at = bisect.bisect_right(sentence_rows, start, key=lambda row: row["start"]) - 1
    if at >= 0 and start < sentence_rows[at]["end"]:
        return sentence_rows[at]["sentence_id"]
    return None
