"""Named entities: the model's spans, repaired and completed by rules from rules/entities/.

The registered component `entity_rules` runs after the model's NER. It reads gazetteers (places,
organisations), token patterns, titles and demonyms from rules/entities/ and

- repairs the model's spans: trims articles, elided determiners, honorifics, titles, demonyms,
  whitespace and punctuation off their edges, splits a run of a gazetteer name and another name
  ("Kazakhstan Kassym"), and drops spans left with no name (pronouns, titles, common nouns);
- adds gazetteer places and organisations, pattern matches ("C5+1"), ministries named by a common
  noun phrase ("ministère kirghize des Affaires étrangères"), pairings of places ("Chine-Asie
  centrale") and persons introduced by a title or an honorific ("le président russe Vladimir
  Poutine", "M. Tokaïev");
- records each titled person's role and the country or organisation it belongs to.

The result is set as `doc.ents` (kb_id = gazetteer key, id = rule id) and kept as plain data in
`doc._.entity_rules` for `find_mentions` and `find_roles`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from . import memo
from .matching import LowerPhraseMatcher
from .rulesdata import RulesError, load_csv, load_jsonl, load_yaml, require, rules_path
from .textnorm import fold

PLACES = "entities/places.csv"
PLACES_EXTRA = "entities/places_extra.csv"
ORGANISATIONS = "entities/organisations.csv"
NAMED_MISC = "entities/named_misc.csv"
DEMONYMS = "entities/demonyms.csv"
TITLES = "entities/titles.yml"
NOT_NAMES = "entities/not_names.yml"
PATTERNS = "entities/patterns.jsonl"
NAMED_THINGS = "entities/named_things.yml"
CALENDAR = "timexes/calendar.yml"  # the months and weekdays, which are never names

LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC", "GPE": "LOC", "PERSON": "PER"}
COMPONENT = "entity_rules"
EXTENSION = "entity_rules"
_APOSTROPHE_FORMS = ("'", "’")
# Priority of a candidate span when two overlap and have the same length (higher wins).
_PRIORITY = {"title": 5, "honorific": 5, "pattern": 4, "institution": 4, "pairing": 4, "gazetteer": 3, "model": 1}
_MAX_NAME_TOKENS = 6
_SENTENCE_END = frozenset(".!?…")
_ROMAN_ORDINAL = re.compile(r"^[IVXLC]+(?:e|er|re|ème)$")
_QUOTES = {"«": "»", '"': '"', "“": "”"}
_MAX_QUOTED_NAME_TOKENS = 14
_MAX_DOCUMENT_NAME_TOKENS = 16
# The hyphen and the non-breaking hyphen, as tokens: what joins two parts of one name ("Kim Jong-un").
_HYPHENS = frozenset({"-", "‑"})
PHRASE_LISTS = ("titles", "portfolios", "modifiers", "institutions")  # Lexicon fields the phrase matcher finds
_COMMON_FIRST_NAME = 5  # gender-guesser's frequency scale runs 1-13 per country
_CONTEXT_REGEX = ("^", "$", "\\b", "\\B", "\\A", "\\Z", "(?=", "(?!", "(?<", "(?P")


# --------------------------------------------------------------------------- rule data


@dataclass(frozen=True)
class GazetteerEntry:
    key: str
    label: str
    kind: str
    country: str | None
    wikidata_id: str | None


@dataclass(frozen=True)
class Lexicon:
    """Everything the component reads from rules/entities/, loaded once."""

    gazetteer: dict[str, GazetteerEntry]
    gazetteer_folded: dict[str, GazetteerEntry]
    by_key: dict[str, GazetteerEntry]
    demonyms: dict[str, str]
    titles: tuple[str, ...]
    honorifics: frozenset[str]
    portfolios: tuple[str, ...]
    modifiers: tuple[str, ...]
    institutions: tuple[str, ...]
    institutions_with_demonym: frozenset[str]
    particles: frozenset[str]
    not_names: frozenset[str]
    calendar: frozenset[str]
    patterns: tuple[dict, ...]
    named: dict[str, frozenset[str]]
    programme_links: tuple[tuple[str, ...], ...]
    articles: frozenset[str]
    of_words: frozenset[str]
    contracted_articles: frozenset[str]
    and_words: frozenset[str]
    name_links: tuple[tuple[str, ...], ...]
    organisation_links: tuple[tuple[str, ...], ...]
    title_links: frozenset[str]
    not_treaty_before: frozenset[str]
    not_treaty_after: frozenset[str]
    initiative_links: frozenset[str]


def _apostrophe_variants(text: str) -> set[str]:
    return {text.replace("’", "'"), text.replace("'", "’")}


def _empty(value: str | None) -> str | None:
    return value or None


def _inflect(masculine: str, feminine: str | None) -> set[str]:
    """Singular and plural, masculine and feminine forms of a French adjective of nationality."""
    if not feminine:
        if masculine.endswith("e"):
            feminine = masculine
        elif masculine.endswith(("ien", "éen")):
            feminine = masculine + "ne"
        else:
            feminine = masculine + "e"
    forms = {masculine, feminine}
    for form in (masculine, feminine):
        forms.add(form if form.endswith(("s", "x")) else form + "s")
    return forms


def _phrases_of(data: dict, key: str) -> tuple[tuple[str, ...], ...]:
    """The phrases of a list in rules/entities/named_things.yml as tuples of lowercase words, longest first."""
    phrases = {tuple(str(w).casefold().split()) for w in require(data, key, NAMED_THINGS)}
    return tuple(sorted(phrases, key=lambda words: (-len(words), words)))


def _calendar_words() -> frozenset[str]:
    """French weekday and month names of more than three letters (abbreviations without their dot), from the
    calendar the timex rules read (rules/timexes/calendar.yml)."""
    calendar = load_yaml(CALENDAR)
    words = (str(word).casefold().rstrip(".") for key in ("months", "weekdays") for word in require(calendar, key, CALENDAR))
    return frozenset(word for word in words if len(word) > 3)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The rules of rules/entities/, validated; errors name the file and the reason (read once per run of the
    code: see pipeline.memo)."""
    return memo.cached("entities.lexicon", _read_lexicon)


def _read_lexicon() -> Lexicon:
    gazetteer: dict[str, GazetteerEntry] = {}
    for relative, default_label in ((ORGANISATIONS, "ORG"), (NAMED_MISC, "MISC"), (PLACES_EXTRA, "LOC"), (PLACES, "LOC")):
        for line, row in enumerate(load_csv(relative), start=2):
            name, key = (row.get("name") or "").strip(), (row.get("key") or "").strip()
            if not name or not key:
                raise RulesError(f"{rules_path(relative)}: row {line}: name and key are required")
            label = row.get("label") or default_label
            if label not in LABELS:
                raise RulesError(f"{rules_path(relative)}: row {line}: label {label!r} is not one of PER LOC ORG MISC")
            entry = GazetteerEntry(key, label, row.get("kind") or "org", _empty(row.get("country")),
                                   _empty(row.get("wikidata_id")))
            for form in _apostrophe_variants(name):
                gazetteer.setdefault(form, entry)
    folded: dict[str, GazetteerEntry] = {}
    for form, entry in gazetteer.items():
        folded.setdefault(form.casefold(), entry)

    demonyms: dict[str, str] = {}
    for line, row in enumerate(load_csv(DEMONYMS), start=2):
        country, masculine = (row.get("country") or "").strip(), (row.get("masculine") or "").strip()
        if len(country) != 2 or not masculine:
            raise RulesError(f"{rules_path(DEMONYMS)}: row {line}: expected an ISO alpha-2 country and a masculine form")
        for form in _inflect(masculine, _empty((row.get("feminine") or "").strip())):
            demonyms.setdefault(form, country)

    titles = load_yaml(TITLES)
    named = load_yaml(NAMED_THINGS)
    words = load_yaml(NOT_NAMES)
    patterns = load_jsonl(PATTERNS)
    for line, pattern in enumerate(patterns, start=1):
        if not {"id", "label", "pattern"} <= set(pattern) or pattern["label"] not in LABELS:
            raise RulesError(f"{rules_path(PATTERNS)}: pattern {line}: needs id, label (PER LOC ORG MISC) and pattern")

    def phrases(key: str) -> tuple[str, ...]:
        values = require(titles, key, TITLES)
        return tuple(sorted({v for value in values for v in _apostrophe_variants(str(value).casefold())}))

    return Lexicon(
        gazetteer=gazetteer,
        gazetteer_folded=folded,
        by_key={entry.key: entry for entry in reversed(list(gazetteer.values()))},
        demonyms=demonyms,
        titles=phrases("titles"),
        honorifics=frozenset(require(titles, "honorifics", TITLES)),
        portfolios=phrases("portfolios"),
        modifiers=phrases("modifiers"),
        institutions=phrases("institutions"),
        institutions_with_demonym=frozenset(phrases("institutions_with_demonym")),
        particles=frozenset(phrases("name_particles")),
        not_names=frozenset(str(w).casefold() for w in require(words, "words", NOT_NAMES)),
        calendar=_calendar_words(),
        patterns=patterns,
        named={key: frozenset(str(w).casefold() for w in require(named, key, NAMED_THINGS))
               for key in ("document_heads", "organisation_heads", "event_heads", "programme_heads", "facility_heads", "format_nouns",
                            "treaty_heads", "apposition_heads", "body_heads",
                            "initiative_heads", "geographic_heads")},
        **{key: _phrases_of(named, key) for key in ("programme_links", "name_links", "organisation_links")},
        **{key: frozenset(str(w).casefold() for w in require(named, key, NAMED_THINGS))
           for key in ("articles", "of_words", "contracted_articles", "and_words", "title_links", "not_treaty_before",
                       "not_treaty_after", "initiative_links")},
    )


