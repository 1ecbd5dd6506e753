"""AnchoredMatcher gives exactly the matches of spaCy's Matcher over the whole Doc, in the same order."""
from __future__ import annotations

from pathlib import Path

import pytest
from spacy.matcher import Matcher

from pipeline import config, events
from pipeline.matching import AnchoredMatcher, anchor, repeats

TEXTS = sorted([*Path(config.SEEDS_DIR).glob(config.ARTICLE_GLOB), *Path("tests/dev/seeds").glob(config.ARTICLE_GLOB)])

PATTERNS = {
    "took-place": [[{"LEMMA": "avoir"}, {"LOWER": "lieu"}]],
    "verb-then-words": [[{"POS": "VERB"}, {"LOWER": {"IN": ["à", "au"]}}, {"LOWER": "pouvoir"}]],
    "gap": [[{"LEMMA": "signer", "POS": "VERB"}, {"IS_PUNCT": False, "OP": "{0,4}"}, {"LOWER": "accord"}]],
    "optional-tail": [[{"LOWER": "sommet"}, {"LOWER": "du", "OP": "?"}, {"ORTH": "G20", "OP": "?"}]],
}


def plain(vocab, patterns):
    matcher = Matcher(vocab)
    for key, alternatives in patterns.items():
        matcher.add(key, alternatives)
    return matcher


@pytest.mark.parametrize("op, expected", [(None, (1, 1)), ("?", (0, 1)), ("*", (0, None)), ("+", (1, None)),
                                          ("{0,4}", (0, 4)), ("{2}", (2, 2)), ("{1,}", (1, None)), ("{,3}", (0, 3))])
def test_repeats_reads_every_operator(op, expected):
    assert repeats({"LOWER": "x", **({"OP": op} if op else {})}) == expected


def test_the_anchor_is_a_required_word_that_is_not_a_stop_word():
    stop = frozenset({"à", "au", "avoir"})
    assert anchor(PATTERNS["took-place"][0], stop) == ("LOWER", ["lieu"], 1, 1, 2)
    assert anchor(PATTERNS["verb-then-words"][0], stop) == ("LOWER", ["pouvoir"], 2, 2, 3)
    assert anchor(PATTERNS["gap"][0], stop) == ("LEMMA", ["signer"], 0, 0, 6)
    assert anchor([{"POS": "VERB"}, {"LOWER": "x", "OP": "*"}], stop) is None


def test_edges_of_the_doc_and_overlapping_windows(nlp):
    doc = nlp("Le sommet du G20 a eu lieu. Sommet du G20 signé, il a signé hier à Paris l'accord du sommet")
    anchored, whole = AnchoredMatcher(nlp.vocab, PATTERNS), plain(nlp.vocab, PATTERNS)
    assert not anchored.whole_doc
    assert anchored(doc) == whole(doc) and len(whole(doc)) >= 5


def test_an_unbounded_pattern_runs_over_the_whole_doc(nlp):
    patterns = {"any": [[{"LOWER": "accord"}, {"IS_ALPHA": True, "OP": "+"}]]}
    anchored = AnchoredMatcher(nlp.vocab, patterns)
    doc = nlp("Un accord de paix a été signé.")
    assert anchored.whole_doc and anchored(doc) == plain(nlp.vocab, patterns)(doc)


def test_event_triggers_match_as_over_the_whole_doc_on_real_articles(nlp):
    patterns = {str(i): events.expand_first_token(row["pattern"]) for i, row in enumerate(events._triggers())}
    anchored, whole = AnchoredMatcher(nlp.vocab, patterns), plain(nlp.vocab, patterns)
    assert not anchored.whole_doc
    total = covered = found = 0
    for path in TEXTS:
        doc = nlp(path.read_text(encoding="utf-8"))
        assert anchored(doc) == whole(doc), path.name
        found += len(whole(doc))
        total += len(doc)
        covered += sum(end - start for start, end in anchored.windows(doc))
    assert found > 50 and covered < total / 2  # the point of it: most tokens are never tried


def _phrase_matcher_sets(doc, matcher):
    return sorted((doc.vocab.strings[key], start, end) for key, start, end in matcher(doc))


def test_lower_phrase_matcher_finds_what_spacys_phrase_matcher_finds(nlp):
    from spacy.lang.fr import French
    from spacy.matcher import PhraseMatcher

    from pipeline import entities
    from pipeline.matching import LowerPhraseMatcher

    words = entities._phrase_words()
    ours, spacys = LowerPhraseMatcher(), PhraseMatcher(nlp.vocab, attr="LOWER")
    tokenizer = French().tokenizer
    lists = {"GAZ": sorted(entities.lexicon().gazetteer)} | {
        name.upper(): getattr(entities.lexicon(), name) for name in entities.PHRASE_LISTS}
    for key, phrases in words.items():
        ours.add(key, phrases)
        spacys.add(key, list(tokenizer.pipe(lists[key])))
    assert len(words["GAZ"]) > 10_000
    found = 0
    texts = [path.read_text(encoding="utf-8") for path in TEXTS]
    texts.append("Le PRÉSIDENT de la république de Côte d'Ivoire et la côte d'ivoire, puis Nouvelle-Zélande.")
    for text in texts:
        doc = nlp(text)
        mine = ours(doc)
        assert sorted(mine) == _phrase_matcher_sets(doc, spacys), text[:60]
        assert mine == sorted(mine, key=lambda m: (m[1], m[2]))  # by start, then end
        found += len(mine)
    assert found > 300


def test_lower_phrase_matcher_keeps_overlaps_and_every_key():
    from spacy.lang.fr import French

    from pipeline.matching import LowerPhraseMatcher

    matcher = LowerPhraseMatcher()
    matcher.add("A", [["Nouvelle", "-", "Zélande"], ["nouvelle"], []])
    matcher.add("B", [["NOUVELLE"], ["zélande"]])
    doc = French()("La Nouvelle-Zélande.")
    assert matcher(doc) == [("A", 1, 2), ("B", 1, 2), ("A", 1, 4), ("B", 3, 4)]
