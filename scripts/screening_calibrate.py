"""Choose the crisis screen's thresholds for the shipped heads, bounding false alarms.

    .venv/bin/python scripts/screening_calibrate.py \\
        --train claywork/safety/data/corpus/train.tsv --dev claywork/safety/data/corpus/dev.tsv

``scripts/screening_train.py`` trains the heads and, recall first, chose a concern threshold
of 0.10: dev recall 0.969, but 31% of dev's hard negatives flagged, and every long ordinary
entry in the bench flagged (each of its many sentences is another chance). A review item on
most entries is a queue nobody reads, so this script replaces that choice (decision 0003):

1. it stores the scores of every ordinary (label-0) window of dev and of
   ``ordinary_extra.tsv`` (text the heads were not trained on: the training windows
   themselves score near zero, being fitted; so ``ordinary_extra.tsv`` is left out when
   ``heads.json`` says the heads were trained on it, as they are since the second round of
   issue 11), and of ``ordinary_windows.tsv`` (stop 36: 1,200 harmless lines written for
   this alone, never trained on) in ``heads.json`` (``ordinary_windows``), from which
   ``SemanticModel.limits_for`` raises the thresholds for a text of many windows, so a long
   entry is about as likely to be flagged by chance as a short one;
2. ``concern``: the lowest threshold (0.05 steps) at which at most ``--max-false-alarms``
   (default 0.12) of dev's label-0 lines are flagged at either level — then as much recall
   as that allows;
3. ``crisis``: the lowest threshold, not below ``--crisis-floor`` (default 0.9; 0.99 since the
   third round of issue 11: on dev 0.98 and 0.99 gave the same figures, and 0.98 flagged
   more of the bench's long entries made only of hard negatives), at which the model adds at most
   ``--crisis-alarms-over-rules`` (default 0.005) of dev's label-0 lines at level crisis to
   what the rules alone already flag there; ``cleared`` is the higher of ``--cleared``
   (default 0.95) and ``crisis``.

``--cleared-concern`` (stop 28) sets, never chooses, the risk-head score from which a sentence
set aside only by its shape (``screening._model_cue``) is flagged. It leaves the heads as
trained and prints the dev figures for the thresholds chosen. ``--rule-veto`` (eleventh round)
sets, never chooses, the score under which the model sets aside a rule hit that carries a cue
(``screening._veto_cue``); the dev figures printed here do not apply it (0.0: never).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claywork.safety import screening, semantic  # noqa: E402
from scripts.screening_train import (  # noqa: E402
    CUE,
    Example,
    cleared_kind,
    is_concern_category,
    read_tsv,
)


def scored(model: semantic.SemanticModel, example: Example) -> tuple[bool, list[tuple]]:
    """The rules' verdict and, per chunk, its windows' (risk, crisis, cleared) scores."""
    chunks = []
    for start, end in screening._chunks(example.text):
        chunk = example.text[start:end]
        document = screening._Document(chunk, chunk.lower().translate(screening._STRAIGHT))
        verdict, cleared = screening._rules_pass(document)
        if verdict.flag:
            return True, []
        chunks.append(
            [
                (score.risk, score.crisis, cleared_kind(cleared, document.index_of(score.start)))
                for score in model.score_spans(document.lowered, document.spans())
            ]
        )
    return False, chunks


def level(model: semantic.SemanticModel, rules_flag: bool, chunks: list[list[tuple]]) -> str:
    """The same decision as ``screening._screen_chunk``, on cached scores."""
    if rules_flag:
        return screening.CRISIS
    found = screening.NO_LEVEL
    for windows in chunks:
        limits = model.limits_for(len(windows))
        for risk, crisis, was_cleared in windows:
            if was_cleared and crisis < limits.cleared:
                if was_cleared == CUE and risk >= limits.cleared_concern:
                    if crisis >= limits.crisis_when_flagged:
                        return screening.CRISIS
                    found = screening.CONCERN
                continue
            flagged = not was_cleared and risk >= limits.concern
            if crisis >= limits.crisis or (flagged and crisis >= limits.crisis_when_flagged):
                return screening.CRISIS
            if flagged:
                found = screening.CONCERN
    return found


def figures(model, cached) -> dict[str, float]:
    levels = [(example.label, level(model, *scores)) for example, scores in cached]
    tp = sum(label == 1 and lv != screening.NO_LEVEL for label, lv in levels)
    fp = sum(label == 0 and lv != screening.NO_LEVEL for label, lv in levels)
    positives = sum(label == 1 for label, _ in levels)
    negatives = len(levels) - positives
    crisis_kind = [
        lv
        for (example, _), (_, lv) in zip(cached, levels, strict=True)
        if example.label == 1 and not is_concern_category(example.category)
    ]
    return {
        "crisis_level_recall": sum(lv == screening.CRISIS for lv in crisis_kind)
        / max(len(crisis_kind), 1),
        "recall": tp / max(positives, 1),
        "precision": tp / max(tp + fp, 1),
        "false_alarm_rate": fp / max(negatives, 1),
        "crisis_false_alarm_rate": sum(
            label == 0 and lv == screening.CRISIS for label, lv in levels
        )
        / max(negatives, 1),
    }


def calibrate(
    model: semantic.SemanticModel,
    dev: list[Example],
    unseen_ordinary: list[Example],
    max_false_alarms: float,
    crisis_alarms_over_rules: float,
    cleared: float | None = None,
    crisis_floor: float = 0.9,
    crisis_level_recall: float = 0.80,
    max_crisis_false_alarms: float = 0.04,
    fixed_concern: float | None = None,
    fixed_when_flagged: float | None = None,
    cleared_concern: float = 1.01,
    rule_veto: float = 0.0,
    rule_veto_bare: float = 0.0,
) -> dict[str, float]:
    """Set the model's ordinary-window scores and thresholds from dev; return dev figures.

    ``fixed_concern`` holds the concern threshold where it is instead of choosing it by the
    false-alarm cap; crisis, cleared and a flagged line's level are still chosen.
    ``fixed_when_flagged`` holds a flagged line's level threshold (``crisis_when_flagged``)
    the same way: extra training data move the crisis head's scores, and the search below
    would then move which flagged plans reach the care team as alerts.
    ``cleared_concern`` (stop 28) is set as given, never chosen: the risk-head score from
    which a sentence the rules cleared is told at level concern (1.01: never).
    """
    ordinary: dict[str, list[float]] = {"risk": [], "crisis": []}
    for example in unseen_ordinary:
        if example.label != 0:
            continue
        _, chunks = scored(model, example)
        for windows in chunks:
            for risk, crisis, was_cleared in windows:
                if not was_cleared:
                    ordinary["risk"].append(risk)
                    ordinary["crisis"].append(crisis)
    model.ordinary_risk = np.sort(np.asarray(ordinary["risk"], dtype=np.float32))
    model.ordinary_crisis = np.sort(np.asarray(ordinary["crisis"], dtype=np.float32))
    cached = [(example, scored(model, example)) for example in dev]
    rules_only = sum(example.label == 0 and flag for example, (flag, _) in cached) / max(
        sum(example.label == 0 for example, _ in cached), 1
    )
    base_cleared = model.thresholds.cleared if cleared is None else cleared
    grid = [round(value, 2) for value in np.arange(0.05, 1.0, 0.05)]
    concern = grid[-1] if fixed_concern is None else fixed_concern
    for threshold in grid if fixed_concern is None else []:
        model.thresholds = semantic.Thresholds(crisis=1.01, concern=threshold, cleared=1.01)
        if figures(model, cached)["false_alarm_rate"] <= max_false_alarms:
            concern = threshold
            break
    crisis = 0.99
    for threshold in [round(0.5 + 0.01 * step, 2) for step in range(50)]:
        if threshold < max(concern, crisis_floor):
            continue
        model.thresholds = semantic.Thresholds(
            crisis=threshold, concern=concern, cleared=max(base_cleared, threshold)
        )
        extra = figures(model, cached)["crisis_false_alarm_rate"] - rules_only
        if extra <= crisis_alarms_over_rules:
            crisis = threshold
            break
    # A flagged sentence's level, recall first: the highest crisis-head score at which dev's
    # ideation, plan, means, intent, preparation, attempt, self-harm and harm lines reach
    # level crisis at least ``crisis_level_recall`` of the time (a plan told to the care team
    # as a low-priority review item is a triage error), while dev's label-0 lines told at
    # level crisis stay within ``max_crisis_false_alarms``. Which lines are flagged does not
    # change.
    when_flagged = crisis if fixed_when_flagged is None else fixed_when_flagged
    steps = range(100) if fixed_when_flagged is None else range(0)
    for threshold in [round(crisis - 0.01 * step, 2) for step in steps]:
        if threshold < concern:
            break
        model.thresholds = semantic.Thresholds(
            crisis=crisis,
            concern=concern,
            cleared=max(base_cleared, crisis),
            crisis_when_flagged=threshold,
        )
        result = figures(model, cached)
        if result["crisis_false_alarm_rate"] > max_crisis_false_alarms:
            break
        when_flagged = threshold
        if result["crisis_level_recall"] >= crisis_level_recall:
            break
    model.thresholds = semantic.Thresholds(
        crisis=crisis,
        concern=concern,
        cleared=max(base_cleared, crisis),
        crisis_when_flagged=when_flagged,
        cleared_concern=cleared_concern,
        rule_veto=rule_veto,
        rule_veto_bare=rule_veto_bare,
    )
    return figures(model, cached)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument(
        "--ordinary",
        type=Path,
        action="append",
        default=None,
        help="label-0 text the heads were not trained on, for the long-text limits"
        " (default: ordinary_extra.tsv and ordinary_windows.tsv beside dev)",
    )
    parser.add_argument("--max-false-alarms", type=float, default=0.12)
    parser.add_argument("--crisis-alarms-over-rules", type=float, default=0.005)
    parser.add_argument(
        "--crisis-level-recall",
        type=float,
        default=0.80,
        help="share of dev's crisis-kind lines (not hopelessness, burden, no future) that a"
        " flagged sentence's level must tell as crisis",
    )
    parser.add_argument(
        "--max-crisis-false-alarms",
        type=float,
        default=0.04,
        help="the most of dev's label-0 lines told at level crisis",
    )
    parser.add_argument("--cleared", type=float, default=0.95)
    parser.add_argument(
        "--crisis-floor",
        type=float,
        default=0.9,
        help="the crisis threshold is not chosen below this (0.99 since the third round)",
    )
    parser.add_argument(
        "--concern",
        type=float,
        default=None,
        help="hold the concern threshold at this value instead of choosing it by"
        " --max-false-alarms (stop 27: extra training lines raise dev's label-0 scores, so"
        " the cap alone would move it)",
    )
    parser.add_argument(
        "--crisis-when-flagged",
        type=float,
        default=None,
        help="hold a flagged line's level threshold at this value instead of choosing it by"
        " --crisis-level-recall (stop 27: kept at the shipped 0.71 when retraining)",
    )
    parser.add_argument(
        "--cleared-concern",
        type=float,
        default=1.01,
        help="the risk-head score from which a sentence the rules cleared is told at level"
        " concern (stop 28; default 1.01: never, as before)",
    )
    parser.add_argument(
        "--rule-veto",
        type=float,
        default=0.0,
        help="the model's score under which a rule hit with a cue is set aside (eleventh"
        " round; default 0.0: never)",
    )
    parser.add_argument(
        "--rule-veto-bare",
        type=float,
        default=0.0,
        help="the veto model's score under which a rule hit without a cue is set aside"
        " (thirteenth round; default 0.0: never)",
    )
    options = parser.parse_args()
    model = semantic.SemanticModel.from_directory()
    spec = json.loads((semantic.DATA / "heads.json").read_text(encoding="utf-8"))
    dev = read_tsv(options.dev)
    # ordinary_windows.tsv (stop 36) is harmless writing kept for this alone, never trained
    # on: dev's few hundred ordinary windows left the tail's top, which caps the raise for a
    # long entry, to chance from one retrain to the next.
    ordinary_paths = options.ordinary or [
        options.dev.parent / name for name in ("ordinary_extra.tsv", "ordinary_windows.tsv")
    ]
    # Text the heads were trained on scores near zero (fitted): it would not show how often
    # an ordinary window passes by chance.
    ordinary_paths = [path for path in ordinary_paths if path.name not in spec["trained_on"]]
    unseen = dev + [example for path in ordinary_paths for example in read_tsv(path)]
    result = calibrate(
        model,
        dev,
        unseen,
        options.max_false_alarms,
        options.crisis_alarms_over_rules,
        cleared=options.cleared,
        crisis_floor=options.crisis_floor,
        crisis_level_recall=options.crisis_level_recall,
        max_crisis_false_alarms=options.max_crisis_false_alarms,
        fixed_concern=options.concern,
        fixed_when_flagged=options.crisis_when_flagged,
        cleared_concern=options.cleared_concern,
        rule_veto=options.rule_veto,
        rule_veto_bare=options.rule_veto_bare,
    )
    limits = model.thresholds
    print(json.dumps({"thresholds": limits.__dict__, "dev": result}, indent=1))
    target = semantic.DATA / "heads.json"
    spec["thresholds"] = limits.__dict__
    concern_policy = (
        f"concern held at {options.concern}"
        if options.concern is not None
        else f"dev false alarms <= {options.max_false_alarms}"
    )
    level_policy = (
        f"held at {options.crisis_when_flagged}"
        if options.crisis_when_flagged is not None
        else f"dev's crisis-kind lines at level crisis >= {options.crisis_level_recall}, "
        f"dev's label-0 lines at level crisis <= {options.max_crisis_false_alarms}"
    )
    spec["thresholds_policy"] = (
        f"scripts/screening_calibrate.py: {concern_policy}, "
        f"crisis-level false alarms over the rules' <= {options.crisis_alarms_over_rules}, "
        f"crisis not below {options.crisis_floor}; a flagged line's level: {level_policy}"
        + (
            f"; a sentence the rules cleared: concern from risk {options.cleared_concern}"
            if options.cleared_concern <= 1.0
            else ""
        )
        + (
            f"; a rule hit with a cue set aside under {options.rule_veto}"
            if options.rule_veto > 0.0
            else ""
        )
        + (
            f"; a rule hit without a cue set aside under {options.rule_veto_bare} by the veto model"
            if options.rule_veto_bare > 0.0
            else ""
        )
    )
    spec["dev"] = result
    spec["ordinary_windows_from"] = ["dev"] + [path.name for path in ordinary_paths]
    spec["ordinary_windows"] = {
        name: [round(float(value), 4) for value in np.sort(values)]
        for name, values in (("risk", model.ordinary_risk), ("crisis", model.ordinary_crisis))
    }
    target.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