def _first_name_detector():
    """gender-guesser's detector: about 40,000 given names of many countries with their usual gender."""
    return _given_names()[0]


@functools.lru_cache(maxsize=1)
def _given_names():
    """gender-guesser's detector and, per lowercase given name, its highest frequency in any country (built
    once per run of the code: see pipeline.memo)."""
    return memo.cached("entities.given_names", _read_given_names)


def _read_given_names():
    import gender_guesser.detector

    detector = gender_guesser.detector.Detector(case_sensitive=False)
    frequencies = {name: max((int(ch, 16) for freq in by_gender.values() for ch in freq if ch.strip()), default=0)
                   for name, by_gender in detector.names.items()}
    return detector, frequencies


# gender-guesser's answers that say a gender; "andy" (either) and "unknown" say none
_GUESSED_GENDER = {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}


def first_name_gender(name: str) -> str | None:
    """'f' or 'm' from the first word of a person's name of two words or more ("Doris Leuthard"),
    before any hyphen ("Jean-Yves"); None for a single word or a name of no known gender."""
    words = name.split()
    if len(words) < 2:
        return None
    return _GUESSED_GENDER.get(_first_name_detector().get_gender(words[0].split("-")[0]))


def _first_name_frequencies() -> dict[str, int]:
    """Given names of many countries (gender-guesser's data), lowercase, with their highest frequency."""
    return _given_names()[1]


@functools.lru_cache(maxsize=1)
def of_words() -> frozenset[str]:
    """"de" and its forms ("du", "des", "d'") that join a name to its complement, folded (one apostrophe),
    from rules/entities/named_things.yml: for the stages that read such complements after the entities."""
    return frozenset(fold(str(w)) for w in require(load_yaml(NAMED_THINGS), "of_words", NAMED_THINGS))


def common_first_name(word: str) -> bool:
    """A word that is a common given name in at least one country ("Recep", "Kaja", "Marco")."""
    return _first_name_frequencies().get(word.casefold(), 0) >= _COMMON_FIRST_NAME


def gazetteer_entry(key: str) -> GazetteerEntry | None:
    """The gazetteer's entry for a key such as "country:KZ" or "org:UN"."""
    return lexicon().by_key.get(key)


def demonym_countries(text: str) -> list[str]:
    """Countries of the demonyms in `text`, in order ("ministre kazakh" -> ["KZ"])."""
    demonyms = lexicon().demonyms
    out = []
    for word in text.replace(",", " ").replace(".", " ").split():
        country = demonyms.get(word.casefold())
        if country:
            out.append(country)
    return out


# --------------------------------------------------------------------------- candidate spans


@dataclass
class Candidate:
    start: int  # token offsets
    end: int
    label: str
    kind: str  # a key of _PRIORITY
    rule_id: str
    key: str | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return self.end - self.start


class _Matchers:
    """Matchers built once per vocabulary from the lexicon."""

    def __init__(self, vocab: Vocab):
        lex = lexicon()
        words = memo.cached("entities.phrase_words", _phrase_words)
        self.gazetteer = LowerPhraseMatcher()
        self.gazetteer.add("GAZ", words["GAZ"])
        self.phrases = LowerPhraseMatcher()
        for name in PHRASE_LISTS:
            self.phrases.add(name.upper(), words[name.upper()])
        self.patterns = Matcher(vocab)
        for pattern in lex.patterns:
            try:
                self.patterns.add(pattern["id"], [pattern["pattern"]])
            except Exception as exc:  # spaCy's own error says what is wrong with the pattern
                raise RulesError(f"{rules_path(PATTERNS)}: pattern {pattern['id']!r}: {exc}") from exc
        self.labels = {p["id"]: p["label"] for p in lex.patterns}
        needs = [_text_needed(pattern["pattern"]) for pattern in lex.patterns]
        # the document text must contain one of these for any pattern to match (None: always run the matcher)
        self.patterns_need = None if None in needs else re.compile("|".join(needs) or "(?!)")


def _phrase_words() -> dict[str, list[list[str]]]:
    """The gazetteer's names ("GAZ") and the lexicon's phrase lists ("TITLES", ...), each phrase as the words
    spaCy's French tokenizer splits it into: what the phrase matchers are built from."""
    from spacy.lang.fr import French

    lex = lexicon()
    tokenizer = French().tokenizer
    lists = {"GAZ": sorted(lex.gazetteer)} | {name.upper(): getattr(lex, name) for name in PHRASE_LISTS}
    return {key: [[token.text for token in doc] for doc in tokenizer.pipe(phrases)] for key, phrases in lists.items()}


def _text_needed(pattern: list[dict]) -> str | None:
    """A regular expression that finds something in a document's text wherever the token pattern matches:
    its first required token's TEXT (a token's text is part of the text; REGEX is searched in the token,
    so without its ^ and $ it is searched in the text); None when no token says what its text is."""
    for spec in pattern:
        if spec.get("OP") in {"?", "*", "!"}:
            continue
        value = spec.get("TEXT", spec.get("ORTH"))
        if isinstance(value, str):
            return re.escape(value)
        if isinstance(value, dict) and isinstance(value.get("IN"), list) and value["IN"]:
            return "|".join(re.escape(str(v)) for v in value["IN"])
        if isinstance(value, dict) and isinstance(value.get("REGEX"), str):
            regex = value["REGEX"].removeprefix("^").removesuffix("$")
            # anchors, boundaries or lookarounds would read the text around the token; groups are
            # named and numbered in the joined expression
            unsafe = any(mark in regex for mark in _CONTEXT_REGEX) or re.search(r"\\[1-9]", regex)
            return None if unsafe else f"(?:{regex})"
    return None


@functools.lru_cache(maxsize=4)
def _matchers(vocab: Vocab) -> _Matchers:
    return _Matchers(vocab)


