"""The events and quotes stages on hand-made articles, with timexes and amounts given as fixtures
(so these tests do not depend on the date and money stages)."""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline import events, quotes
from pipeline.discourse import example_mentions

PUBLISHED = dt.date(2024, 3, 13)


def _timex(text: str, phrase: str, value: str, type_: str = "DATE") -> dict:
    start = text.index(phrase)
    return {"timex_id": f"t:{phrase}", "start": start, "end": start + len(phrase), "text": phrase, "type": type_,
            "value": value}


def _amount(text: str, phrase: str, value: float, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return {"amount_id": f"a:{start}", "start": start, "end": start + len(phrase), "text": phrase, "value": value,
            "currency": "EUR", "event_id": None}


def _run(nlp, text, timexes=(), amounts=()):
    doc = nlp(text)
    mentions, names = example_mentions(doc)
    rows, parts = events.extract(doc, doc_id="t", mentions=mentions, timexes=list(timexes), amounts=list(amounts),
                                 published=PUBLISHED)
    who = {r["event_id"]: sorted(names[p["entity_id"]] for p in parts if p["event_id"] == r["event_id"]) for r in rows}
    return rows, who, names


def test_the_date_is_the_one_the_clause_holds(nlp):
    text = "Emmanuel Macron a rencontré Olaf Scholz lundi à Berlin, depuis le sommet du 3 mai."
    rows, who, names = _run(nlp, text, [_timex(text, "lundi", "2024-03-11"), _timex(text, "3 mai", "2024-05-03")])
    meetings = [r for r in rows if r["event_type"] == "meeting"]
    assert len(meetings) == 1
    assert meetings[0]["date_value"] == "2024-03-11" and meetings[0]["date_text"] == "lundi"
    assert names[meetings[0]["location_id"]] == "Berlin"
    assert who[meetings[0]["event_id"]] == ["Emmanuel Macron", "Olaf Scholz"]


def test_document_date_only_for_today_news_and_said_so(nlp):
    text = "Emmanuel Macron a rencontré aujourd'hui Olaf Scholz à Berlin."
    rows, _, _ = _run(nlp, text, [_timex(text, "aujourd'hui", "PRESENT_REF")])
    assert rows[0]["date_value"] == PUBLISHED.isoformat()
    assert rows[0]["rule_id"].endswith("+date:today-document")
    undated, _, _ = _run(nlp, "Emmanuel Macron a rencontré Olaf Scholz à Berlin.")
    assert undated[0]["date_value"] is None and undated[0]["date_text"] is None


def test_amounts_are_linked_and_two_sums_are_two_aids(nlp):
    text = "L'Allemagne versera 10 millions d'euros au Niger, en plus des 5 millions d'euros déjà annoncés."
    amounts = [_amount(text, "10 millions d'euros", 1e7), _amount(text, "5 millions d'euros", 5e6)]
    rows, _, _ = _run(nlp, text, amounts=amounts)
    aids = [r for r in rows if r["event_type"] == "aid"]
    assert [a["status"] for a in aids] == ["planned", "occurred"]
    assert [a["plover"] for a in aids] == ["AGREE", "AID"]
    assert {a["amount_id"] for a in aids} == {amounts[0]["amount_id"], amounts[1]["amount_id"]}
    assert {a["event_id"] for a in amounts} == {a["event_id"] for a in aids}


def test_repeated_mentions_are_one_event(nlp):
    text = ("Les ministres des Affaires étrangères de l'Inde et du Japon se sont réunis mardi à Tokyo. "
            "Lors de la réunion, Subrahmanyam Jaishankar a salué le partenariat. "
            "La rencontre a duré trois heures.")
    rows, who, _ = _run(nlp, text, [_timex(text, "mardi", "2024-03-12")])
    assert [r["event_type"] for r in rows] == ["meeting"]
    assert "Subrahmanyam Jaishankar" in who[rows[0]["event_id"]]


def test_a_second_ordinal_is_another_event(nlp):
    text = "Le premier sommet a eu lieu à Nairobi en 2019. Le deuxième sommet aura lieu à Dakar."
    rows, _, names = _run(nlp, text, [_timex(text, "2019", "2019")])
    assert [(r["event_type"], r["status"], names.get(r["location_id"])) for r in rows] == [
        ("summit", "occurred", "Nairobi"), ("summit", "planned", "Dakar")]


def test_event_rows_carry_rule_ids_and_spans(nlp):
    text = "Joe Biden a invité Emmanuel Macron à participer au sommet qui se tiendra à Washington."
    rows, who, _ = _run(nlp, text)
    assert {r["event_type"] for r in rows} == {"invitation", "summit"}
    for row in rows:
        assert row["rule_id"] and 0 <= row["start"] < row["end"] <= len(text)
    summit = next(r for r in rows if r["event_type"] == "summit")
    assert summit["status"] == "planned" and "Emmanuel Macron" in who[summit["event_id"]]


def _event(doc_id, i, type_="meeting", date=None, place=None, status="occurred"):
    return {"event_id": f"{doc_id}:e{i}", "doc_id": doc_id, "event_type": type_, "status": status,
            "date_value": date, "location_id": place}


def test_clusters_join_the_same_meeting_across_articles():
    rows = [_event("a", 0, date="2023-02-28", place="ASTANA"), _event("b", 0, date="2023-02", place="ASTANA"),
            _event("c", 0, date="2023-03-01", place="ASTANA"), _event("d", 0, type_="visit", date="2023-02-28"),
            _event("e", 0), _event("f", 0)]
    parts = [{"event_id": e, "entity_id": p, "role": "agent"}
             for e, p in [("a:e0", "BLINKEN"), ("b:e0", "BLINKEN"), ("c:e0", "BLINKEN"), ("e:e0", "X"), ("f:e0", "X")]]
    events.assign_clusters(rows, parts)
    cluster = {r["event_id"]: r["cluster_id"] for r in rows}
    assert cluster["a:e0"] == cluster["b:e0"]
    assert cluster["c:e0"] != cluster["a:e0"], "different days are different meetings"
    assert cluster["d:e0"] != cluster["a:e0"], "a visit is not a meeting"
    assert cluster["e:e0"] != cluster["f:e0"], "one shared name is not enough without a date or a place"


def test_baseline_counts_every_trigger(nlp):
    doc = nlp("La réunion a eu lieu. Lors de la réunion, le ministre a parlé du sommet.")
    rows, parts = events.baseline_triggers(doc, doc_id="t")
    assert [r["event_type"] for r in rows] == ["meeting", "meeting", "summit"] and parts == []


@pytest.mark.parametrize("text,speaker,verb", [
    ("Olaf Scholz est arrivé à Paris. « Nous avons beaucoup à faire ensemble », a-t-il déclaré.", "Olaf Scholz", "déclarer"),
    ("« La paix reste notre priorité absolue », indique le communiqué du ministère des Affaires étrangères.",
     "ministère des Affaires étrangères", "indiquer"),
])
def test_quotes_speaker_and_verb(nlp, text, speaker, verb):
    doc = nlp(text)
    mentions, names = example_mentions(doc)
    found = quotes.extract(doc, mentions=mentions)
    assert len(found) == 1
    quote = found[0]
    assert text[quote["start"]:quote["end"]] == quote["text"] and not quote["text"].startswith("«")
    assert (names.get(quote["speaker_id"]), quote["verb"]) == (speaker, verb)


def test_the_dateline_date_is_not_the_event_date(nlp):
    text = "DAKAR, 12 mars – Le Sénégal a accordé hier 10 millions d'euros au Mali."
    rows, _, _ = _run(nlp, text, [_timex(text, "12 mars", "2024-03-12"), _timex(text, "hier", "2024-03-11")],
                      [_amount(text, "10 millions d'euros", 1e7)])
    assert [r["date_value"] for r in rows] == ["2024-03-11"]
    plain = "DAKAR, 12 mars – Le Sénégal a accordé 10 millions d'euros au Mali."
    undated, _, _ = _run(nlp, plain, [_timex(plain, "12 mars", "2024-03-12")], [_amount(plain, "10 millions d'euros", 1e7)])
    assert [r["date_value"] for r in undated] == [None]


def test_a_date_bounding_another_event_is_the_date_of_the_event_it_names(nlp):
    text = "C'est la première visite d'un ministre depuis l'élection de Bola Tinubu, en mars 2023."
    rows, _, _ = _run(nlp, text, [_timex(text, "mars 2023", "2023-03")])
    elections = [r for r in rows if r["event_type"] == "election"]
    assert [r["date_value"] for r in elections] == ["2023-03"]


def test_the_second_verb_of_a_pair_takes_the_first_ones_date(nlp):
    text = "Lundi, Olaf Scholz s'est entretenu avec Giorgia Meloni, puis a reçu le président Sergio Mattarella."
    rows, who, _ = _run(nlp, text, [_timex(text, "Lundi", "2024-03-11")])
    meetings = [r for r in rows if r["event_type"] == "meeting"]
    assert [r["date_value"] for r in meetings] == ["2024-03-11", "2024-03-11"]
    assert who[meetings[1]["event_id"]] == ["Olaf Scholz", "Sergio Mattarella"]


def test_attending_a_summit_dates_and_places_it(nlp):
    text = "Le président Cyril Ramaphosa a participé jeudi à Johannesburg au sommet des BRICS."
    rows, _, names = _run(nlp, text, [_timex(text, "jeudi", "2024-03-07")])
    assert [(r["event_type"], r["date_value"], names.get(r["location_id"])) for r in rows] == \
        [("summit", "2024-03-07", "Johannesburg")]


def test_spelled_out_first_tokens_find_the_same_triggers(nlp):
    """The trigger Matcher with first-token IN sets spelled out matches exactly what the lexicon's patterns match."""
    from spacy.matcher import Matcher

    from pipeline import config
    plain = Matcher(nlp.vocab)
    for i, row in enumerate(events._triggers()):
        plain.add(str(i), [row["pattern"]])
    assert any(len(events.expand_first_token(row["pattern"])) > 1 for row in events._triggers())
    for path in sorted(config.SEEDS_DIR.glob("*.txt")):
        doc = nlp(path.read_text(encoding="utf-8"))
        expected = sorted(plain(doc))
        assert expected, path
        assert sorted(events._matcher(nlp.vocab)(doc)) == expected, path
