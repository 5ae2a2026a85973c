"""How fast the crisis-language detector screens a 10,000-character entry, and how well it
does on the labelled evaluation set.

    .venv/bin/python bench/screening.py [--entries 200] [--repeats 5] [--warmup 20]
        [--rules-only]

Entries are built from whole sentences (ordinary journal writing, the evaluation set's hard
negatives, and for one kind a single crisis sentence near the end), then cut at a sentence
boundary and padded to exactly 10,000 characters. Each entry is screened ``--repeats`` times
after ``--warmup`` untimed screenings; wall-clock and CPU times are printed per kind.
The evaluation figures are computed on ``claywork/safety/data/screening_eval.jsonl``. No
Django, no database. The semantic model (``claywork/safety/semantic.py``) is loaded and
warmed before any timing (as at a process's start-up), unless ``--rules-only``. Resident
memory is measured in fresh interpreters (before and after loading the model, and a whole
Django process with it loaded), and the install size of what the model adds. See
bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from claywork.safety import semantic
from claywork.safety.screening import screen_text

ROOT = Path(__file__).resolve().parent.parent
EVALUATION_SET = ROOT / "claywork" / "safety" / "data" / "screening_eval.jsonl"
ENTRY_LENGTH = 10_000
SEED = 20_261_121

# Ordinary integration-journal writing, written for this bench.
ORDINARY = [
    "Walked along the river after the session and noticed how heavy my shoulders felt.",
    "My guide asked what I wanted to carry forward from the journey, and I said patience.",
    "Made lentil soup, called my sister, and read two chapters before bed.",
    "The colours during the infusion were softer this time, mostly blues and greens.",
    "I cried in the car afterwards, but it felt like release rather than sadness.",
    "Work was busy; I forgot to eat lunch and felt scattered by four o'clock.",
    "I want to keep practising the breathing exercise in the mornings.",
    "Slept nine hours and woke up before the alarm for once.",
    "My partner and I talked about the old house and neither of us got defensive.",
    "I noticed the urge to check my phone every few minutes and put it in a drawer.",
    "The integration group met on Thursday; someone brought oranges and we laughed a lot.",
    "I am trying to be gentler with myself when I make mistakes at work.",
    "Mood six out of ten, energy four, anxiety lower than last week.",
    "I keep thinking about the image of the lighthouse from the second session.",
    "Tomorrow I will write the letter to my younger self that my therapist suggested.",
    "The dog needed a long walk, so we went up the hill and watched the sunset.",
]


def evaluation_set() -> list[dict[str, object]]:
    with EVALUATION_SET.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def entry(
    pool: Sequence[str], rng: random.Random, ending: str = "", *, seasoning: Sequence[str] = ()
) -> str:
    """Whole sentences up to 10,000 characters (with ``ending`` last): from ``pool``, and
    one in five from ``seasoning`` when given."""
    budget = ENTRY_LENGTH - len(ending) - 1
    sentences: list[str] = []
    length = 0
    while True:
        sentence = rng.choice(seasoning if seasoning and rng.random() < 0.2 else pool)
        if length + len(sentence) + 1 > budget:
            break
        sentences.append(sentence)
        length += len(sentence) + 1
    text = " ".join(sentences)
    if ending:
        text += " " + ending
    return text + " " * (ENTRY_LENGTH - len(text))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


RULES_ONLY = False


def timed(texts: list[str], repeats: int, warmup: int) -> dict[str, float]:
    for text in texts[:warmup]:
        screen_text(text, rules_only=RULES_ONLY)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        for text in texts:
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            screen_text(text, rules_only=RULES_ONLY)
            wall.append((time.perf_counter() - started_wall) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "screenings": len(wall),
        "p50": statistics.median(wall),
        "p95": percentile(wall, 0.95),
        "max": max(wall),
        "cpu_p95": percentile(cpu, 0.95),
    }


def speed(entries: int, repeats: int, warmup: int) -> None:
    examples = evaluation_set()
    negatives = [str(e["text"]) for e in examples if e["label"] == 0]
    positives = [str(e["text"]) for e in examples if e["label"] == 1]
    rng = random.Random(SEED)
    # Mixed: four in five sentences ordinary writing, one in five a hard negative (an idiom,
    # medical talk, a negation, a past) from the evaluation set.
    kinds: dict[str, Callable[[], str]] = {
        "mixed, nothing to flag": lambda: entry(ORDINARY, rng, seasoning=negatives),
        "mixed, one crisis sentence at the end": lambda: entry(
            ORDINARY, rng, ending=rng.choice(positives), seasoning=negatives
        ),
        "hard negatives only": lambda: entry(negatives, rng),
    }
    print(f"\n{ENTRY_LENGTH:,}-character entries: {entries} per kind, screened {repeats}x each")
    print("| entry | screenings | p50 ms | p95 ms | max ms | CPU p95 ms | flagged |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, build in kinds.items():
        texts = [build() for _ in range(entries)]
        assert all(len(text) == ENTRY_LENGTH for text in texts)
        flagged = sum(screen_text(text, rules_only=RULES_ONLY).flag for text in texts)
        figures = timed(texts, repeats, warmup)
        print(
            f"| {kind} | {figures['screenings']:.0f} | {figures['p50']:.2f} | "
            f"{figures['p95']:.2f} | {figures['max']:.2f} | {figures['cpu_p95']:.2f} | "
            f"{flagged}/{entries} |"
        )


def quality() -> None:
    examples = evaluation_set()
    groups: dict[str, list[dict[str, object]]] = {"all": examples}
    for example in examples:
        note = str(example["note"])
        group = "held out" if "(held out" in note else "development"
        if "(probe" in note:
            group = "probes"
        groups.setdefault(group, []).append(example)
    print(f"\nEvaluation set: {len(examples)} sentences ({EVALUATION_SET.relative_to(ROOT)})")
    print("| sentences | n | TP | FP | FN | TN | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, group in groups.items():
        tp = fp = fn = tn = 0
        for example in group:
            flagged = screen_text(str(example["text"]), rules_only=RULES_ONLY).flag
            if example["label"] == 1:
                tp, fn = tp + flagged, fn + (not flagged)
            else:
                fp, tn = fp + flagged, tn + (not flagged)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(
            f"| {name} | {len(group)} | {tp} | {fp} | {fn} | {tn} | {precision:.3f} | "
            f"{recall:.3f} | {f1:.3f} |"
        )


def machine() -> None:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs ({model}); "
        f"Python {platform.python_version()}; 1-minute load average {load:.2f}"
    )


_RSS_PROBE = """
import os, re
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
if {django}:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    os.environ.setdefault("CLAYWORK_DEMO", "1")
    import django
    django.setup()
    from claywork.safety import screening, semantic
    screening.screen_text("warm up the model. " * 100)
    print(f"{{rss():.0f}} {{rss():.0f}} {{semantic.status()['screening_model']}}")
