"""Entity mentions, span repair, roles and resolution on real sentences (most not from the seeds)."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from pipeline import entities
from pipeline.resolve import across_documents, within_document


def mentions_of(nlp, text):
    return [(m["text"], m["label"]) for m in entities.find_mentions(nlp(text))]


def test_component_is_registered_after_the_model(nlp):
    assert entities.COMPONENT in nlp.pipe_names
    assert nlp.pipe_names.index(entities.COMPONENT) > nlp.pipe_names.index("ner")


@pytest.mark.parametrize("text,expected", [
    # elided article and article kept out of the span, whatever the apostrophe
    ("Il a salué le rôle de l'Asie centrale et de l’Europe dans ce projet.", [("Asie centrale", "LOC"), ("Europe", "LOC")]),
    ("La coopération avec l' Asie centrale reste prioritaire.", [("Asie centrale", "LOC")]),
    # honorific out of the mention
    ("Comme l’a souligné M. Dupuis, le calendrier reste serré.", [("Dupuis", "PER")]),
    # a country run into a person's name is split, and the name becomes a person
    ("Le président du Kazakhstan Kassym-Jomart Tokaïev a remercié ses hôtes.",
     [("Kazakhstan", "LOC"), ("Kassym-Jomart Tokaïev", "PER")]),
    # a pronoun-like determiner and a title are not entities
    ("« Notre pays est fier de ce partenariat », a déclaré le président de la République.", []),
    # a demonym noun is not an entity
    ("Les Américains et les Kazakhs ont signé un accord à Astana.", [("Astana", "LOC")]),
    # a nationality noun introduces a person, even one whose first name is also a city
    ("Le sommet a réuni le Chilien Santiago Abascal et la Colombienne Victoria Dávila.",
     [("Santiago Abascal", "PER"), ("Victoria Dávila", "PER")]),
    # a city's name that opens a person's name is a first name; the city alone stays a place
    ("Santiago Peña a rencontré Victoria Nuland à Santiago.",
     [("Santiago Peña", "PER"), ("Victoria Nuland", "PER"), ("Santiago", "LOC")]),
    # an institution with a nationality adjective is an organisation; an organisation's division keeps its name
    ("Selon la présidence française, l'ambassade américaine a protesté.",
     [("présidence française", "ORG"), ("ambassade américaine", "ORG")]),
    ("Un contrat a été signé avec Airbus Helicopters.", [("Airbus Helicopters", "ORG")]),
    # a name opening on a common first name is a person whatever the model's label; "-un" stays in "Jong-un"
    ("Kim Jong-un et Recep Tayyip Erdogan ont échangé.", [("Kim Jong-un", "PER"), ("Recep Tayyip Erdogan", "PER")]),
    # a company named after a country is one name; a gazetteer name wins over a head rule inside it
    ("La compagnie Air Sénégal a relié Dakar à la Commission de l'Union africaine.",
     [("Air Sénégal", "ORG"), ("Dakar", "LOC"), ("Commission de l'Union africaine", "ORG")]),
    # known places joined by a hyphen outside a format are the places
    ("Le dossier Inde-Pakistan reste ouvert.", [("Inde", "LOC"), ("Pakistan", "LOC")]),
    # a participle that opens a sentence is no name
    ("Annoncé depuis des mois, le texte a été voté par le Sénégal.", [("Sénégal", "LOC")]),
    # a hyphenated particle stays in the name; a pattern inside a gazetteer name gives the longer name
    ("Le général Khalifa al-Haftar a reçu les chefs d'état-major du G5 Sahel.",
     [("Khalifa al-Haftar", "PER"), ("G5 Sahel", "ORG")]),
])
def test_span_repair(nlp, text, expected):
    assert mentions_of(nlp, text) == expected


def test_line_break_is_never_inside_a_mention(nlp):
    found = entities.find_mentions(nlp("Paris / La Gazette\nLe Kazakhstan accueillera le sommet."))
    assert [m["text"] for m in found] == ["Paris", "La Gazette", "Kazakhstan"]
    assert all("\n" not in m["text"] and m["text"] == m["text"].strip() for m in found)


def test_every_mention_is_traceable(nlp):
    text = "Le ministre chinois des Affaires étrangères Wang Yi a rencontré à Pékin le secrétaire général de l'ONU."
    for m in entities.find_mentions(nlp(text)):
        assert text[m["start"]:m["end"]] == m["text"]
        assert m["rule_id"] and m["source"] in {"model", "rule"}


def roles_of(text, nlp):
    from pipeline.extract import extract_text

    tables = extract_text(text, dt.date(2024, 5, 1), nlp=nlp)
    names = dict(zip(tables["entities"].entity_id, tables["entities"].name))
    countries = dict(zip(tables["entities"].entity_id, tables["entities"].country))
    return [(names[r.entity_id], r.role, names.get(r.org_or_country_id), r.country)
            for r in tables["roles"].itertuples()], names, countries


def test_roles_with_country_from_a_place_and_from_a_demonym(nlp):
    roles, names, countries = roles_of(
        "Le ministre des Affaires étrangères de l'Ouzbékistan Bakhtiyor Saidov a reçu le ministre kazakh "
        "des Affaires étrangères, Mukhtar Tleuberdi, à Tachkent.", nlp)
    assert ("Bakhtiyor Saidov", "ministre des Affaires étrangères", "Ouzbékistan", "UZ") in roles
    # a demonym gives the country, not an entity
    assert ("Mukhtar Tleuberdi", "ministre des Affaires étrangères", None, "KZ") in roles
    by_name = {n: countries[e] for e, n in names.items()}
    assert by_name["Mukhtar Tleuberdi"] == "KZ" and by_name["Bakhtiyor Saidov"] == "UZ"


def test_roles_from_an_apposition_after_the_name(nlp):
    roles, _, _ = roles_of("Olaf Scholz, le chancelier de l'Allemagne, a reçu son homologue à Berlin.", nlp)
    assert roles == [("Olaf Scholz", "chancelier", "Allemagne", "DE")]


# ---------------------------------------------------------------- resolution


def mention(start, text, label="PER", source="model", **extra):
    return {"start": start, "end": start + len(text), "text": text, "label": label, "source": source,
            "rule_id": source, **extra}


def local(doc_id, *names, label="PER", country=None):
    mentions = [mention(i * 100, n, label, country=country) for i, n in enumerate(names)]
    return within_document(doc_id, mentions)


def test_short_form_joins_the_full_name_within_an_article():
    mentions = [mention(0, "Antony Blinken", source="rule"), mention(50, "Blinken"), mention(90, "Astana", "LOC"),
                mention(120, "Blingen")]
    found = within_document("d", mentions)
    person = next(e for e in found if e["label"] == "PER")
    assert person["name"] == "Antony Blinken"
    assert set(person["aliases"]) == {"Antony Blinken", "Blinken", "Blingen"}
    assert person["evidence"], "the merge must say why"
    assert len({m["local_id"] for m in mentions if m["label"] == "PER"}) == 1


def test_a_name_the_model_took_for_a_place_becomes_a_person_by_its_short_form():
    mentions = [mention(0, "Sergio Gor", source="rule"), mention(40, "Gor", "LOC")]
    within_document("d", mentions)
    assert [m["label"] for m in mentions] == ["PER", "PER"]
    assert mentions[0]["local_id"] == mentions[1]["local_id"]


def test_a_name_word_other_than_the_last_joins_its_single_full_name():
    mentions = [mention(0, "Luiz Inácio Lula da Silva", source="rule"), mention(60, "Lula"),
                mention(90, "Kishida Fumio", source="rule"), mention(130, "Kishida"), mention(160, "Fumio Tanaka"),
                mention(200, "Bachar al-Assad", source="rule"), mention(240, "Assad"),
                mention(280, "Xi Jinping", source="rule"), mention(300, "Xi"), mention(320, "Li Qiang", source="rule"),
                mention(340, "LI")]
    found = within_document("d", mentions)
    names = sorted(tuple(sorted(e["aliases"])) for e in found)
    assert names == [("Assad", "Bachar al-Assad"), ("Fumio Tanaka",), ("Kishida", "Kishida Fumio"), ("LI",),
                     ("Li Qiang",), ("Luiz Inácio Lula da Silva", "Lula"), ("Xi", "Xi Jinping")]


def test_head_and_tail_of_a_longer_name_are_its_aliases(nlp):
    from pipeline.resolve import within_document as group

    text = ("La Ligue arabe s'est réunie au palais de Koulouba. La Syrie avait quitté la Ligue en 2011, "
            "et la Marina a été fermée. Les gardes de Koulouba ont salué la foule. DAKAR (Sénégal) - Fin.")
    found = entities.find_mentions(nlp(text))
    for m in found:
        m.setdefault("source", "rule")
    by_name = {tuple(e["aliases"]): e for e in group("d", found)}
    assert ("Ligue arabe", "Ligue") in by_name
    assert ("palais de Koulouba", "Koulouba") in by_name
    assert ("DAKAR",) in by_name and ("Sénégal",) in by_name


def test_an_acronym_alone_joins_the_one_name_it_spells():
    mentions = [mention(0, "Confédération des États du Sahel", "ORG", source="rule"), mention(60, "Niger", "LOC"),
                mention(90, "CES", "ORG"), mention(120, "Banque nationale pour le développement agricole du Mali", "ORG"),
                mention(200, "BNDA", "ORG"), mention(240, "ONG", "ORG")]
    found = within_document("d", mentions)
    names = sorted(tuple(e["aliases"]) for e in found)
    assert names == [("Banque nationale pour le développement agricole du Mali", "BNDA"),
                     ("Confédération des États du Sahel", "CES"), ("Niger",), ("ONG",)]


def test_same_surname_different_first_names_are_different_people():
    locals_ = local("a", "Joe Biden") + local("b", "Hunter Biden") + local("c", "Biden")
    mapping, rows = across_documents(locals_)
    assert mapping["a#0"] != mapping["b#0"]
    # a surname alone that could be either stays apart
    assert mapping["c#0"] not in {mapping["a#0"], mapping["b#0"]}
    assert len(rows) == 3


def test_same_name_with_different_countries_is_not_merged():
    locals_ = local("a", "Ali Khan", country="PK") + local("b", "Ali Khan", country="IN")
    mapping, _ = across_documents(locals_)
    assert mapping["a#0"] != mapping["b#0"]


def test_transliteration_variants_join_across_articles_with_evidence():
    locals_ = (local("a", "Kassym-Jomart Tokaïev", "Tokaïev") + local("b", "Kassym-Jomart Tokayev")
               + local("c", "Togayev") + local("d", "Shavkat Mirziyoyev") + local("e", "Chavkat Mirzioïev"))
    mapping, rows = across_documents(locals_)
    assert mapping["a#0"] == mapping["b#0"] == mapping["c#0"]
    assert mapping["d#0"] == mapping["e#0"] != mapping["a#0"]
    tokayev = next(r for r in rows if r["entity_id"] == mapping["a#0"])
    assert {"Kassym-Jomart Tokaïev", "Kassym-Jomart Tokayev", "Togayev"} <= set(tokayev["aliases"])
    assert tokayev["n_docs"] == 3 and "spelling" in tokayev["evidence"] and "short form" in tokayev["evidence"]


def test_entity_ids_are_stable_whatever_the_order():
    locals_ = (local("a", "Antony Blinken", "Blinken") + local("b", "Anthony Blinken")
               + local("c", "Astana", label="LOC"))
    first = across_documents(locals_)[0]
    shuffled = list(locals_)
    random.Random(7).shuffle(shuffled)
    assert across_documents(shuffled)[0] == first


def test_places_join_on_the_gazetteer_key_and_carry_country_and_wikidata(nlp):
    a = within_document("a", entities.find_mentions(nlp("La Chine et la Russie ont signé.")))
    b = within_document("b", entities.find_mentions(nlp(
        "Xi Jinping, le président de la République populaire de Chine, a reçu l'ONU.")))
    mapping, rows = across_documents(a + b)
    china = [r for r in rows if "Chine" in r["aliases"]]
    assert len(china) == 1 and "République populaire de Chine" in china[0]["aliases"]
    assert china[0]["country"] == "CN" and china[0]["n_docs"] == 2
    un = next(r for r in rows if r["name"] == "ONU")
    assert un["label"] == "ORG" and un["wikidata_id"] == "Q1065"