class _Tokens:
    """A parsed document whose Token objects are made once: spaCy makes a new one on every `doc[i]` and
    every iteration, which the rules here do thousands of times per article. Slices are the Doc's spans;
    everything else is the Doc's."""

    __slots__ = ("doc", "tokens", "texts", "folded", "text")

    def __init__(self, doc: Doc):
        self.doc = doc
        self.tokens = list(doc)
        self.texts = [token.text for token in self.tokens]
        self.folded = [text.casefold() for text in self.texts]
        self.text = "".join(token.text_with_ws for token in self.tokens)  # doc.text joins them again on every read

    def __getitem__(self, key):
        return self.doc[key] if isinstance(key, slice) else self.tokens[key]

    def __iter__(self):
        return iter(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def __getattr__(self, name: str):
        return getattr(self.doc, name)


class _Analysis:
    """One document's entity analysis: candidates from every source, then the merged mentions."""

    def __init__(self, doc: Doc, matchers: _Matchers):
        self.doc = _Tokens(doc)
        self.lex = lexicon()
        self.m = matchers
        self.phrase_at: dict[str, dict[int, int]] = {"TITLES": {}, "PORTFOLIOS": {}, "MODIFIERS": {}, "INSTITUTIONS": {}}
        for key, start, end in matchers.phrases(doc):
            if key == "TITLES" and self._surname_after_particle(start):
                continue
            table = self.phrase_at[key]
            table[start] = max(end, table.get(start, 0))
        for table in self.phrase_at.values():  # "ministre" inside "premier ministre" is not a title of its own
            inner = {s for s in table for o, e in table.items() if o < s < e}
            for start in inner:
                del table[start]
        self.title_tokens: set[int] = set()
        self.gazetteer = self._extend_regions(self._gazetteer_candidates())
        self.patterns = self._pattern_candidates() + self._quoted_candidates()
        self.entity_at = self._index(self.gazetteer + self.patterns)
        for start, end in self.phrase_at["TITLES"].items():
            self.title_tokens.update(range(start, self._complement(end)[0]))
        self.model = self._model_candidates()
        self.entity_at = self._index(self.model + self.gazetteer + self.patterns)
        self.roles: list[dict] = []
        self.persons = self._title_candidates() + self._honorific_candidates() + self._demonym_candidates()
        self.institutions = self._institution_candidates()
        self.pairings = self._pairing_candidates()
        self.named = self._document_candidates() + self._initiative_candidates() + self._organisation_candidates() + self._event_candidates() + self._programme_candidates() \
            + self._facility_candidates() + self._treaty_candidates() + self._apposition_candidates() + self._body_candidates() \
            + self._geographic_candidates()

    def _surname_after_particle(self, start: int) -> bool:
        """A title word written capitalised after a first name and a capitalised particle is the end of the
        name, not a title: "Maire" of "Bruno Le Maire", "Duc" of "Jean Le Duc"."""
        if start < 2:
            return False
        word, particle, before = self.doc[start], self.doc[start - 1], self.doc[start - 2]
        return (word.text[:1].isupper() and particle.text[:1].isupper() and particle.text.casefold() in self.lex.particles
                and before.text[:1].isupper() and before.pos_ == "PROPN")

    @staticmethod
    def _index(cands: list[Candidate]) -> dict[int, Candidate]:
        """Non-person candidates by start token, the longest (then the most trusted) kept."""
        out: dict[int, Candidate] = {}
        for cand in sorted(cands, key=lambda c: (len(c), _PRIORITY[c.kind])):
            if cand.label != "PER":
                out[cand.start] = cand
        return out

    # ---- word classes

    def is_name_word(self, token) -> bool:
        """A capitalised word that can be part of a name."""
        text = token.text
        if not text or not text[0].isupper() or len(text) < 2 and not text.isalpha():
            return False
        folded = text.casefold()
        if token.is_punct or token.like_num or any(ch.isdigit() for ch in text):
            return False
        if folded in self.lex.demonyms or folded in self.lex.not_names or folded in self.lex.calendar:
            return False
        if token.i in self.title_tokens or text in self.lex.honorifics:
            return False
        return not ((token.is_stop or self.doc.vocab[folded].is_stop) and token.pos_ not in {"PROPN", "NOUN"})

    def is_filler(self, token) -> bool:
        """A token that is never the edge of a name: article, preposition, pronoun, punctuation, space."""
        if token.is_space or token.is_punct or not token.text.strip():
            return True
        folded = token.text.casefold()
        if folded.endswith(_APOSTROPHE_FORMS) or folded in {"l", "d"}:
            return True
        return token.pos_ in {"DET", "ADP", "PRON", "CCONJ", "SCONJ", "AUX"} and (token.is_stop or token.text.islower())

    def is_non_name(self, token) -> bool:
        """A word that cannot stand alone as a name: filler, title, demonym, generic noun, calendar word,
        ordinal, or a function word ("Notre")."""
        folded = token.text.casefold()
        return (self.is_filler(token) or token.i in self.title_tokens or token.text in self.lex.honorifics
                or folded in self.lex.demonyms or folded in self.lex.not_names or folded in self.lex.calendar
                or bool(_ROMAN_ORDINAL.match(token.text))
                or token.is_stop and token.pos_ not in {"PROPN", "NOUN"})

    # ---- sources

    def _gazetteer_candidates(self) -> list[Candidate]:
        out = []
        for _, start, end in self.m.gazetteer(self.doc.doc):
            span = self.doc[start:end]
            entry = self.lex.gazetteer.get(span.text)
            if entry is None and span.text.isupper() and len(span.text) > 3:
                entry = self.lex.gazetteer_folded.get(span.text.casefold())
            if entry is None:
                continue
            out.append(Candidate(start, end, entry.label, "gazetteer", f"gazetteer:{entry.kind}", entry.key))
        return _longest_first(out)

    def _pattern_candidates(self) -> list[Candidate]:
        out = []
        if self.m.patterns_need is not None and not self.m.patterns_need.search(self.doc.text):
            return []  # the text has none of what the patterns need: the matcher would find nothing
        for match_id, start, end in self.m.patterns(self.doc.doc):
            rule_id = self.doc.vocab.strings[match_id]
            out.append(Candidate(start, end, LABELS[self.m.labels[rule_id]], "pattern", f"pattern:{rule_id}"))
        return _longest_first(out)

    def _model_candidates(self) -> list[Candidate]:
        out = []
        gaz_starts = {c.start: c for c in self.gazetteer}
        gaz_ends = {c.end: c for c in self.gazetteer}
        for ent in self.doc.ents:
            label = LABELS.get(ent.label_, "MISC")
            for start, end, repairs in self._repair(ent.start, ent.end):
                first_name = label == "PER" and self._city_as_first_name(start, start, end)
                # an organisation's name running on after a known organisation: "Airbus Defence and Space"
                division = label == "ORG" and start in gaz_starts and gaz_starts[start].label == "ORG" \
                    and not any(i in gaz_starts for i in range(start + 1, end))
                # a company named after a country: "Air Sénégal", "Orange Côte d'Ivoire"
                company = label == "ORG" and start not in gaz_starts and self.doc[start].text[:1].isupper()
                # a known name run on over a phrase about a place: "l'Union européenne pour le Sahel"
                known = gaz_starts.get(start)
                ran_on = known is not None and known.end < end and self.doc[known.end].text.islower() \
                    and any(gaz_starts[i].label == "LOC" for i in range(known.end + 1, end) if i in gaz_starts)
                pieces = [(start, known.end)] if ran_on else [(start, end)] \
                    if first_name and not any(i in gaz_starts for i in range(start + 1, end)) or division or company \
                    else _split_runs(start, end, gaz_starts, gaz_ends, self.doc)
                for s, e in pieces:
                    s, e, more = self._trim(s, e)
                    if s >= e or not self._has_name(s, e) or self._hyphened_places(s, e) or self._verb_alone(s, e):
                        continue
                    done = repairs + more + (["split"] if len(pieces) > 1 else [])
                    if label == "MISC" and self._person_name(s, e):
                        label, done = "PER", done + ["first_name"]
                    rule_id = "model" if not done else "model/" + "+".join(dict.fromkeys(done))
                    out.append(Candidate(s, e, label, "model", rule_id))
        return out

    def _person_name(self, start: int, end: int) -> bool:
        """Two to four name words opening on a common first name, none of them a known place or
        organisation: the model's MISC "Recep Tayyip Erdogan" is a person."""
        doc = self.doc
        words = [t for t in doc[start:end] if t.text not in _HYPHENS]
        return 2 <= len(words) <= 4 and not doc[start].is_stop and common_first_name(doc[start].text) \
            and all(self.is_name_word(t) for t in words) and not any(i in self.entity_at for i in range(start, end))

    def _hyphened_places(self, start: int, end: int) -> bool:
        """Known places joined by hyphens ("Chine-Inde", "Maroc-France"): the places, not one name."""
        i, parts = start, 0
        while i < end:
            cand = self.entity_at.get(i)
            if cand is None or cand.kind != "gazetteer" or cand.end > end:
                return False
            i, parts = cand.end, parts + 1
            if i < end:
                if self.doc[i].text not in _HYPHENS:
                    return False
                i += 1
        return parts > 1

    def _verb_alone(self, start: int, end: int) -> bool:
        """A verb that opens a sentence with a capital ("Discuté depuis 1999, ..."), which the model takes for a name."""
        token = self.doc[start]
        return end == start + 1 and token.pos_ in {"VERB", "AUX"} and self._at_sentence_start(start) \
            and token.text[1:].islower()

    def _repair(self, start: int, end: int) -> list[tuple[int, int, list[str]]]:
        """Split a model span at line breaks and trim its edges; [] when nothing is left."""
        pieces, cut = [], start
        for i in range(start, end):
            if "\n" in self.doc[i].text or "\n" in self.doc[i].whitespace_:
                pieces.append((cut, i + (0 if "\n" in self.doc[i].text else 1)))
                cut = i + 1
        pieces.append((cut, end))
        out = []
        for s, e in pieces:
            s2, e2, repairs = self._trim(s, e)
            if len(pieces) > 1:
                repairs = ["newline", *repairs]
            if s2 < e2:
                out.append((s2, e2, repairs))
        return out

    def _trim(self, start: int, end: int) -> tuple[int, int, list[str]]:
        doc, repairs = self.doc, []
        while start < end:
            token = doc[start]
            if self.is_filler(token):
                if token.text[:1].isupper() and not token.text.endswith(_APOSTROPHE_FORMS) and start > 0 \
                        and not doc[start - 1].is_sent_end and not doc[start - 1].is_space \
                        and "\n" not in doc[start - 1].whitespace_ and not doc[start].is_sent_start:
                    break  # a capitalised article inside a sentence belongs to the name ("La Gazette")
                repairs.append("article")
            elif self._leading_non_name(token):
                repairs.append("title" if token.i in self.title_tokens or token.text in self.lex.honorifics else "word")
            else:
                break
            start += 1
        while end > start and self.is_filler(doc[end - 1]) and not self._hyphen_attached(end - 1, start):
            repairs.append("edge")
            end -= 1
        return start, end, repairs

    def _hyphen_attached(self, i: int, start: int) -> bool:
        """A word joined by a hyphen to the name word before it ("Kim Jong-un")."""
        doc = self.doc
        return i - 2 >= start and doc[i - 1].text in _HYPHENS and not doc[i - 2].whitespace_ \
            and not doc[i - 1].whitespace_ and doc[i].is_alpha and doc[i - 2].text[:1].isupper()

    def _leading_non_name(self, token) -> bool:
        """A word to trim off the start of a model span: lowercase word, title, honorific, demonym, or a
        generic noun followed by a preposition ("États d'Asie centrale")."""
        if not token.text[:1].isupper() and not token.like_num:
            return True
        if token.i in self.title_tokens or token.text in self.lex.honorifics or token.text.casefold() in self.lex.demonyms:
            return True
        after = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
        return token.text.casefold() in self.lex.not_names and after is not None and self.is_filler(after) \
            and after.pos_ in {"ADP", "DET"}

    def _has_name(self, start: int, end: int) -> bool:
        """At least one capitalised or alphanumeric token that is not a title, demonym or generic noun."""
        return any((t.text[:1].isupper() or any(ch.isdigit() for ch in t.text)) and not self.is_non_name(t)
                   for t in self.doc[start:end])

    # ---- persons

    def name_run(self, i: int, *, stop: int | None = None, particle_first: bool = False) -> int:
        """End of the name that starts at token i (i itself when there is none); `particle_first` lets it
        open on a particle ("Mme von der Leyen")."""
        doc, j, words = self.doc, i, 0
        limit = len(doc) if stop is None else stop
        if particle_first:
            while j < limit and doc[j].text.casefold() in self.lex.particles and doc[j].text.islower():
                j += 1
            if j == i or j >= limit or not self.is_name_word(doc[j]):
                j = i
        while j < limit and words < _MAX_NAME_TOKENS:
            token = doc[j]
            if self.is_name_word(token) and (not self._gazetteer_place_at(j) or self._city_as_first_name(j, i, limit)):
                j += 1
                words += 1
            elif j > i and words and self._hyphenated_particle(j, limit):
                j += 3
                words += 1
            elif token.text in _HYPHENS and j > i and not doc[j - 1].whitespace_ and j + 1 < limit \
                    and not token.whitespace_ and self.is_name_word(doc[j + 1]):
                j += 1
            elif token.text in _HYPHENS and j > i and not doc[j - 1].whitespace_ and j + 1 < limit \
                    and not token.whitespace_ and doc[j + 1].is_alpha and doc[j + 1].text.islower() \
                    and len(doc[j + 1].text) <= 5:  # "Kim Jong-un", "Yoon Suk-yeol", "Lee Jae-myung"
                j += 2
            elif j > i and words and token.text.casefold() in self.lex.particles:
                k = j
                while k < limit and doc[k].text.casefold() in self.lex.particles:
                    k += 1
                if k >= limit or not self.is_name_word(doc[k]):
                    break
                j = k
            else:
                break
            if doc[j - 1].text in _SENTENCE_END or "\n" in doc[j - 1].whitespace_:
                break
        return j

    def _hyphenated_particle(self, j: int, limit: int) -> bool:
        """A particle joined to a name by a hyphen ("Bachar al-Assad", "Abdel Fattah al-Sissi")."""
        doc = self.doc
        return j + 2 < limit and doc[j].text.islower() and doc[j].text.casefold() in self.lex.particles \
            and doc[j + 1].text in _HYPHENS and not doc[j].whitespace_ and not doc[j + 1].whitespace_ \
            and self.is_name_word(doc[j + 2])

    def _city_as_first_name(self, j: int, i: int, limit: int) -> bool:
        """A one-word city that opens a name and is followed by a surname is a first name ("Santiago Peña",
        "Florence Parly")."""
        cand = self.entity_at.get(j)
        doc = self.doc
        return j == i and cand is not None and cand.rule_id == "gazetteer:city" and len(cand) == 1 \
            and j + 1 < limit and doc[j].whitespace_ and "\n" not in doc[j].whitespace_ \
            and self.is_name_word(doc[j + 1]) and not self._gazetteer_place_at(j + 1)

    def _gazetteer_place_at(self, i: int) -> bool:
        cand = self.entity_at.get(i)
        return cand is not None and cand.kind in {"gazetteer", "pattern"}

    def _complement(self, i: int) -> tuple[int, dict]:
        """Read a title's complement from token i: modifiers, demonyms, "de + country/portfolio" phrases."""
        doc, lex = self.doc, self.lex
        info: dict = {"country": None, "entity": None, "portfolio": []}
        n = len(doc)
        while i < n:
            token = doc[i]
            folded = token.text.casefold()
            if i in self.phrase_at["MODIFIERS"]:
                i = self.phrase_at["MODIFIERS"][i]
            elif folded in lex.demonyms and token.text.islower():
                info["country"] = info["country"] or lex.demonyms[folded]
                i += 1
            elif folded in lex.title_links \
                    or folded in lex.and_words and i + 1 < n and doc[i + 1].text.casefold() in lex.of_words:
                j = i + 1
                while j < n and (doc[j].text.casefold() in lex.articles or doc[j].text.casefold() in lex.of_words
                                 or doc[j].text == "'"):  # a stray apostrophe the tokenizer left alone
                    j += 1
                if j in self.phrase_at["PORTFOLIOS"]:
                    end = self.phrase_at["PORTFOLIOS"][j]
                    info["portfolio"].append((i, end))
                    i = end
                elif j in self.entity_at:
                    cand = self.entity_at[j]
                    if info["entity"] is None:
                        info["entity"] = cand
                    i = cand.end
                elif j < n and doc[j].text.islower() and doc[j].is_alpha and doc[j].pos_ in {"NOUN", "ADJ"}:
                    i = j + 1
                else:
                    break
            elif token.text.islower() and token.is_alpha and token.pos_ == "ADJ" and not token.is_stop:
                i += 1
            elif folded in lex.and_words and i + 1 < n and doc[i + 1].text.islower() and doc[i + 1].pos_ == "ADJ":
                i += 2
            else:
                break
        return i, info

    def _role_text(self, start: int, end: int, portfolios: list[tuple[int, int]]) -> str:
        head = self.doc[start:end].text
        if not head.isupper():
            head = head[0].lower() + head[1:]
        parts = [head] + [self.doc[s + (self.doc[s].lower_ in self.lex.and_words):e].text for s, e in portfolios]
        return " ".join(parts)

    def _add_person(self, start: int, end: int, kind: str, rule_id: str, role: dict | None) -> Candidate:
        cand = Candidate(start, end, "PER", kind, rule_id)
        if role is not None:
            cand.extra = {"role": role["role"], "country": role["country"]}
            self.roles.append({**role, "person_start": self.doc[start].idx, "person_end": self.doc[end - 1].idx
                               + len(self.doc[end - 1].text), "rule_id": rule_id})
        return cand

    def _role_of(self, title_start: int, title_end: int, info: dict, phrase_end: int) -> dict:
        entity = info["entity"]
        country = info["country"]
        entity_span = None
        if entity is not None:
            entity_span = (self.doc[entity.start].idx, self.doc[entity.end - 1].idx + len(self.doc[entity.end - 1].text))
            if country is None and entity.key:
                country = _country_of_key(entity.key)
        return {"role": self._role_text(title_start, title_end, info["portfolio"]), "country": country,
                "entity_span": entity_span, "start": self.doc[title_start].idx,
                "end": self.doc[phrase_end - 1].idx + len(self.doc[phrase_end - 1].text)}

    def _title_candidates(self) -> list[Candidate]:
        doc, out = self.doc, []
        for start, end in sorted(self.phrase_at["TITLES"].items()):
            if any(start in range(c.start, c.end) for c in out):
                continue
            phrase_end, info = self._complement(end)
            i = phrase_end
            if i < len(doc) and doc[i].text == ",":
                i += 1
            name_end = self.name_run(i)
            if name_end > i:
                role = self._role_of(start, end, info, phrase_end)
                out.append(self._add_person(i, name_end, "title", "title:before_name", role))
                out.extend(self._enumeration(name_end, start, end, info))
            elif start >= 2 and doc[start - 1].pos_ == "DET" and doc[start - 2].text == ",":
                name_start = self._name_before(start - 2)
                if name_start is not None:
                    role = self._role_of(start, end, info, phrase_end)
                    out.append(self._add_person(name_start, start - 2, "title", "title:apposition", role))
        return out

    def _name_before(self, comma: int) -> int | None:
        """Start of a name that ends right before token `comma`, if the run is a whole name."""
        i = comma
        while i > 0 and comma - i < _MAX_NAME_TOKENS and (self.is_name_word(self.doc[i - 1])
                                                         or self.doc[i - 1].text == "-" and not self.doc[i - 1].whitespace_):
            i -= 1
        if i == comma or self.name_run(i, stop=comma) != comma:
            return None
        if i > 0 and self.doc[i - 1].pos_ == "DET" and self.doc[i - 1].text[:1].isupper():
            return None  # "Le Monde, le directeur ...": a title of a newspaper, not a person
        if i > 0 and (self.doc[i - 1].pos_ == "DET" or self.doc[i - 1].text.casefold() in self.lex.contracted_articles):
            return None  # "la fête du Trône, le président ...": a noun after an article is no person's name
        return i

    def _enumeration(self, i: int, title_start: int, title_end: int, info: dict) -> list[Candidate]:
        """", du Kirghizistan, Sadyr Japarov, du Tadjikistan, ..." after a titled name: each name gets the title."""
        doc, out = self.doc, []
        while i + 2 < len(doc) and doc[i].text == ",":
            j = i + 1
            if doc[j].text.casefold() in self.lex.and_words:
                j += 1
            phrase_end, more = self._complement(j)
            if more["entity"] is None or phrase_end >= len(doc) or doc[phrase_end].text != ",":
                break
            name_start = phrase_end + 1
            name_end = self.name_run(name_start)
            if name_end == name_start:
                break
            role = self._role_of(title_start, title_end, {**info, "entity": more["entity"], "country": more["country"]},
                                 title_end)
            role["start"], role["end"] = doc[j].idx, doc[phrase_end - 1].idx + len(doc[phrase_end - 1].text)
            out.append(self._add_person(name_start, name_end, "title", "title:enumeration", role))
            i = name_end
        return out

    def _honorific_candidates(self) -> list[Candidate]:
        out = []
        for i, text in enumerate(self.doc.texts):
            if text in self.lex.honorifics:
                token = self.doc[i]
                end = self.name_run(token.i + 1, particle_first=True)
                if end > token.i + 1:
                    out.append(Candidate(token.i + 1, end, "PER", "honorific", "honorific"))
        return out

    def _demonym_candidates(self) -> list[Candidate]:
        """A nationality noun after an article introduces a person: "l'Argentin Javier Milei",
        "la Chilienne Michelle Bachelet"."""
        out = []
        for i, folded in enumerate(self.doc.folded[1:], start=1):
            country = self.lex.demonyms.get(folded)
            if country is None:
                continue
            token, before = self.doc[i], self.doc[i - 1]
            after_article = before.text.casefold() in self.lex.contracted_articles \
                or before.text.casefold() in self.lex.articles and before.text.endswith(_APOSTROPHE_FORMS)
            if not token.text[:1].isupper() or before.pos_ != "DET" and not after_article:
                continue
            end = self.name_run(token.i + 1)
            if end > token.i + 1:
                out.append(Candidate(token.i + 1, end, "PER", "title", "demonym:before_name",
                                     extra={"role": None, "country": country}))
        return out

    # ---- named things and facilities

    def _at_sentence_start(self, i: int) -> bool:
        doc = self.doc
        return i == 0 or doc[i].is_sent_start or "\n" in doc[i - 1].whitespace_ or doc[i - 1].is_space

    def _link_at(self, j: int, links: tuple[tuple[str, ...], ...]) -> int:
        """Number of tokens of the link phrase of `links` that starts at token j ("en faveur de"), 0 for none."""
        folded = self.doc.folded
        return next((len(link) for link in links if tuple(folded[j:j + len(link)]) == link), 0)

    def _name_complement(self, i: int, links: tuple[tuple[str, ...], ...]) -> int:
        """End of a document name's complement from token i: adjectives, "de/sur/pour/relative à ... + noun
        or name" phrases, a year right after the head; it ends before a comma, a verb or a quote mark."""
        doc, n, j, end = self.doc, len(self.doc), i, i
        after_link = False
        while j < n and j < i + _MAX_DOCUMENT_NAME_TOKENS and "\n" not in doc[j - 1].whitespace_:
            token, low = doc[j], doc[j].text.casefold()
            participle = "Part" in token.morph.get("VerbForm")
            if token.text in _HYPHENS and not doc[j - 1].whitespace_ and not token.whitespace_ and j + 1 < n \
                    and doc[j + 1].text[:1].isalnum():
                j = end = j + 2  # "Convention-cadre", "Shangri-La"
            elif (size := self._link_at(j, links) or low in self.lex.and_words and j + 1 < n
                  and self._link_at(j + 1, links) and 1 + self._link_at(j + 1, links)):
                j += size
                while j < n and (doc[j].text.casefold() in self.lex.articles  # or "un", "une": "pour un gouvernement"
                                 or doc[j].text.islower() and "Art" in doc[j].morph.get("PronType")):
                    j += 1
                after_link = True
            elif token.like_num and j == i:  # "Agenda 2063", "Vision 2030": the year ends the name
                return j + 1
            elif participle and j > i and j > end - 1 and (j + 1 >= n or doc[j + 1].is_punct):
                j = end = j + 1
            elif participle or token.is_punct or token.like_num or low in self.lex.calendar:
                break
            elif (known := self.entity_at.get(j)) is not None and known.kind == "gazetteer" and token.text[:1].isupper():
                j = end = known.end  # a known place or organisation, whatever its tokens ("Xi'" + "an")
                after_link = False
            elif token.text[:1].isupper() or token.pos_ == "ADJ" or token.pos_ in {"NOUN", "PROPN"} and after_link:
                j = end = j + 1
                after_link = False
            else:
                break
        return end

    def _document_candidates(self) -> list[Candidate]:
        """A capitalised document, programme or event head with its complement: "la Déclaration de Xi'an",
        "le Pacte mondial pour les migrations", "la Coupe du monde de football"."""
        return self._capitalised_heads("document_heads", "MISC", "named:document", self.lex.name_links)

    def _initiative_candidates(self) -> list[Candidate]:
        """A capitalised alliance or partnership head followed by "pour" and its cause names an initiative, not
        its members: "l'Alliance pour le Sahel", "le Partenariat pour un gouvernement ouvert" (MISC)."""
        return [cand for cand in self._capitalised_heads("initiative_heads", "MISC", "named:initiative", self.lex.name_links)
                if self.doc.folded[cand.start + 1] in self.lex.initiative_links]

    def _organisation_candidates(self) -> list[Candidate]:
        """A capitalised organisation head with its complement: "le Centre régional des Nations Unies pour
        les objectifs de développement durable", "le Parti communiste chinois"."""
        return self._capitalised_heads("organisation_heads", "ORG", "named:organisation", self.lex.organisation_links)

    def _capitalised_heads(self, heads: str, label: str, rule_id: str,
                           links: tuple[tuple[str, ...], ...]) -> list[Candidate]:
        """A capitalised head of `heads` inside a sentence and its complement (at the start of a sentence the
        complement needs a capitalised word); a name the gazetteers know is left to them, also where the model
        ran it on ("l'Union européenne pour le Sahel")."""
        doc, out = self.doc, []
        known_starts = None
        for i, folded in enumerate(doc.folded):
            if folded not in self.lex.named[heads]:
                continue
            token = doc[i]
            if known_starts is None:
                known_starts = {c.start for c in self.gazetteer + self.patterns}
            if not token.text[:1].isupper() or token.text.isupper() or token.i in known_starts:
                continue
            end = self._name_complement(token.i + 1, links)
            if end == token.i + 1:
                continue
            if self._at_sentence_start(token.i) and not any(t.text[:1].isupper() and not self.is_filler(t)
                                                            for t in doc[token.i + 1:end]):
                continue
            out.append(Candidate(token.i, end, label, "pattern", rule_id))
        return out

    def _link_then(self, i: int) -> int:
        """Token after a "de/du/des/d' + article" link that starts at i (i when there is none)."""
        doc, n = self.doc, len(self.doc)
        if i < n and doc[i].text.casefold() in self.lex.of_words:
            i += 1
            while i < n and doc[i].text.casefold() in self.lex.articles:
                i += 1
        return i

    def _event_candidates(self) -> list[Candidate]:
        """A holiday or event named by a lowercase head and a capitalised noun: "la fête du Trône"."""
        return self._headed_names("event_heads", "MISC", "named:event", link_required=True)

    def _programme_candidates(self) -> list[Candidate]:
        """A programme named by a lowercase head after a definite article, whose complement ends on a place
        after "pour" or "en faveur de": "l'initiative de résilience économique pour l'Asie centrale", "la stratégie
        de l'Union européenne pour le Sahel"."""
        doc, out, n = self.doc, [], len(self.doc)
        for i, text in enumerate(doc.texts[1:], start=1):
            if text not in self.lex.named["programme_heads"] or doc.folded[i - 1] not in self.lex.articles:
                continue
            token = doc[i]
            j = token.i + 1
            while j < n and j < token.i + _MAX_DOCUMENT_NAME_TOKENS:
                size = self._link_at(j, self.lex.programme_links)
                if size:
                    k = j + size
                    while k < n and doc[k].text.casefold() in self.lex.articles:
                        k += 1
                    place = self.entity_at.get(k)
                    if place is not None and place.label == "LOC" and place.kind == "gazetteer":
                        out.append(Candidate(token.i, place.end, "MISC", "pattern", "named:programme"))
                    break
                word, known = doc[j], self.entity_at.get(j)
                if word.text.casefold() in self.lex.of_words or word.text.casefold() in self.lex.and_words \
                        or word.text.islower() and word.is_alpha and word.pos_ in {"NOUN", "ADJ"} \
                        or word.text.casefold() in self.lex.articles and doc.folded[j - 1] in self.lex.of_words:
                    j += 1
                elif known is not None and known.kind == "gazetteer" and doc.folded[j - 1] in self.lex.articles:
                    j = known.end  # "le programme de coopération de la France en faveur du Niger"
                else:
                    break
        return out

    def _after_article(self, i: int) -> bool:
        """Token i follows a definite article, elided or contracted ("le", "l'", "du", "aux")."""
        before = self.doc.folded[i - 1] if i > 0 else ""
        return before in self.lex.articles or before in self.lex.contracted_articles

    def _treaty_candidates(self) -> list[Candidate]:
        """A treaty or agreement named by a lowercase head after an article and the place where it was made,
        which is no country: "le traité de Lisbonne", "les accords de Minsk", "l'accord de paix d'Alger",
        "l'accord de Paris sur le climat" (MISC). "avec l'accord de Washington" is a consent, not a treaty."""
        doc, out, n = self.doc, [], len(self.doc)
        for i, folded in enumerate(doc.folded):
            if folded not in self.lex.named["treaty_heads"] or not doc.texts[i].islower() or not self._after_article(i) \
                    or i >= 2 and doc.folded[i - 2] in self.lex.not_treaty_before:
                continue
            j = i + 1
            if j + 1 < n and doc.folded[j] in self.lex.of_words and doc[j + 1].text.islower() and doc[j + 1].pos_ == "NOUN":  # "l'accord de paix d'Alger", "l'accord de cessez-le-feu de Doha"
                j += 2
                while j + 1 < n and doc[j].text in _HYPHENS and not doc[j].whitespace_ and doc[j + 1].text.islower():
                    j += 2
                while j < n and doc[j].text.islower() and doc[j].pos_ == "ADJ":  # "de partenariat économique"
                    j += 1
            start = self._link_then(j)
            if start == j or start >= n or not doc[start].text[:1].isupper():
                continue
            end = self._place_name_end(start)
            link = self._link_at(end, self.lex.name_links) if end is not None else 0
            if end is None or end < n and doc.folded[end] in self.lex.not_treaty_after \
                    or link and end + link < n and doc[end + link].pos_ in {"VERB", "AUX"}:
                continue
            if link and doc.folded[end] not in self.lex.of_words:
                # "... sur le climat" when the phrase ends the clause; a longer one may not be part of the name
                longer = self._name_complement(end, self.lex.name_links)
                if longer >= n or doc[longer].is_punct or doc[longer].pos_ in {"VERB", "AUX", "PRON"}:
                    end = longer
            out.append(Candidate(i, end, "MISC", "pattern", "named:treaty"))
        return out

    def _place_name_end(self, start: int) -> int | None:
        """End of the name of a city or site that starts at token `start` (a known city, or capitalised words
        that are no known country, region, organisation or person); None when there is none."""
        known = self.entity_at.get(start)
        if known is not None and known.kind != "model":
            return known.end if known.kind == "gazetteer" and known.rule_id == "gazetteer:city" else None
        end = self.name_run(start)
        if end == start or known is not None and known.label == "PER" \
                or any(c.label == "PER" and c.start <= start < c.end for c in self.model):
            return None
        return end

    def _apposition_candidates(self) -> list[Candidate]:
        """A plan, operation, programme or law named by a lowercase head after an article and a capitalised name
        that is not a known place ("le plan Marshall", "l'opération Serval", "la loi Veil"), or a known place
        with a year ("le plan France 2030"): MISC. A plan named after a person of the article ("le plan
        Macron" after "Emmanuel Macron") is that person's."""
        doc, out, n = self.doc, [], len(self.doc)
        surnames = {doc.texts[c.end - 1] for c in self.model if c.label == "PER" and len(c) > 1}
        for i, text in enumerate(doc.texts):
            if text not in self.lex.named["apposition_heads"] or i == 0 \
                    or not self._after_article(i) and doc[i - 1].pos_ not in {"DET", "ADJ"}:
                continue
            start = i + 1
            while start < n and doc.folded[start] in self.lex.articles and start < i + 2:
                start += 1  # "l'initiative la Ceinture et la Route"
            known = self.entity_at.get(start)
            if start >= n or not self.is_name_word(doc[start]) or len(doc.texts[start]) < 2 or "\n" in doc[i].whitespace_ \
                    or (known is None or known.kind == "model") and doc[start].pos_ == "ADJ":
                continue  # "le programme Alimentaire mondial" is a capitalised adjective
            if known is not None and known.kind in {"gazetteer", "pattern"} and known.label == "MISC":
                end = known.end  # "l'initiative la Ceinture et la Route"
            elif known is not None and known.kind in {"gazetteer", "pattern"}:
                end = known.end
                if not (end < n and doc[end].like_num and len(doc.texts[end]) == 4):
                    continue
                end += 1
            else:
                end = self._capitalised_run(start)
                if end < n and doc[end].like_num and len(doc.texts[end]) == 4:
                    end += 1  # "le programme Horizon 2020"
            if doc.texts[end - 1] in surnames:
                continue
            out.append(Candidate(i, end, "MISC", "pattern", "named:apposition"))
        return out

    def _capitalised_run(self, start: int) -> int:
        """End of a run of name words from `start`, joined by "et", articles or "de" when a name word follows
        ("Ceinture et la Route", "Horizon Europe")."""
        doc, n, j, end = self.doc, len(self.doc), start, start
        while j < n and j < start + _MAX_NAME_TOKENS and "\n" not in doc[j - 1].whitespace_:
            if self.is_name_word(doc[j]) and not doc[j].is_punct:
                j = end = j + 1
            elif j > start and (doc.folded[j] in self.lex.and_words or doc.folded[j] in self.lex.articles
                                or doc.folded[j] in self.lex.of_words):
                j += 1
            else:
                break
        return end

    def _body_candidates(self) -> list[Candidate]:
        """A force or mission named by a lowercase head, its adjectives and the organisation it belongs to:
        "la force conjointe du G5 Sahel", "la mission multidimensionnelle intégrée des Nations unies" (ORG);
        with no adjective ("les forces de l'OTAN") it is only the organisation."""
        doc, out, n = self.doc, [], len(self.doc)
        for i, text in enumerate(doc.texts):
            if text not in self.lex.named["body_heads"]:
                continue
            j = i + 1
            while j < n and doc[j].text.islower() and not doc[j].is_stop \
                    and (doc[j].pos_ == "ADJ" or "Part" in doc[j].morph.get("VerbForm")):
                j += 1
            start = self._link_then(j)
            owner = self.entity_at.get(start)
            coordinated = owner is not None and owner.end < n and doc.folded[owner.end] in self.lex.and_words
            if j > i + 1 and start > j and owner is not None and owner.label == "ORG" and owner.kind != "model" \
                    and not coordinated:  # "la mission conjointe de l'ONU et de l'UA" is no one body's name
                out.append(Candidate(i, owner.end, "ORG", "pattern", "named:body"))
        return out

    def _facility_candidates(self) -> list[Candidate]:
        """A building or site named by a lowercase head and a name that is no known place: "le palais de la
        Marina", "l'aéroport international de Haneda", "la place Tahrir" (LOC)."""
        return self._headed_names("facility_heads", "LOC", "named:facility", link_required=False)

    def _geographic_candidates(self) -> list[Candidate]:
        """A sea, lake, river or other natural feature named by a lowercase head and a name, which may be a
        known place's ("la mer Noire", "le lac Tchad", "le golfe de Guinée", "le détroit d'Ormuz"): LOC."""
        return self._headed_names("geographic_heads", "LOC", "named:geographic", link_required=False, known_places=True)

    def _headed_names(self, heads: str, label: str, rule_id: str, *, link_required: bool,
                      known_places: bool = False) -> list[Candidate]:
        """A lowercase head of `heads`, its adjectives, a "de/du/de la" link (optional unless
        `link_required`) and a capitalised name that is no known place or organisation (or, with
        `known_places`, a known place)."""
        doc, out = self.doc, []
        for i, text in enumerate(doc.texts):
            if text not in self.lex.named[heads]:
                continue
            token = doc[i]
            j = token.i + 1
            while j < len(doc) and doc[j].text.islower() and doc[j].pos_ == "ADJ" and not doc[j].is_stop:
                j += 1
            start = self._link_then(j)
            place = self.entity_at.get(start) if known_places else None
            if place is not None and place.kind == "gazetteer" and place.label == "LOC":
                out.append(Candidate(token.i, place.end, label, "pattern", rule_id))
                continue
            if link_required and start == j or start >= len(doc) or self._gazetteer_place_at(start) \
                    or not self.is_name_word(doc[start]):
                continue
            end = self.name_run(start)
            if end > start:
                out.append(Candidate(token.i, end, label, "pattern", rule_id))
        return out

    # ---- organisations and formats

    def _institution_candidates(self) -> list[Candidate]:
        out = []
        for start, end in sorted(self.phrase_at["INSTITUTIONS"].items()):
            phrase_end, info = self._complement(end)
            head = self.doc[start:end].text.casefold()
            if info["portfolio"] or info["entity"] is not None and info["entity"].label in {"LOC", "ORG"}:
                out.append(Candidate(start, phrase_end, "ORG", "institution",
                                     "institution:portfolio" if info["portfolio"] else "institution:of_place"))
            elif info["country"] and head in self.lex.institutions_with_demonym:
                out.append(Candidate(start, phrase_end, "ORG", "institution", "institution:demonym"))
        return out

    def _pairing_candidates(self) -> list[Candidate]:
        """Two places (or a union and a place) joined by a hyphen with no space ("Chine-Asie centrale",
        "UE-Asie centrale") or by " + " ("Asie centrale + États-Unis"): the name of a format."""
        doc, out = self.doc, []
        places = {c.start: c for c in self.gazetteer if c.label in {"LOC", "ORG"}}
        for cand in places.values():
            joiner = cand.end
            if joiner + 1 >= len(doc) or joiner + 1 not in places:
                continue
            hyphen = doc[joiner].text == "-" and not doc[joiner - 1].whitespace_ and not doc[joiner].whitespace_
            plus = doc[joiner].text == "+" and doc[joiner - 1].whitespace_ and doc[joiner].whitespace_
            if hyphen and not self._names_a_format(cand.start, places[joiner + 1].end):
                continue
            if hyphen or plus:
                # the same pair in either order names the same format ("Chine-Asie centrale", "Asie centrale-Chine")
                key = "pairing:" + "+".join(sorted((cand.key, places[joiner + 1].key)))
                out.append(Candidate(cand.start, places[joiner + 1].end, "MISC", "pairing",
                                     "pairing:places_hyphen" if hyphen else "pairing:places_plus", key))
        return out

    def _names_a_format(self, start: int, end: int) -> bool:
        """A pairing in quote marks, or after a format noun ("le sommet UE-Asie centrale", "au format
        Chine-Asie centrale"), names a format; elsewhere ("les relations Chine-Inde") it is two places."""
        doc = self.doc
        if start > 0 and end < len(doc) and doc[start - 1].text in _QUOTES and doc[end].text in _QUOTES.values():
            return True
        i = start - 1
        while i >= 0 and i >= start - 3 and self.is_filler(doc[i]) and doc[i].text not in _QUOTES:
            i -= 1
        return i >= 0 and doc[i].text.casefold() in self.lex.named["format_nouns"]

    def _extend_regions(self, cands: list[Candidate]) -> list[Candidate]:
        """A region name coordinated with another adjective ("Asie du Sud et centrale") is one place."""
        doc = self.doc
        for cand in cands:
            end = cand.end
            if cand.key and cand.key.startswith("region:") and end + 1 < len(doc) and doc[end].text in self.lex.and_words \
                    and doc[end + 1].text.islower() and doc[end + 1].pos_ == "ADJ" \
                    and (end + 2 >= len(doc) or not doc[end + 2].text.islower() or doc[end + 2].pos_ != "NOUN"):
                cand.end = end + 2
                cand.rule_id += "+coordinated"
        return cands

    def _quoted_candidates(self) -> list[Candidate]:
        """A quoted phrase whose content words are all capitalised ("Stabilité, Sécurité et Développement
        Durable"): the name of a slogan, concept or road (MISC)."""
        doc, out, i = self.doc, [], 0
        while i < len(doc):
            close = _QUOTES.get(doc.texts[i])
            if close is None:
                i += 1
                continue
            j = i + 1
            while j < len(doc) and j - i <= _MAX_QUOTED_NAME_TOKENS + 1 and doc[j].text != close \
                    and "\n" not in doc[j].whitespace_:
                j += 1
            if j < len(doc) and doc[j].text == close:
                start, end = i + 1, j
                while end > start and doc[end - 1].is_punct:
                    end -= 1
                words = [t for t in doc[start:end] if t.is_alpha and not (t.is_stop and t.text.islower())]
                if len(words) >= 2 and all(t.text[0].isupper() for t in words) \
                        and not any(t.text.isupper() and len(t.text) > 1 for t in words):
                    out.append(Candidate(start, end, "MISC", "pattern", "quoted:capitalised_name"))
                i = j + 1
            else:
                i += 1
        return out

    # ---- merge

    def mentions(self) -> list[Candidate]:
        gazetteer_spans = [(c.start, c.end) for c in self.gazetteer]
        inside = lambda c: any(s <= c.start and c.end <= e and e - s > len(c) or s < c.start < e  # "G5" in "G5 Sahel"
                               for s, e in gazetteer_spans)
        patterns = [c for c in self.patterns + self.named if not inside(c)]
        everything = self.persons + self.institutions + self.pairings + patterns + self.gazetteer + self.model
        chosen: list[Candidate] = []
        taken: set[int] = set()
        for cand in sorted(everything, key=lambda c: (-_PRIORITY[c.kind] * (c.kind != "model" and c.kind != "gazetteer"),
                                                      -len(c), -_PRIORITY[c.kind], c.start)):
            if taken.isdisjoint(range(cand.start, cand.end)):
                chosen.append(cand)
                taken.update(range(cand.start, cand.end))
        chosen.extend(self._surname_mentions(chosen, taken))
        chosen.extend(self._head_mentions(chosen, taken))
        return sorted(chosen, key=lambda c: c.start)

    def _head_mentions(self, chosen: list[Candidate], taken: set[int]) -> list[Candidate]:
        """The first word of a longer name written before, alone after an article: "la Ligue" after "la Ligue
        arabe", "la Confédération" after "la Confédération suisse"."""
        doc, out = self.doc, []
        heads: dict[str, Candidate] = {}
        for c in sorted(chosen, key=lambda c: c.start):
            if c.label != "PER" and len(c) > 1 and doc[c.start + 1].text.islower():
                heads.setdefault(doc[c.start].text, c)
        for i, text in enumerate(doc.texts[1:], start=1):
            earlier = heads.get(text)
            if earlier is None:
                continue
            token = doc[i]
            if token.i in taken or earlier.end > token.i or token.i in self.entity_at \
                    or doc[token.i - 1].text.casefold() not in self.lex.articles or self._at_sentence_start(token.i) \
                    or not self.is_name_word(token):
                continue
            out.append(Candidate(token.i, token.i + 1, earlier.label, "pattern", "head_of_earlier_name"))
        return out

    def _surname_mentions(self, chosen: list[Candidate], taken: set[int]) -> list[Candidate]:
        """A capitalised word the model missed that spells the surname of a person named in the article
        ("Tileuberdi" after "Mukhtar Diluberdi")."""
        from .resolve import same_word

        surnames = {self.doc[c.end - 1].text for c in chosen if c.label == "PER" and c.kind != "model" or
                    c.label == "PER" and len(c) > 1}
        out = []
        if not surnames:
            return out
        for i, text in enumerate(self.doc.texts):
            if len(text) < 4 or i in taken or i in self.entity_at:
                continue
            token = self.doc[i]
            if not self.is_name_word(token) or token.pos_ not in {"PROPN", "NOUN", "X"} or not token.is_alpha:
                continue
            if any(same_word(text, surname) for surname in surnames):
                out.append(Candidate(token.i, token.i + 1, "PER", "title", "surname_of_person_in_article"))
        return out


def _country_of_key(key: str) -> str | None:
    entry = gazetteer_entry(key)
    return entry.country if entry else None


def _longest_first(cands: list[Candidate]) -> list[Candidate]:
    out, taken = [], set()
    for cand in sorted(cands, key=lambda c: (-len(c), c.start)):
        if taken.isdisjoint(range(cand.start, cand.end)):
            out.append(cand)
            taken.update(range(cand.start, cand.end))
    return sorted(out, key=lambda c: c.start)


def _split_runs(start: int, end: int, gaz_starts: dict, gaz_ends: dict, doc: Doc) -> list[tuple[int, int]]:
    """Split a span that runs a gazetteer name straight into another name ("Kazakhstan Kassym")."""
    for i in range(start + 1, end):
        before, after = gaz_ends.get(i), gaz_starts.get(i)
        joined = doc[i - 1].whitespace_ and doc[i].text[:1].isupper() and doc[i - 1].text[:1].isupper()
        if joined and (before is not None and before.start >= start or after is not None and after.end <= end):
            return [(start, i), *(_split_runs(i, end, gaz_starts, gaz_ends, doc))]
    return [(start, end)]


# --------------------------------------------------------------------------- component


def _char_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


class EntityRules:
    """The spaCy component: repaired and completed entities as doc.ents and doc._.entity_rules."""

    def __init__(self, nlp: Language, name: str = COMPONENT):
        self.name = name
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)
        self.vocab = nlp.vocab

    def __call__(self, doc: Doc) -> Doc:
        doc._.set(EXTENSION, analyse(doc))
        spans = [Span(doc, *_token_span(doc, m["start"], m["end"]), label=m["label"], kb_id=m.get("key") or "",
                      span_id=m["rule_id"]) for m in doc._.get(EXTENSION)["mentions"]]
        doc.ents = spans
        return doc


