"""Quoted speech with its speaker and reporting verb, from the rules in rules/quotes/quotes.yml."""
from __future__ import annotations

import functools
import re

from spacy.tokens import Doc, Token

from . import rulesdata
from .discourse import MentionIndex, example_mentions, example_nlp

RULES_FILE = "quotes/quotes.yml"
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@functools.lru_cache(maxsize=1)
def _rules() -> dict:
    data = rulesdata.load_yaml(RULES_FILE)
    for key in ("marks", "min_words", "min_words_without_verb", "min_letter_share", "max_capitalised_share", "after_window", "reporting_verbs",
                "source_nouns", "source_prepositions", "subject_pronouns"):
        rulesdata.require(data, key, RULES_FILE)
    return {**data, "reporting_verbs": frozenset(data["reporting_verbs"]),
            "source_nouns": frozenset(data["source_nouns"]),
            "source_prepositions": frozenset(p.replace("’", "'") for p in data["source_prepositions"]),
            "subject_pronouns": frozenset(data["subject_pronouns"])}


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of the quote marks, outermost only, each pair within one paragraph."""
    spans = []
    for opener, closer in _rules()["marks"]:
        for paragraph in re.finditer(r"[^\n]+", text):
            at, base = 0, paragraph.start()
            body = paragraph.group()
            while True:
                start = body.find(opener, at)
                if start < 0:
                    break
                end = body.find(closer, start + 1)
                if end < 0:
                    break
                spans.append((base + start, base + end))
                at = end + 1
    spans.sort(key=lambda s: (s[0], -s[1]))
    outer = []
    for span in spans:
        if not any(o[0] <= span[0] and span[1] <= o[1] for o in outer):
            outer.append(span)
    return outer


def is_speech(doc: Doc, start: int, end: int, *, quoted: str) -> bool:
    """Quoted words that are speech: long enough, with a verb, not a capitalised name.

    `quoted` is doc.text[start:end], passed in because Doc.text rebuilds the whole string on each access.
    """
    rules = _rules()
    words = _WORD.findall(quoted)
    if len(words) < rules["min_words"]:
        return False
    visible = [ch for ch in quoted if not ch.isspace()]
    if sum(ch.isalpha() for ch in visible) < rules["min_letter_share"] * len(visible):
        return False  # figures, a table, or scanning noise
    capitalised = sum(w[0].isupper() for w in words[1:]) / max(1, len(words) - 1)
    if capitalised > rules["max_capitalised_share"]:
        return False
    if len(words) >= rules["min_words_without_verb"]:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.pos_ in {"VERB", "AUX"} for t in span)


def _is_reporting(token: Token) -> bool:
    verbs = _rules()["reporting_verbs"]
    return token.lemma_.lower() in verbs or token.text.lower() in verbs


def _is_pronoun(token: Token) -> bool:
    return token.pos_ == "PRON" and token.text.lower() in _rules()["subject_pronouns"]


def _source_speaker(tokens: list[Token], index: MentionIndex) -> dict | None:
    """The issuer named after a source noun ("un communiqué du ministère X")."""
    nouns = _rules()["source_nouns"]
    for i, token in enumerate(tokens):
        if token.lemma_.lower() in nouns or token.text.lower() in nouns:
            for later in tokens[i + 1:i + 4]:
                mention = index.of(later)
                if mention is not None and mention["label"] in {"ORG", "PER", "LOC"}:
                    return mention
            return None
    return None


def _sentence_tokens(doc: Doc, offset: int, *, forward: bool) -> list[Token]:
    """Tokens from a quote mark at `offset` to the end (or back to the start) of its sentence.

    Bounded by sentence punctuation, a line break or another quote mark, not by the parser's
    sentences, which often end at a closing quote mark.
    """
    marks = {"«", "»", "“", "”", "\""}
    span = doc.char_span(offset, offset + 1, alignment_mode="expand")
    if span is None:
        return []
    i, step, out = span[0].i + (1 if forward else -1), 1 if forward else -1, []
    while 0 <= i < len(doc):
        token = doc[i]
        if "\n" in token.text or token.text in marks or (not forward and token.text in {".", "!", "?"}):
            break
        if not token.is_space:
            out.append(token)
        if forward and token.text in {".", "!", "?"}:
            break
        i += step
    return out if forward else out[::-1]


class _Speakers:
    """Speaker resolution for one article: remembers the last speaker and the last written source."""

    def __init__(self, doc: Doc, index: MentionIndex):
        self.doc, self.index = doc, index
        self.speakers: list[dict] = []
        self.last_source: dict | None = None

    def antecedent(self, offset: int) -> dict | None:
        return self.index.antecedent(offset, preferred=self.speakers)

    def after(self, close: int) -> tuple[dict | None, str | None, bool]:
        """Speaker named in the words that follow the closing mark: ', a déclaré X', ', a-t-il dit'."""
        rules = _rules()
        tail = _sentence_tokens(self.doc, close, forward=True)
        if not tail or tail[0].text not in {",", ")"} and not _is_reporting(tail[0]) and tail[0].text != "-":
            return None, None, False
        for k, token in enumerate(tail[:rules["after_window"]]):
            if not _is_reporting(token):
                continue
            verb = token.lemma_.lower() if token.lemma_.lower() in rules["reporting_verbs"] else token.text.lower()
            if any(_is_pronoun(t) for t in tail[max(0, k - 3):k + 2]):
                return self.antecedent(token.idx), verb, True
            rest = tail[k + 1:]
            source = _source_speaker(rest, self.index)
            if source is not None:
                self.last_source = source
                return source, verb, True
            if any(t.lemma_.lower() in rules["source_nouns"] for t in rest[:4]):
                return self.last_source, verb, True
            for later in rest:
                mention = self.index.of(later)
                if mention is not None and mention["label"] in {"PER", "ORG"}:
                    return mention, verb, True
            return None, verb, True
        return None, None, False

    def before(self, open_: int) -> tuple[dict | None, str | None]:
        """Speaker of a verb or 'selon X' earlier in the sentence that holds the opening mark."""
        rules = _rules()
        head = _sentence_tokens(self.doc, open_, forward=False)
        sent_start = head[0].idx if head else open_
        for k in range(len(head) - 1, -1, -1):
            token = head[k]
            if token.lower_.replace("’", "'") in rules["source_prepositions"]:
                for later in head[k + 1:]:
                    mention = self.index.of(later)
                    if mention is not None:
                        return mention, token.lower_
                return None, token.lower_
            if token.pos_ in {"VERB", "AUX"} and _is_reporting(token):
                subjects = [c for c in token.children if c.dep_ in {"nsubj", "nsubj:pass"}]
                for subject in subjects:
                    if _is_pronoun(subject):
                        return self.antecedent(subject.idx), token.lemma_
                    mention = self.index.of(subject)
                    if mention is not None:
                        return mention, token.lemma_
                speaker = self.index.last_before(token.idx, ("PER", "ORG"), after=sent_start)
                if speaker is None and any(_is_pronoun(t) for t in head[max(0, k - 3):k]):
                    speaker = self.antecedent(token.idx)
                return speaker, token.lemma_
        return None, None


def extract(doc: Doc, *, mentions: list[dict]) -> list[dict]:
    """Quotes of a parsed article: start, end, text, speaker_id (local entity id or None), verb, rule_id."""
    index = MentionIndex(doc, mentions)
    speakers = _Speakers(doc, index)
    quotes = []
    text = doc.text  # Doc.text rebuilds the string from every token: read it once
    for open_, close in quote_spans(text):
        start, end = open_ + 1, close
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if not is_speech(doc, start, end, quoted=text[start:end]):
            continue
        speaker, verb, found = speakers.after(close)
        rule_id = "quote.after-verb"
        if not found:
            speaker, verb = speakers.before(open_)
            rule_id = "quote.before-verb" if verb else "quote.unattributed"
        if speaker is not None:
            speakers.speakers.append(speaker)
        quotes.append({"start": start, "end": end, "text": text[start:end],
                       "speaker_id": speaker["entity_id"] if speaker else None, "verb": verb, "rule_id": rule_id})
    return quotes


def _examples(text: str) -> list[list]:
    """[first three words, speaker name, verb] per quote, for rules/quotes/quotes.examples.yml."""
    doc = example_nlp()(text)
    mentions, names = example_mentions(doc)
    return [[" ".join(q["text"].split()[:3]), names.get(q["speaker_id"]), q["verb"]]
            for q in extract(doc, mentions=mentions)]


EXAMPLE_RUNNERS = {RULES_FILE: (_examples, _examples)}
