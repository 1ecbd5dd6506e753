"""The quotes stage: where quotes start and end, and speakers resolved from the roles and mentions given
(fixtures here, so that the entity stage's changes do not move these tests)."""
from __future__ import annotations

import pytest

from pipeline import quotes


def test_quote_over_several_paragraphs_is_one_quote():
    text = "« Premier paragraphe de la déclaration,\n« deuxième paragraphe encore,\n« et la fin », a-t-il dit.\nAutre."
    spans = quotes.quote_spans(text)
    assert len(spans) == 1
    start, end = spans[0]
    assert text[start] == "«" and text[end] == "»" and text[start:end].count("\n") == 2


def test_quote_left_open_ends_with_its_paragraph():
    text = "Il a dit : « nous ne partirons pas d'ici\nLe lendemain, rien n'avait changé."
    [(start, end)] = quotes.quote_spans(text)
    assert text[start + 1:end].strip() == "nous ne partirons pas d'ici"


def test_straight_quotes_pair_within_a_paragraph_and_inner_marks_are_dropped():
    text = '"Le format “C5+1” reste utile", a-t-il dit. "Une autre phrase ici"\n"Un troisième'
    spans = quotes.quote_spans(text)
    assert [text[s + 1:e] for s, e in spans] == ["Le format “C5+1” reste utile", "Une autre phrase ici"]


def _mention(text: str, name: str, entity_id: str, label: str = "PER") -> dict:
    start = text.index(name)
    return {"start": start, "end": start + len(name), "text": name, "label": label, "entity_id": entity_id}


@pytest.mark.parametrize("title,expected", [
    ("le chef de la diplomatie", "B"),   # the roles row makes B the foreign minister
    ("le chef de l'État", "A"),          # A is the president
    ("la responsable", None),            # two men named: no woman to speak
])
def test_title_speaker_from_the_roles_given(nlp, title, expected):
    text = (f"Le président Karim Bensalah a reçu Omar Haddad mardi. « Nos deux pays avancent ensemble "
            f"sur tous les dossiers », a déclaré {title} devant la presse.")
    doc = nlp(text)
    mentions = [_mention(text, "Karim Bensalah", "A"), _mention(text, "Omar Haddad", "B")]
    roles = [{"entity_id": "A", "role": "président", "org_or_country_id": None, "start": 3, "end": 12},
             {"entity_id": "B", "role": "ministre des Affaires étrangères", "org_or_country_id": None,
              "start": 0, "end": 0}]
    [quote] = quotes.extract(doc, mentions=mentions, roles=roles)
    assert quote["speaker_id"] == expected and quote["verb"] == "déclarer"
    assert text[quote["start"]:quote["end"]] == quote["text"] and quote["text"].startswith("Nos deux pays")
    assert quote["rule_id"] == "quote.after-verb"


def test_every_quote_carries_its_rule_and_span(nlp):
    text = ("La ministre Aïcha Benali a reçu son homologue. « Le dialogue se poursuivra dès la semaine "
            "prochaine », a-t-elle indiqué. « Nous restons confiants. » Le texte parle d'un plan intitulé "
            "« Pour une coopération plus forte et durable ».")
    doc = nlp(text)
    mentions = [_mention(text, "Aïcha Benali", "A")]
    found = quotes.extract(doc, mentions=mentions, roles=[])
    assert [(q["speaker_id"], q["rule_id"]) for q in found] == [("A", "quote.after-verb"), ("A", "quote.same-speaker")]
    assert all(text[q["start"]:q["end"]] == q["text"] for q in found)


def test_antecedent_of_a_pronoun_skips_the_other_gender_and_the_one_spoken_to(nlp):
    from pipeline.discourse import MentionIndex, example_mentions

    text = "Angela Merkel a parlé à Paul Dupont, puis Jean Martin est arrivé. Elle a souri."
    doc = nlp(text)
    mentions, names = example_mentions(doc)
    index = MentionIndex(doc, mentions)
    at = text.index("Elle")
    assert names[index.antecedent(at)["entity_id"]] == "Jean Martin"
    assert names[index.antecedent(at, gender="f")["entity_id"]] == "Angela Merkel"
    assert names[index.antecedent(at, gender="m")["entity_id"]] == "Jean Martin"
    assert index.antecedent(text.index("Jean"), gender="m") is None  # "à Paul Dupont": spoken to