def _token_span(doc: Doc, start_char: int, end_char: int) -> tuple[int, int]:
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    return span.start, span.end


@Language.factory(COMPONENT, default_config={})
def make_entity_rules(nlp: Language, name: str) -> EntityRules:
    return EntityRules(nlp, name)


def add_components(nlp: Language) -> None:
    """Add the project's registered entity components to a loaded pipeline."""
    if COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(COMPONENT, after="ner" if "ner" in nlp.pipe_names else None)


def analyse(doc: Doc) -> dict:
    """Mentions and roles of a parsed document, as plain data with character offsets."""
    analysis = _Analysis(doc, _matchers(doc.vocab))
    text = analysis.doc.text
    mentions = []
    for cand in analysis.mentions():
        start, end = _char_span(doc, cand.start, cand.end)
        key = cand.key
        entry = gazetteer_entry(key) if key else None
        mentions.append({"start": start, "end": end, "text": text[start:end], "label": cand.label,
                         "source": "model" if cand.kind == "model" else "rule", "rule_id": cand.rule_id,
                         "key": key, "country": (entry.country if entry else None) or cand.extra.get("country"),
                         "wikidata_id": entry.wikidata_id if entry else None, "role": cand.extra.get("role")})
    _mark_parenthesised_aliases(text, mentions)
    _mark_short_aliases(mentions)
    return {"mentions": mentions, "roles": analysis.roles}


