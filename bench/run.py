"""`make bench`: the pipeline against bare nlp.pipe on corpora of distinct real French news text.

For each size: builds the corpus (the first N articles of one seeded sequence, see bench/corpus.py),
runs bare `nlp.pipe` of the model over the same texts, then `python -m pipeline extract` from a cold
output folder, each in its own process, sampling the memory of its whole process tree. At 1,000
articles it also times an incremental run after adding one article. Prints a table and writes
`<out>/bench.json`. Speed is measured here, never in unit tests.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from bench.corpus import Article, articles, read_pool, write_corpus
from pipeline import config
from pipeline.executors import NLP_BATCH, usable_cores
from pipeline.files import write_bytes_atomic

POOL = config.ROOT.parent / "shared" / "bench" / "fr_news_sentences.jsonl.gz"
INCREMENTAL_SIZE = 1000
SAMPLE_SECONDS = 0.1
MB = 1024 * 1024


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and all its descendants; keeps the peaks."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_rss = self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = pss = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in procs:
                try:
                    info = proc.memory_full_info()
                    rss, pss = rss + info.rss, pss + getattr(info, "pss", info.rss)
                except psutil.Error:
                    continue
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.done.wait(SAMPLE_SECONDS)


def measured(command: list[str], log: Path, *, ok: tuple[int, ...] = (0,)) -> dict:
    """Run a command, timing it and sampling its process tree's memory; fail loudly with its log."""
    env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=config.ROOT)
        memory = TreeMemory(proc.pid)
        memory.start()
        code = proc.wait()
        memory.done.set()
        memory.join()
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if code not in ok:
        raise SystemExit(f"{' '.join(command)} failed with status {code}; see {log}:\n{log.read_text()[-2000:]}")
    return {"wall_seconds": wall, "cpu_seconds": cpu, "peak_rss_mb": memory.peak_rss / MB,
            "peak_pss_mb": memory.peak_pss / MB, "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def pipeline_run(seeds: Path, out: Path, work: Path, tag: str, *, n_process: int, cold: bool) -> dict:
    if cold:
        shutil.rmtree(out, ignore_errors=True)
    report = work / f"{tag}.report.json"
    command = [sys.executable, "-m", "pipeline", "extract", "--seeds", str(seeds), "--out", str(out),
               "--n-process", str(n_process), "--report", str(report)]
    result = measured(command, work / f"{tag}.log", ok=(0, 1))  # 1: some article failed, named in the log
    inner = json.loads(report.read_text(encoding="utf-8"))
    result.update(seconds=inner["total_seconds"], model_load_seconds=inner["model_load_seconds"],
                  stages=inner["seconds"], counts=inner["counts"], failed=inner["failed"])
    result["seconds_without_load"] = result["seconds"] - result["model_load_seconds"]
    return result


def bare_run(seeds: Path, work: Path, tag: str, *, n_process: int, indexed: bool = False) -> dict:
    report = work / f"{tag}.report.json"
    command = [sys.executable, "-m", "bench.bare", "--seeds", str(seeds), "--n-process", str(n_process),
               "--batch-size", str(NLP_BATCH), "--report", str(report), *(["--indexed"] if indexed else [])]
    result = measured(command, work / f"{tag}.log")
    result.update(json.loads(report.read_text(encoding="utf-8")))
    return result


def bare_fields(bare: dict, full: dict, size: int, words: int) -> dict:
    return {
        "bare_pipe_seconds": bare["pipe_seconds"],
        "ratio_pipeline_to_bare": full["seconds_without_load"] / bare["pipe_seconds"],
        "bare_articles_per_s": size / bare["pipe_seconds"], "bare_words_per_s": words / bare["pipe_seconds"],
        "bare_model_load_seconds": bare["model_load_seconds"], "bare_cpu_seconds": bare["cpu_seconds"],
        "cpu_ratio_pipeline_to_bare": full["cpu_seconds"] / bare["cpu_seconds"],
        "bare_peak_rss_mb": bare["peak_rss_mb"], "bare_peak_pss_mb": bare["peak_pss_mb"],
        "bare_load_average_before_after": bare["load_average"],
    }


def bench_size(items: list[Article], extra: Article, work: Path, *, n_process: int, bare: bool = True,
               single: bool = True) -> dict:
    size = len(items)
    seeds = work / f"corpus-{size}"
    shutil.rmtree(seeds, ignore_errors=True)
    write_corpus(items, seeds)
    words = sum(item.n_words for item in items)
    print(f"[{size} articles, {words:,} words] pipeline ...", flush=True)
    full = pipeline_run(seeds, work / f"out-{size}", work, f"pipeline-{size}", n_process=n_process, cold=True)
    row = {
        "articles": size, "words": words, "n_process": n_process,
        "pipeline_seconds": full["seconds_without_load"],
        "pipeline_articles_per_s": size / full["seconds_without_load"],
        "pipeline_words_per_s": words / full["seconds_without_load"],
        "model_load_seconds": full["model_load_seconds"], "pipeline_wall_seconds": full["wall_seconds"],
        "pipeline_cpu_seconds": full["cpu_seconds"],
        "pipeline_peak_rss_mb": full["peak_rss_mb"], "pipeline_peak_pss_mb": full["peak_pss_mb"],
        "load_average_before_after": {"pipeline": full["load_average"]},
        "pipeline_stage_seconds": full["stages"],
        "articles_failed": full["failed"],
    }
    if bare:
        print(f"[{size} articles] bare nlp.pipe ...", flush=True)
        row.update(bare_fields(bare_run(seeds, work, f"bare-{size}", n_process=n_process), full, size, words))
    if size == INCREMENTAL_SIZE:
        print(f"[{size} articles] incremental run after adding one article ...", flush=True)
        write_corpus([*items, extra], seeds)
        again = pipeline_run(seeds, work / f"out-{size}", work, f"incremental-{size}", n_process=n_process, cold=False)
        assert (again["counts"]["cache"], again["counts"]["processed"]) == (size, 1), again["counts"]
        row.update(incremental_wall_seconds=again["wall_seconds"],
                   incremental_fraction_of_full=again["wall_seconds"] / full["wall_seconds"],
                   incremental_model_load_seconds=again["model_load_seconds"],
                   incremental_cpu_seconds=again["cpu_seconds"],
                   incremental_stage_seconds=again["stages"],
                   incremental_load_average_before_after=again["load_average"])
        print(f"[{size} articles] nlp.pipe of the model as the pipeline loads it (lemmatizer index as sets) ...", flush=True)
        model = bare_run(seeds, work, f"model-{size}", n_process=n_process, indexed=True)
        row.update(model_pipe_seconds=model["pipe_seconds"],
                   ratio_pipeline_to_model=full["seconds_without_load"] / model["pipe_seconds"],
                   cpu_ratio_pipeline_to_model=full["cpu_seconds"] / model["cpu_seconds"])
    if size == INCREMENTAL_SIZE and single:
        print(f"[{size} articles] pipeline in one process ...", flush=True)
        one = pipeline_run(seeds, work / f"out-{size}-1p", work, f"pipeline-{size}-1p", n_process=1, cold=True)
        print(f"[{size} articles] bare nlp.pipe in one process ...", flush=True)
        bare_single = bare_run(seeds, work, f"bare-{size}-1p", n_process=1)
        row.update(pipeline_1process_seconds=one["seconds_without_load"],
                   bare_1process_seconds=bare_single["pipe_seconds"],
                   ratio_1process=one["seconds_without_load"] / bare_single["pipe_seconds"],
                   cpu_ratio_1process=one["cpu_seconds"] / bare_single["cpu_seconds"],
                   speedup_with_processes=one["seconds_without_load"] / full["seconds_without_load"])
    return row


def machine() -> dict:
    return {
        "nproc": usable_cores(), "ram_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1),
        "cpu": platform.processor() or platform.machine(), "python": platform.python_version(),
        "spacy": _version("spacy"), "model": f"{config.SPACY_MODEL} {_version(config.SPACY_MODEL)}",
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def format_rows(rows: list[dict]) -> str:
    lines = ["| articles | words | pipeline art/s | pipeline words/s | bare nlp.pipe words/s | ratio wall (CPU) | peak PSS MB (RSS summed) | incremental +1 |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        incremental = f"{r['incremental_fraction_of_full']:.1%} ({r['incremental_wall_seconds']:.1f} s)" if "incremental_fraction_of_full" in r else ""
        bare = (f"{r['bare_words_per_s']:,.0f} | {r['ratio_pipeline_to_bare']:.2f}× ({r['cpu_ratio_pipeline_to_bare']:.2f}×)"
                if "bare_words_per_s" in r else "not run | ")
        lines.append(f"| {r['articles']:,} | {r['words']:,} | {r['pipeline_articles_per_s']:.1f} | {r['pipeline_words_per_s']:,.0f} |"
                     f" {bare} |"
                     f" {r['pipeline_peak_pss_mb']:,.0f} ({r['pipeline_peak_rss_mb']:,.0f}) | {incremental} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--out", default=str(config.OUT_DIR), help="bench.json goes here; corpora under <out>/bench/")
    parser.add_argument("--n-process", type=int, default=usable_cores())
    parser.add_argument("--bare-max", type=int, default=None,
                        help="run bare nlp.pipe only up to this size (the ratio target is at 1,000); default: every size")
    parser.add_argument("--skip-single", action="store_true",
                        help=f"skip the one-process pipeline and nlp.pipe runs at {INCREMENTAL_SIZE:,} articles")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of other sizes already in bench.json (each row records when it was taken)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    out = Path(args.out)
    work = out / "bench"
    work.mkdir(parents=True, exist_ok=True)

    sequence = list(itertools.islice(articles(read_pool(POOL)), max(sizes) + 1))
    result = {"taken": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "pool": str(POOL.name), "sizes": []}
    for size in sizes:
        row = bench_size(sequence[:size], sequence[size], work, n_process=args.n_process,
                         bare=args.bare_max is None or size <= args.bare_max, single=not args.skip_single)
        row["taken"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        result["sizes"].append(row)
        for leftover in (f"corpus-{size}", f"out-{size}", f"out-{size}-1p"):
            shutil.rmtree(work / leftover, ignore_errors=True)
        written = dict(result, sizes=list(result["sizes"]))
        if args.merge and (out / "bench.json").is_file():  # read again: another run may have added a size since
            earlier = json.loads((out / "bench.json").read_text(encoding="utf-8")).get("sizes", [])
            ours = {r["articles"] for r in result["sizes"]}
            written["sizes"] = sorted([r for r in earlier if r["articles"] not in ours] + result["sizes"],
                                      key=lambda r: r["articles"])
        write_bytes_atomic(json.dumps(written, indent=2).encode("utf-8"), out / "bench.json")  # kept after each size
        print(format_rows(result["sizes"][-1:]), flush=True)
    rows = result["sizes"]
    m = result["machine"]
    print(f"\nmachine: {m['nproc']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, spaCy {m['spacy']}, {m['model']};"
          f" {args.n_process} process(es); model load {rows[0]['model_load_seconds']:.1f} s")
    print(format_rows(rows))
    for r in rows:
        if "ratio_pipeline_to_model" in r:
            print(f"at {r['articles']:,} articles, pipeline / nlp.pipe of the model as the pipeline loads it:"
                  f" {r['ratio_pipeline_to_model']:.2f}x wall ({r['cpu_ratio_pipeline_to_model']:.2f}x CPU)")
    print(f"written to {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
