"""Write ``train_explicit.tsv``: the lexicon's explicit first-person phrases, said now, in
varied sentences, as at-risk training lines (decision 0003, thirteenth round).

    .venv/bin/python scripts/screening_explicit.py [--out PATH] [--lines 480] [--seed 13]

Why: the training files were written to avoid the lexicon's words in at-risk lines, and their
hard negatives (a past, a quote, a clinician's talk) are full of them ("suicidal" is in 63
label-0 training lines and 1 at-risk one; "need to die", "ready to die" in none). So the model
learnt the explicit words as a sign of harmless text and scored "i need to die" 0.011: it
could not be trusted to set aside a rule hit. These lines teach it the plain, present, first-
person phrase; the hard negatives already in training keep teaching the framed ones. Every
line is present and the writer's own: no quote marks, no past marker, no question put to the
writer, no one else's words (those frames are what the negatives carry). Deterministic for a
seed. Training only: never an evaluation file.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "claywork" / "safety" / "data" / "corpus" / "train_explicit.tsv"

# (category, phrase) in the first person and the present: the lexicon's explicit words.
PHRASES = {
    "active_ideation": [
        "i want to die",
        "i need to die",
        "i'm ready to die",
        "i wanna die",
        "i just want to die",
        "i want to kill myself",
        "i want to end my life",
        "i want to end it all",
        "i feel suicidal",
        "i am suicidal",
        "i'm so suicidal",
        "i'm having suicidal thoughts",
        "i keep thinking about killing myself",
        "i can't stop thinking about suicide",
        "i'm thinking about ending it",
        "i want to be dead",
        "i deserve to die",
        "i can't wait to die",
        "i want to unalive myself",
        "kms fr",
        "i want to take my own life",
        "i keep fantasizing about dying",
        "suicide feels like the only way out",
        "i'm done, i want to die",
    ],
    "passive_ideation": [
        "i wish i was dead",
        "i wish i were never born",
        "i don't want to wake up tomorrow",
        "i hope i don't wake up",
        "i don't want to live anymore",
        "i don't want to be alive",
        "i want to stop existing",
        "i want to disappear forever",
        "i want to go to sleep and never wake up",
        "everyone would be better off if i was dead",
        "i pray for death every night",
        "please just let me die",
    ],
    "intent": [
        "i'm going to kill myself",
        "i'm going to end my life",
        "i'm going to end it tonight",
        "i will kill myself",
        "i'm gonna kms",
        "i'm going to take my own life",
        "i'm about to end it all",
        "i'm going to overdose",
        "i'll be dead by morning",
    ],
    "self_harm": [
        "i want to cut myself",
        "i need to hurt myself",
        "i'm going to cut myself",
        "i keep hurting myself",
        "i want to burn myself",
        "i'm cutting myself again",
        "i want to harm myself",
    ],
}

OPENERS = [
    "",
    "honestly ",
    "right now ",
    "tonight ",
    "today ",
    "i can't lie anymore, ",
    "every single day ",
    "ngl ",
    "after the fight with my mom ",
    "i'm at work and ",
    "it's 3am and ",
    "nobody knows this but ",
    "i'm tired of pretending, ",
    "lately ",
    "this week ",
    "i'm scared because ",
    "i'm sitting in my car and ",
    "since the breakup ",
    "no matter what i do ",
    "i keep telling myself to hold on but ",
    "i'm so tired. ",
    "writing this down so it's real: ",
    "i have to say it: ",
    "the pain won't stop and ",
]

CLOSERS = [
    "",
    ".",
    "!",
    "...",
    " and i mean it.",
    " and nobody knows.",
    " and i'm so tired.",
    ". i can't keep going.",
    " tonight.",
    " right now.",
    ". i'm not okay.",
    " and i don't know what to do.",
    ". nothing helps anymore.",
    ". i'm scared of myself.",
    " and it won't go away.",
    ". please someone help.",
    ". i'm serious this time.",
    " so bad.",
    " more than anything.",
    ". i have a plan.",
]


def _styled(text: str, rng: random.Random) -> str:
    """Sentence case, lowercase or a fragment, as the writers write."""
    roll = rng.random()
    if roll < 0.45:
        return text[:1].upper() + text[1:].replace(" i ", " I ").replace(" i'", " I'")
    if roll < 0.75:
        return text
    return text.rstrip(".!").replace("i'm ", "im ").replace("don't", "dont")


def lines(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible sentences, not secrets
    pool = [(category, phrase) for category, phrases in PHRASES.items() for phrase in phrases]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    # Every phrase at least twice, then drawn at random.
    order = pool * 2 + [rng.choice(pool) for _ in range(max(count - 2 * len(pool), 0))]
    for category, phrase in order:
        for _ in range(20):
            text = _styled(rng.choice(OPENERS) + phrase + rng.choice(CLOSERS), rng)
            if text.lower() not in seen:
                seen.add(text.lower())
                out.append((category, text))
                break
    return out[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--lines", type=int, default=480)
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    with options.out.open("w", encoding="utf-8") as handle:
        for category, text in lines(options.lines, options.seed):
            handle.write(f"1\t{text}\t{category}\texplicit\n")
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