_PAREN_OPEN = re.compile(r"^\s*\(\s*[«\"“]?\s*$")
_PAREN_CLOSE = re.compile(r"^\s*[»\"”]?\s*\)")


def _mark_parenthesised_aliases(text: str, mentions: list[dict]) -> None:
    """A name written in parentheses right after another is its alias: "Asie centrale + États-Unis »
    (« C5+1 »)", "Organisation du traité de sécurité collective (OTSC)"; two different known places are
    not ("DAKAR (Sénégal)" gives the country of the city). An acronym that only the model tagged takes the
    label of the name it abbreviates ("Nouveau Partenariat pour le développement de l'Afrique (Nepad)")."""
    for before, after in zip(mentions, mentions[1:]):
        between = text[before["end"]:after["start"]]
        places_apart = before.get("key") and after.get("key") and before["key"] != after["key"]
        if before["label"] != "PER" and not places_apart and _PAREN_OPEN.match(between.lstrip("»\"” ")) \
                and _PAREN_CLOSE.match(text[after["end"]:after["end"] + 4]):
            after["alias_of"] = [before["start"], before["end"]]
            if after["source"] == "model" and not after.get("key") and " " not in after["text"] \
                    and " " in before["text"] and fold(after["text"][:1]) == fold(before["text"][:1]):
                after["label"] = before["label"]