else:
    from claywork.safety import screening, semantic
    before = rss()
    semantic.load()
    screening.screen_text("warm up the model. " * 100)
    print(f"{{before:.0f}} {{rss():.0f}} {{semantic.status()['screening_model']}}")
"""


def memory() -> None:
    print("\nResident memory (fresh interpreter, MiB)")
    print("| process | before model | with model | model |")
    print("|---|---:|---:|---|")
    for name, django in (("detector alone", False), ("Django process (web)", True)):
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
            [sys.executable, "-c", _RSS_PROBE.format(django=django)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        before, after, state = done.stdout.split()
        print(f"| {name} | {before if not django else '-'} | {after} | {state} |")


def install_size() -> None:
    from importlib import metadata

    def package_bytes(name: str) -> int:
        files = metadata.distribution(name).files or []
        return sum(path.locate().stat().st_size for path in files if path.locate().exists())

    data = sum(path.stat().st_size for path in semantic.DATA.iterdir())
    tokenizers = package_bytes("tokenizers")
    print(
        f"\nInstall size the model adds: tokenizers {tokenizers / 1e6:.1f} MB, model files "
        f"{data / 1e6:.1f} MB ({semantic.DATA.relative_to(ROOT)}); numpy was already there"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rules-only", action="store_true", help="time the rules alone")
    options = parser.parse_args()
    global RULES_ONLY
    RULES_ONLY = options.rules_only
    machine()
    if not RULES_ONLY:
        semantic.load()
        print(f"model: {semantic.status()}")
        install_size()
        memory()
    speed(options.entries, options.repeats, options.warmup)
    quality()
    machine()


if __name__ == "__main__":
    main()
