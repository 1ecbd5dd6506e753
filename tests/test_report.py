"""The HTML report opened in headless Chromium, its CLI, and the notebook executed end to end."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

import pipeline
from pipeline import report
from pipeline.schema import SCHEMAS, empty_frame

import report_fixture

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def open_in_chromium(page_path: Path, screenshot: Path, profile: Path) -> tuple[list[str], list[str], dict]:
    """Open a page in Debian's headless Chromium: its console errors, the URLs it requested, and facts read
    from its DOM. A screenshot of the whole page is saved to `screenshot`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    errors, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900})
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            dom = page.evaluate("""() => ({
                sections: [...document.querySelectorAll('main > section')].map(s => s.id),
                articles: [...document.querySelectorAll('#articles article')].map(a => a.id),
                marks: Object.fromEntries([...document.querySelectorAll('#articles article')].map(a => [a.id,
                    [...a.querySelectorAll('mark.entity')].map(m => m.textContent.replace(/\\s+/g, ' ').trim())])),
                svgs: [...document.querySelectorAll('.figure svg')].map(s => s.closest('section').id),
                tips: [...document.querySelectorAll('#timeline svg title')].map(t => t.textContent),
                text: document.body.innerText,
                width: document.documentElement.scrollWidth,
            })""")
        finally:
            browser.close()
    return errors, requests, dom


def _offsite(requests: list[str]) -> list[str]:
    return [url for url in requests if not url.startswith(("file:", "data:", "about:"))]


def test_browser_check_catches_errors_and_network_loads(tmp_path):
    """The check below can fail: a page with a script error and a CDN load is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><section id="x"></section>'
                    '<script>console.error("broken"); notDefined();</script>'
                    '<script src="https://cdn.example.invalid/lib.js"></script></body></html>', encoding="utf-8")
    errors, requests, _ = open_in_chromium(page, tmp_path / "bad.png", tmp_path / "profile")
    assert any("broken" in e for e in errors) and any("notDefined" in e for e in errors)
    assert _offsite(requests) == ["https://cdn.example.invalid/lib.js"]


@pytest.mark.parametrize("source", ["seeds", "fixture"])
def test_report_renders_in_chromium_without_errors(source, seed_out_dir, tmp_path):
    out = seed_out_dir if source == "seeds" else report_fixture.write(tmp_path / "fixture")
    tables = pipeline.load_tables(out)
    page = tmp_path / "report.html"
    page.write_text(report.render(tables), encoding="utf-8")
    shot = tmp_path / "report.png"
    errors, requests, dom = open_in_chromium(page, shot, tmp_path / "profile")
    assert errors == []
    assert _offsite(requests) == []
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dom["sections"] == ["summary", "timeline", "map", "clusters", "articles"]
    assert dom["articles"] == [f"doc-{d}" for d in tables["documents"].doc_id]
    assert dom["width"] <= 1280, "the page scrolls sideways"
    assert "map" in dom["svgs"]
    for doc_id, group in tables["mentions"].groupby("doc_id"):  # every article shows its entities
        marks = dom["marks"][f"doc-{doc_id}"]
        assert marks and {m.rsplit(" ", 1)[0] for m in marks} & set(group.text), doc_id
    if source == "fixture":
        assert "timeline" in dom["svgs"]
        assert dom["tips"] == [
            "meeting (occurred, 2024-03-04): Bakhtiyor Saïdov, Annalena Baerbock at Tachkent [fixture_001]",
            "aid (planned, no date of its own, article of 2024-03-05): Allemagne [fixture_001]",
            "meeting (planned, 2024-06): Bakhtiyor Saïdov, Annalena Baerbock at Berlin [fixture_001]"]
        assert "Tachkent (2)" in dom["text"] and "15 millions d'euros" in dom["text"]
        assert "Nous ouvrons une nouvelle page" in dom["text"] and "Annalena Baerbock" in dom["text"]
        assert "3 event cluster(s), 1 reported by more than one article" in dom["text"]
        assert "fixture_001, fixture_002" in dom["text"]
        assert "ministre des Affaires étrangères" in dom["text"]
        assert "se retrouveront en juin à Berlin" in dom["text"]  # the clause stating the event
    elif tables["events"].empty:
        assert "No events in these tables." in dom["text"]
    else:
        assert "timeline" in dom["svgs"] or "No event has a date, nor an article date" in dom["text"]


def test_report_of_empty_tables_says_so():
    page = report.render({name: empty_frame(name) for name in SCHEMAS})
    for message in ("No events in these tables.", "No event location could be placed on the map.",
                    "No articles in these tables."):
        assert message in page


def test_report_marks_entities_amounts_and_dates_in_the_text():
    tables = report_fixture.tables()
    doc = tables["documents"].iloc[0]
    of = {name: tables[name][tables[name].doc_id == doc.doc_id] for name in ("mentions", "amounts", "timexes")}
    markup = report.highlight(doc.text, of["mentions"], of["amounts"], of["timexes"])
    for text, label in (("Bakhtiyor Saïdov", "PER"), ("Tachkent", "LOC"), ("15 millions d'euros", "MONEY"),
                        ("en juin", "DATE")):
        assert f"{text}\n    <span" in markup.replace("&#x27;", "'") and f">{label}</span>" in markup


def test_highlight_prefers_entities_over_overlapping_dates():
    tables = report_fixture.tables()
    doc = tables["documents"].iloc[0]
    mentions = tables["mentions"][tables["mentions"].doc_id == doc.doc_id]
    start = doc.text.index("Saïdov")
    overlapping = tables["timexes"].iloc[:1].assign(start=start, end=start + len("Saïdov, a rencontré lundi"))
    markup = report.highlight(doc.text, mentions, tables["amounts"].iloc[:0], overlapping)
    assert "Bakhtiyor Saïdov\n    <span" in markup and ">DATE</span>" not in markup


def test_event_statement_shows_the_trigger_in_bold_and_escapes_the_text():
    text = "Selon <AFP>, les deux ministres se retrouveront en juin à Berlin pour signer l'accord."
    start = text.index("les deux")
    markup = report.evidence(text, start, len(text), "se retrouveront")
    assert markup == "les deux ministres <b>se retrouveront</b> en juin à Berlin pour signer l&#x27;accord."
    assert "&lt;AFP&gt;" in report.evidence(text, 0, len(text), "absent")
    long = "mot " * 60 + "a signé " + "mot " * 60
    clipped = report.evidence(long, 0, len(long), "a signé", limit=80)
    assert clipped.startswith("… ") and "<b>a signé</b>" in clipped and clipped.endswith(" …") and len(clipped) < 110


def test_report_cli_writes_the_page(seed_out_dir, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(seed_out_dir, out)
    assert report.main(["--out", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="timeline"' in page
    assert not list(out.glob(".report.html.*"))
    (out / "entities.parquet").unlink()
    assert report.main(["--out", str(out)]) == 1
    assert "entities.parquet" in capsys.readouterr().err


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("source", ["seeds", "fixture"])
def test_notebook_runs_end_to_end(source, seed_out_dir, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    out = seed_out_dir if source == "seeds" else report_fixture.write(tmp_path / "fixture")
    monkeypatch.setenv("PIPELINE_OUT", str(out))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()  # raises on any cell error
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    if source == "fixture":
        plots = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(plots) == 4 and len(images) == 1  # timeline, entities, pledges, clusters; the network
        assert "1 reported by more than one article" in "".join(o.get("text", "") for o in outputs)