def _mark_short_aliases(mentions: list[dict]) -> None:
    """One word that opens or closes a longer name written before it is its alias: "Ligue" after "Ligue
    arabe", "Marina" after "palais de la Marina" (same label). Known places keep their own identity."""
    for i, mention in enumerate(mentions):
        if mention.get("alias_of") or mention["label"] == "PER" or mention.get("key") or " " in mention["text"]:
            continue
        for earlier in reversed(mentions[:i]):
            if earlier["label"] == "PER" or not earlier["text"].startswith(mention["text"]) \
                    and not earlier["text"].endswith(mention["text"]):
                continue  # neither a head nor a tail below
            words = earlier["text"].split()
            head = len(words) > 1 and words[0] == mention["text"] and words[1][:1].islower()
            tail = earlier["rule_id"].startswith("named:") and earlier["label"] == mention["label"] \
                and (earlier["text"].endswith((" " + mention["text"], "'" + mention["text"], "’" + mention["text"])))
            if earlier["label"] != "PER" and (head or tail):
                mention["alias_of"] = [earlier["start"], earlier["end"]]
                break


def _analysed(doc: Doc) -> dict:
    if Doc.has_extension(EXTENSION) and doc._.get(EXTENSION) is not None:
        return doc._.get(EXTENSION)
    return analyse(doc)


