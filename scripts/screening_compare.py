"""Score the crisis screen's files with one model and judge a candidate by the keep-rule.

    # in the tree whose model is to be scored (the model lives in claywork/safety/data/semantic)
    PYTHONPATH=. .venv/bin/python scripts/screening_compare.py score --out e71.json
    .venv/bin/python scripts/screening_compare.py compare e71.json candidate.json [...]

``score`` runs the whole screen (rules, then the model: ``screening.screen_text``) on dev,
the held-out pool and the regression set (``screening_eval.jsonl`` read as label and text)
and writes, per file, every line's label, category, fourth column, level and the layer that
flagged it. ``compare`` prints, per file, at-risk lines flagged, false alarms and the
crisis-kind lines' share at level crisis (of those flagged; crisis-kind: an at-risk category
that is not hopelessness, burden or no future), then decision 0003's keep-rule against the
first file (the shipped model) for each of the others:

(a) pooled over the held-outs: at-risk flagged >= base + 5 and false alarms <= base + 2, or
    false alarms <= base - 6 and at-risk flagged >= base (the eleventh round's rule: no loss;
    the tenth allowed base - 1);
(b) the regression set: >= 352/353 flagged, <= 28/329 false alarms;
(c) no dev category loses more than 1 at-risk line; dev false alarms up by at most 1;
(d) the crisis-kind share drops by at most 0.02 on every held-out file;
(e) the safety probe ``tests/data/veto_probe.tsv`` (at-risk lines with an explicit crisis word
    and a cue, written for the rule veto, never trained on): no at-risk line the base flags
    is lost.

``score --rule-veto X`` scores with the model's ``rule_veto`` set to X (decision 0003,
eleventh round) instead of the value in heads.json; ``--rule-veto-bare X`` and ``--concern X``
the same for the veto without a cue and the concern threshold (thirteenth round).

``breakdown`` prints one scored model's misses and false alarms per layer, category and style.
It never reads anything but the files named here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "claywork" / "safety" / "data" / "corpus"
REGRESSION = ROOT / "claywork" / "safety" / "data" / "screening_eval.jsonl"
PROBE = ROOT / "tests" / "data" / "veto_probe.tsv"
POOL = [
    "held_out.tsv",
    "held_out_fresh.tsv",
    "held_out_fresh2.tsv",
    "blind_fresh4.tsv",
    "blind_fresh7.tsv",
    "blind_fresh8.tsv",
    "blind_fresh9.tsv",
    "blind_fresh10.tsv",
    "blind_fresh11.tsv",
    "blind_fresh12.tsv",
    "held_out_fresh30.tsv",
    "held_out_fresh30b.tsv",
    "held_out_fresh31.tsv",
    "held_out_short31.tsv",
    "held_out_fresh31b.tsv",
    # stop 33: blind_fresh27-44 went 70% into G2's training; the 30% never trained on
    "held_out_fresh33.tsv",
    # stop 34: blind_fresh45-60 went 70% into the heads; the 30% never trained on
    "held_out_fresh35.tsv",
    # stop 35: blind_fresh61-72 went 70% into N1's heads; the 30% never trained on
    "held_out_fresh36.tsv",
    # stop 35: blind_fresh73-76 went 70% into O1's heads; the 30% never trained on
    "held_out_fresh37.tsv",
    # stop 36: blind_fresh77-88 went 70% into R1's heads; the 30% never trained on
    "held_out_fresh38.tsv",
    # stop 36: rounds R's to T's judges (each read after its round)
    *(f"blind_fresh{number}.tsv" for number in range(89, 101)),
]
CONCERN_KIND = ("hopeless", "burden", "no_future", "no future", "future", "warning")


def crisis_kind(category: str) -> bool:
    return not any(word in category.lower() for word in CONCERN_KIND)


def read_lines(name: str) -> list[tuple[int, str, str, str]]:
    if name == "regression":
        out = []
        for line in REGRESSION.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((int(row["label"]), row["text"], "", ""))
        return out
    out = []
    path = PROBE if name == "veto_probe" else CORPUS / name
    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) < 2 or columns[0].strip() not in ("0", "1"):
            continue
        category = columns[2].strip() if len(columns) > 2 else ""
        style = columns[3].strip() if len(columns) > 3 else ""
        out.append((int(columns[0]), columns[1], category, style))
    return out


def score(
    out: Path,
    names: list[str],
    rule_veto: float | None = None,
    wide: bool = False,
    rule_veto_bare: float | None = None,
    concern: float | None = None,
) -> None:
    sys.path.insert(0, str(ROOT))
    from claywork.safety import semantic
    from claywork.safety.screening import MODEL_REASON, screen_text

    if wide:
        from claywork.safety import screening

        screening.WIDE_VETO_CUES = True
    changes = {
        name: value
        for name, value in (
            ("rule_veto", rule_veto),
            ("rule_veto_bare", rule_veto_bare),
            ("concern", concern),
        )
        if value is not None
    }
    if changes:
        model = semantic.model()
        if model is None:
            raise SystemExit("--rule-veto, --rule-veto-bare and --concern need the model")
        model.thresholds = dataclasses.replace(model.thresholds, **changes)

    scored: dict[str, list[dict[str, object]]] = {}
    for name in names:
        rows = []
        for label, text, category, style in read_lines(name):
            result = screen_text(text)
            layer = "model" if result.reason.startswith(MODEL_REASON) else "rules"
            rows.append(
                {
                    "label": label,
                    "text": text,
                    "category": category,
                    "style": style,
                    "level": result.level,
                    "layer": layer if result.level != "none" else "",
                }
            )
        scored[name] = rows
        print(name, summary(rows), file=sys.stderr)
    out.write_text(json.dumps(scored), encoding="utf-8")


def summary(rows: list[dict]) -> tuple[int, int, float]:
    """(at-risk flagged, false alarms, crisis-kind share at level crisis of those flagged)."""
    hits = sum(r["label"] == 1 and r["level"] != "none" for r in rows)
    alarms = sum(r["label"] == 0 and r["level"] != "none" for r in rows)
    kind = [
        r for r in rows if r["label"] == 1 and r["level"] != "none" and crisis_kind(r["category"])
    ]
    share = sum(r["level"] == "crisis" for r in kind) / max(len(kind), 1)
    return hits, alarms, round(share, 3)


def per_category(rows: list[dict]) -> Counter:
    return Counter(r["category"] for r in rows if r["label"] == 1 and r["level"] != "none")


def judge(base: dict, candidate: dict) -> dict[str, object]:
    pool_base = [summary(base[n]) for n in POOL if n in base]
    pool_cand = [summary(candidate[n]) for n in POOL if n in candidate]
    hits = sum(s[0] for s in pool_cand) - sum(s[0] for s in pool_base)
    alarms = sum(s[1] for s in pool_cand) - sum(s[1] for s in pool_base)
    a = (hits >= 5 and alarms <= 2) or (alarms <= -6 and hits >= 0)
    reg_hits, reg_alarms, _ = summary(candidate["regression"])
    b = reg_hits >= 352 and reg_alarms <= 28
    base_dev, cand_dev = per_category(base["dev.tsv"]), per_category(candidate["dev.tsv"])
    worst = min((cand_dev[c] - base_dev[c] for c in base_dev | cand_dev), default=0)
    dev_alarms = summary(candidate["dev.tsv"])[1] - summary(base["dev.tsv"])[1]
    c = worst >= -1 and dev_alarms <= 1
    drops = {n: summary(base[n])[2] - summary(candidate[n])[2] for n in POOL if n in candidate}
    worst_file = max(drops, key=drops.get)
    d = all(drop <= 0.02 + 1e-9 for drop in drops.values())
    lost = probe_lost(base, candidate)
    e = lost == 0
    failed = ",".join(p for p, ok in zip("abcde", (a, b, c, d, e), strict=True) if not ok)
    return {
        "a": f"{hits:+d}, {alarms:+d}",
        "b": f"{reg_hits}/353, {reg_alarms}/329",
        "c": f"{worst:+d}, {dev_alarms:+d}",
        "d": f"{drops[worst_file]:.3f} ({worst_file.removesuffix('.tsv')})",
        "e": f"{lost} lost" if lost >= 0 else "not scored",
        "verdict": "passes" if not failed else f"fails {failed}",
    }


def probe_lost(base: dict, candidate: dict) -> int:
    """At-risk probe lines the base flags and the candidate does not (-1: not scored)."""
    if "veto_probe" not in base or "veto_probe" not in candidate:
        return -1
    flagged = {r["text"] for r in candidate["veto_probe"] if r["level"] != "none"}
    return sum(
        r["label"] == 1 and r["level"] != "none" and r["text"] not in flagged
        for r in base["veto_probe"]
    )


def compare(paths: list[Path]) -> None:
    models = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    names = ["dev.tsv", *POOL, "regression"]
    names += ["veto_probe"] if all("veto_probe" in scored for _, scored in models) else []
    print(
        "| model | "
        + " | ".join(n.removesuffix(".tsv") for n in names)
        + " | pooled [label 0 at level crisis] |"
    )
    print("|---" * (len(names) + 2) + "|")
    for label, scored in models:
        cells = []
        for name in names:
            hits, alarms, share = summary(scored[name])
            cells.append(f"{hits}, {alarms} ({share:.2f})")
        pool = [summary(scored[n]) for n in POOL]
        told = sum(r["label"] == 0 and r["level"] == "crisis" for n in POOL for r in scored[n])
        cells.append(f"{sum(s[0] for s in pool)}, {sum(s[1] for s in pool)} [{told}]")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print(
        "| model | (a) pooled vs base | (b) regression | (c) worst dev category, dev FA"
        " | (d) largest drop | (e) probe | verdict |"
    )
    print("|---|---|---|---|---|---|---|")
    base = models[0][1]
    for label, scored in models[1:]:
        verdict = judge(base, scored)
        print(f"| {label} | " + " | ".join(str(v) for v in verdict.values()) + " |")


def breakdown(path: Path, names: list[str]) -> None:
    scored = json.loads(path.read_text(encoding="utf-8"))
    for name in names or POOL:
        rows = scored[name]
        misses = [r for r in rows if r["label"] == 1 and r["level"] == "none"]
        alarms = [r for r in rows if r["label"] == 0 and r["level"] != "none"]
        print(f"== {name}: {len(misses)} misses, {len(alarms)} false alarms")
        print("  misses by category:", dict(Counter(r["category"] for r in misses)))
        print("  misses by style:", dict(Counter(r["style"] for r in misses)))
        print("  FA by layer:", dict(Counter(r["layer"] for r in alarms)))
        by: dict[str, Counter] = defaultdict(Counter)
        for r in alarms:
            by[r["layer"]][r["category"]] += 1
        for layer, counts in by.items():
            print(f"  FA {layer} by category:", dict(counts))
        print("  FA by style:", dict(Counter(r["style"] for r in alarms)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser("score")
    scoring.add_argument("--out", type=Path, required=True)
    scoring.add_argument("--file", action="append", default=None)
    scoring.add_argument("--rule-veto", type=float, default=None)
    scoring.add_argument("--rule-veto-bare", type=float, default=None)
    scoring.add_argument("--concern", type=float, default=None)
    scoring.add_argument("--wide-cues", action="store_true")
    comparing = commands.add_parser("compare")
    comparing.add_argument("scored", type=Path, nargs="+")
    breaking = commands.add_parser("breakdown")
    breaking.add_argument("scored", type=Path)
    breaking.add_argument("--file", action="append", default=[])
    options = parser.parse_args()
    if options.command == "score":
        names = options.file or ["dev.tsv", *POOL, "regression", "veto_probe"]
        score(
            options.out,
            names,
            options.rule_veto,
            options.wide_cues,
            options.rule_veto_bare,
            options.concern,
        )
    elif options.command == "compare":
        compare(options.scored)
    else:
        breakdown(options.scored, options.file)


if __name__ == "__main__":
    main()