def find_mentions(doc: Doc) -> list[dict]:
    """Entity mentions of a parsed article: start, end, text, label, source, rule_id (and key, country)."""
    return [dict(m) for m in _analysed(doc)["mentions"]]


def find_roles(doc: Doc, mentions: list[dict]) -> list[dict]:
    """Titles of persons: entity_id (local), role, org_or_country_id (local or None), start, end, rule_id."""
    by_span = {(m["start"], m["end"]): m for m in mentions}
    out = []
    for role in _analysed(doc)["roles"]:
        person = by_span.get((role["person_start"], role["person_end"]))
        if person is None or person["label"] != "PER":
            continue
        where = by_span.get(tuple(role["entity_span"])) if role.get("entity_span") else None
        out.append({"entity_id": person["entity_id"], "role": role["role"],
                    "org_or_country_id": where["entity_id"] if where else None, "start": role["start"],
                    "end": role["end"], "country": role["country"], "rule_id": role["rule_id"]})
    return out


# --------------------------------------------------------------------------- baseline


def model_mentions(doc: Doc) -> list[dict]:
    """The model's own entity spans, untouched: the out-of-the-box baseline."""
    return [{"start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": LABELS.get(ent.label_, "MISC"),
             "source": "model", "rule_id": "model"} for ent in doc.ents]


# --------------------------------------------------------------------------- examples


@functools.lru_cache(maxsize=1)
def _example_nlp() -> Language:
    from .nlp import load_nlp

    return load_nlp()


def _example_mentions(text: str) -> list[dict]:
    return find_mentions(_example_nlp()(text))


def _places_found(text: str) -> list[list]:
    return [[m["text"], m["label"], m["key"]] for m in _example_mentions(text)
            if m["key"] and not m["key"].startswith(("org:", "pairing:", "misc:"))]


def _organisations_found(text: str) -> list[list]:
    return [[m["text"], m["label"]] for m in _example_mentions(text) if (m["key"] or "").startswith("org:")]


def _named_misc_found(text: str) -> list[list]:
    return [[m["text"], m["label"]] for m in _example_mentions(text) if (m["key"] or "").startswith("misc:")]


def _patterns_found(text: str) -> list[list]:
    return [[m["text"], m["label"]] for m in _example_mentions(text) if m["rule_id"].startswith("pattern:")]


def _titled_persons(text: str) -> list[list]:
    return [[m["text"], m["role"], m["country"]] for m in _example_mentions(text)
            if m["rule_id"].startswith(("title:", "honorific"))]


def _named_things(text: str) -> list[list]:
    return [[m["text"], m["label"]] for m in _example_mentions(text) if m["rule_id"].startswith(("named:", "pairing:"))]


def _all_mentions(text: str) -> list[list]:
    return [[m["text"], m["label"]] for m in _example_mentions(text)]


EXAMPLE_RUNNERS = {
    PLACES: (_places_found, _places_found),
    PLACES_EXTRA: (_places_found, _places_found),
    ORGANISATIONS: (_organisations_found, _organisations_found),
    NAMED_MISC: (_named_misc_found, _named_misc_found),
    PATTERNS: (_patterns_found, _patterns_found),
    TITLES: (_titled_persons, _titled_persons),
    DEMONYMS: (demonym_countries, demonym_countries),
    NOT_NAMES: (_all_mentions, _all_mentions),
    NAMED_THINGS: (_named_things, _named_things),
}
