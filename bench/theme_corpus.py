"""A synthetic, labelled journal corpus for the themes pipeline (all sentences our own).

Three patients, each with 6 sessions and 30 entries. Each patient has planted themes that run
across the course, one-off distractors that stay inside a single session (a car repair, a
move), and everyday filler. ``tests/data/themes/`` holds the written-out files; regenerate with

    .venv/bin/python bench/theme_corpus.py

``synthetic_patient(seed, entries)`` builds larger journals for the speed benchmark, in
varied words. ``planted_corpus(seed)`` builds the quality bench of ``bench/themes.py seeds``:
3 patients x 40 entries, 8 planted themes in varied words, repeated filler lines with
near-same variants, one-off events inside one session; ``TUNING_SEEDS`` chose the thresholds,
``HELD_OUT_SEEDS`` report them.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes"

# Each theme: the words that identify it (for scoring) and sentences that carry it.
THEMES: dict[str, dict[str, Any]] = {
    "ocean": {
        "markers": ["ocean", "waves", "shore", "tide", "salt", "sea"],
        "sentences": [
            "The ocean came back, wide and grey, and the waves kept rolling towards the shore.",
            "I stood at the shore again in my mind, with salt on my lips and the tide going out.",
            "Those waves felt like breathing, the whole sea moving in and out.",
            "There was an ocean under everything, and I was not afraid of the waves this time.",
            "I drew the shore and the tide line with blue pencils after dinner.",
            "The smell of salt and sea air stayed with me into the afternoon.",
            "When the tide turned in the vision, something in me turned with it.",
            "I keep returning to the ocean, the waves breaking and breaking on the shore.",
        ],
    },
    "father": {
        "markers": ["father", "dad", "workshop", "forgiveness", "forgive"],
        "sentences": [
            "My father was there, standing in his workshop with sawdust on his sleeves.",
            "I heard my dad's voice and for once it did not sound angry.",
            "Forgiveness for my father still feels far away, but closer than it was.",
            "The workshop smelled of oil and pine, as when I was small and dad worked late.",
            "I wrote my father a letter I will not send, about forgiveness and the workshop.",
            "Dad never said he was proud, and I wonder whether I can forgive that.",
            "I pictured my father's hands, rough from the workshop, resting still.",
            "Maybe forgiveness is less about my dad and more about putting the weight down.",
        ],
    },
    "control": {
        "markers": ["falling", "control", "letting", "holding", "grip", "fall"],
        "sentences": [
            "I felt myself falling and I tried to keep control, then I let the falling happen.",
            "Letting go of control is the hardest part; my grip tightens without my asking.",
            "The fear of falling was strong, and holding on made it worse.",
            "I noticed my grip on the armrest and practised letting go, finger by finger.",
            "Control has kept me safe for years, and now it keeps me small.",
            "In the dream I was falling slowly, and holding on was not needed.",
            "Letting go at work today, small things, no need to control every reply.",
            "My body remembers the falling, but it also remembers landing softly.",
        ],
    },
    "forest": {
        "markers": ["forest", "roots", "trees", "moss", "branches", "tree"],
        "sentences": [
            "I walked through a forest of tall trees and their roots went down forever.",
            "The moss was soft under my feet and the trees leaned over me like a roof.",
            "Roots kept appearing, thick roots holding the forest floor together.",
            "I sat against a tree in the park and felt its roots under me.",
            "The forest in the vision was dark green and completely quiet, moss on every branch.",
            "Branches moving overhead, trees breathing, roots in the dark earth.",
            "I want to grow roots like those trees, slow and deep.",
            "A forest walk on Sunday brought the whole vision back, the moss and the branches.",
        ],
    },
    "shame": {
        "markers": ["shame", "critic", "harsh", "voice", "ashamed"],
        "sentences": [
            "The inner critic was loud again, a harsh voice telling me I am too much.",
            "Shame sits in my stomach when I make a mistake in front of others.",
            "I answered the harsh voice this time and it went quieter.",
            "So much shame about needing help, and the critic saying I should manage alone.",
            "I noticed the critic's voice sounds like an old teacher, harsh and tired.",
            "Writing the shame down takes some of its power away.",
            "I felt ashamed after the meeting, and then I was kind to myself about the shame.",
            "That harsh inner voice is not the truth, just a habit of the critic.",
        ],
    },
    "daughter": {
        "markers": ["daughter", "pickup", "school", "laugh", "her"],
        "sentences": [
            "My daughter laughed at breakfast and I was fully there for it.",
            "At school pickup my daughter ran to me and I did not check my phone.",
            "I want to be more present for my daughter than my parents were for me.",
            "Her laugh in the car after school is the best part of my day.",
            "My daughter asked why I seem lighter lately, and I did not know what to say.",
            "Reading to my daughter at bedtime, her head on my shoulder.",
            "I was short with my daughter at pickup and apologised later; she hugged me.",
            "Watching my daughter draw, I remembered how I used to draw too.",
        ],
    },
    "light": {
        "markers": ["light", "sunlight", "golden", "warmth", "glow", "sun"],
        "sentences": [
            "A golden light filled everything and the warmth stayed in my chest.",
            "Sunlight through the kitchen window reminded me of the glow in the session.",
            "The light was so warm, like sun on closed eyelids.",
            "I keep seeing that golden glow whenever I close my eyes.",
            "Warmth and light, and a feeling of being held by the sun.",
            "I sat in the sunlight on the balcony and let the warmth in.",
            "The glow faded slowly, leaving a golden edge on the day.",
            "Light again, golden and soft, the same warmth as before.",
        ],
    },
    "grief": {
        "markers": ["grief", "grandmother", "loss", "funeral", "mourning", "grandma"],
        "sentences": [
            "Grief for my grandmother came up like a wave I had been holding back.",
            "I thought about her funeral and how I did not cry there.",
            "The loss of my grandmother still feels unfinished, the grief unspoken.",
            "My grandmother's hands, her kitchen, the smell of her bread: grief is in the details.",
            "I let myself cry for the loss today; mourning takes its own time.",
            "I visited my grandma's grave and talked to her about the funeral.",
            "Grief is softer now, less a weight and more a companion.",
            "The loss showed up in the session as an empty chair at my grandmother's table.",
        ],
    },
    "body": {
        "markers": ["breathing", "chest", "tension", "shoulders", "breath", "jaw"],
        "sentences": [
            "My breathing slowed and the tension in my chest finally let go.",
            "I noticed tension in my shoulders and jaw while reading the news.",
            "A body scan before bed: chest tight, shoulders up by my ears, breathing shallow.",
            "The breath moved all the way down and my shoulders dropped.",
            "Tension lives in my jaw; I unclenched it three times during the call.",
            "Breathing into the chest, counting four in and six out.",
            "My shoulders felt lighter after the walk, less tension everywhere.",
            "Chest tight again this afternoon, so I sat and followed my breathing.",
        ],
    },
    "work": {
        "markers": ["deadline", "manager", "burnout", "inbox", "overtime", "project"],
        "sentences": [
            "Another deadline and my manager wants the report early again.",
            "I can feel the burnout creeping back with every evening in my inbox.",
            "I told my manager I cannot take on the new project without dropping something.",
            "The inbox was overflowing, and I closed it at six anyway.",
            "Burnout taught me where my limits are; the deadline can move.",
            "Overtime again this week, and the project still is not finished.",
            "My manager thanked me for saying no, which surprised me.",
            "I dreamt about my inbox and a deadline that kept moving away.",
        ],
    },
}

# One-off events: each stays inside one session of one patient.
DISTRACTORS: dict[str, dict[str, Any]] = {
    "car": {
        "markers": ["mechanic", "brakes", "garage", "invoice", "car"],
        "sentences": [
            "The mechanic called about the brakes and the invoice was higher than expected.",
            "Spent the morning at the garage waiting for the car and the brakes.",
            "Paid the garage invoice; the car finally stops properly now.",
        ],
    },
    "moving": {
        "markers": ["boxes", "landlord", "lease", "movers", "apartment"],
        "sentences": [
            "Packed boxes all evening for the new apartment; the landlord wants the keys Friday.",
            "The movers were late and the boxes filled the hallway of the apartment.",
            "Signed the lease for the apartment and argued with the landlord about the deposit.",
        ],
    },
    "taxes": {
        "markers": ["tax", "forms", "receipts", "accountant", "refund"],
        "sentences": [
            "Sorting receipts for the tax forms took the whole afternoon.",
            "The accountant needs two more forms before the tax refund can be filed.",
            "Tax forms done, receipts filed, refund maybe in a month.",
        ],
    },
    "concert": {
        "markers": ["concert", "tickets", "band", "stadium", "encore"],
        "sentences": [
            "Bought concert tickets for the band I loved at nineteen.",
            "The concert was loud, the stadium packed, and the band played an encore.",
            "Still humming the encore from the concert; the tickets are on my fridge.",
        ],
    },
    "fence": {
        "markers": ["fence", "neighbour", "dog", "garden", "gate"],
        "sentences": [
            "The neighbour's dog got through the garden fence again.",
            "Fixed the fence by the gate with the neighbour; the dog watched us.",
            "Planted tulips by the garden gate now that the fence is mended.",
        ],
    },
    "dentist": {
        "markers": ["dentist", "tooth", "filling", "appointment", "numb"],
        "sentences": [
            "Dentist appointment this morning, a filling in my back tooth.",
            "My tooth is still numb from the dentist; soup for dinner.",
            "The filling feels fine now; booked the next dentist appointment.",
        ],
    },
}

FILLER = [
    "Made tea and sat by the window for a while.",
    "Not sure what to make of all this yet.",
    "Slept early and woke before the alarm.",
    "A quiet one, mostly chores.",
    "Rain most of the afternoon.",
    "Ate dinner late and watched an old film.",
    "Called my friend for an hour.",
    "Tired but calm.",
    "Laundry, groceries, an early night.",
    "The bus was crowded and I listened to a podcast.",
    "Did some stretching and read a few pages.",
    "Nothing much to report, just writing to keep the habit.",
    "Cooked lentils and froze half for later.",
    "The heating clicked on and off all night.",
    "Answered emails, paid a bill, walked to the corner shop.",
    "Long phone call with my sister about her holiday plans.",
    "Watered the plants and cleaned the fridge.",
    "Headache in the evening, went to bed early.",
    "The cat slept on my notebook while I wrote this.",
    "Finished the crossword for once.",
    "Cold outside, wore the thick scarf.",
    "Took the long way home past the bakery.",
    "Fixed the squeaky door hinge with some oil.",
    "Ordered new running shoes online.",
    "A neighbour played piano through the wall.",
    "Mostly sorted photos on my laptop.",
    "Skipped lunch by accident and made up for it at dinner.",
    "Wrote a shopping list and then forgot it at home.",
    "Folded towels while a radio show played.",
    "Spent an hour repotting the basil.",
]

PATIENTS = {
    "patient_a": {
        "themes": ["ocean", "father", "control"],
        "distractors": {"car": 2, "moving": 5},
    },
    "patient_b": {
        "themes": ["forest", "shame", "daughter"],
        "distractors": {"taxes": 1, "concert": 4},
    },
    "patient_c": {
        "themes": ["light", "grief", "body", "work"],
        "distractors": {"fence": 3, "dentist": 6},
    },
}
SESSIONS = 6
ENTRIES_PER_SESSION = 5


def _entry_text(
    rng: random.Random, themes: list[str], distractor: str | None, *, varied: bool = False
) -> str:
    parts = [rng.choice(FILLER)]
    for theme in themes:
        if varied:
            parts.extend(varied_sentence(rng, theme) for _ in range(rng.choice((1, 2))))
        else:
            parts.extend(rng.sample(THEMES[theme]["sentences"], rng.choice((1, 2))))
    if distractor is not None:
        parts.extend(rng.sample(DISTRACTORS[distractor]["sentences"], 2))
    if rng.random() < 0.4:
        parts.append(rng.choice(FILLER))
    rng.shuffle(parts)
    return " ".join(parts)


def labelled_patient(name: str, seed: int) -> list[dict[str, Any]]:
    """One patient's 30 entries with their planted themes and distractors as labels."""
    spec = PATIENTS[name]
    rng = random.Random(seed)
    themes: list[str] = spec["themes"]
    start = date(2026, 1, 5)
    lines = []
    for session in range(1, SESSIONS + 1):
        session_day = start + timedelta(days=14 * (session - 1))
        with_distractor: set[int] = set()
        distractor = next((d for d, s in spec["distractors"].items() if s == session), None)
        if distractor is not None:
            with_distractor = set(rng.sample(range(ENTRIES_PER_SESSION), 3))
        for index in range(ENTRIES_PER_SESSION):
            position = (session - 1) * ENTRIES_PER_SESSION + index
            planted = [themes[position % len(themes)]]
            if rng.random() < 0.35:
                planted.append(rng.choice([t for t in themes if t != planted[0]]))
            if index in with_distractor and index == min(with_distractor):
                planted = []  # one entry about the event alone
            chosen_distractor = distractor if index in with_distractor else None
            lines.append(
                {
                    "id": f"{name}-{position + 1}",
                    "date": (session_day + timedelta(days=1 + index * 2)).isoformat(),
                    # A few entries are not linked to a session; their date places them.
                    "session": None if index == 3 else f"s{session}",
                    "text": _entry_text(rng, planted, chosen_distractor),
                    "planted": planted,
                    "distractor": chosen_distractor,
                }
            )
    return lines


def synthetic_patient(seed: int, entries: int, sessions: int = 8) -> list[dict[str, Any]]:
    """A larger journal for the speed benchmark: four themes in varied words, everyday
    filler, a few one-off events (5% of entries, any session)."""
    rng = random.Random(seed)
    themes = rng.sample(sorted(THEMES), 4)
    events = rng.sample(sorted(DISTRACTORS), 2)
    start = date(2025, 1, 6)
    lines = []
    for position in range(entries):
        session = 1 + position * sessions // entries
        planted = rng.sample(themes, rng.choice((1, 1, 2)))
        distractor = rng.choice(events) if rng.random() < 0.05 else None
        lines.append(
            {
                "id": f"synthetic-{seed}-{position + 1}",
                "date": (start + timedelta(days=position // 2)).isoformat(),
                "session": f"s{session}",
                # Varied words: the same eight sentences 30 times each would be filler.
                "text": _entry_text(rng, planted, distractor, varied=True),
                "planted": planted,
            }
        )
    return lines


# --- Planted corpora on many seeds (the held-out quality bench) -----------------------------

# Lines a journaller repeats across many entries, each with near-same variants (case,
# punctuation, a small word changed): filler that must never become a recurring theme.
REPEATED_FILLER: list[list[str]] = [
    ["Feeling okay today.", "feeling ok today", "Feeling okay today!"],
    [
        "Slept early and woke before the alarm.",
        "slept early, woke before the alarm",
        "Slept early & woke before my alarm.",
    ],
    [
        "Grateful for: coffee, sunshine and my warm bed.",
        "Grateful for coffee, sunshine, my warm bed",
        "grateful for: sunshine, coffee and a warm bed.",
    ],
    [
        "Took my evening walk around the block.",
        "Evening walk around the block.",
        "took the evening walk around the block",
    ],
    [
        "Mood six out of ten, energy medium.",
        "Mood: six out of ten. Energy: medium.",
        "mood six of ten, energy medium",
    ],
    [
        "Meditated ten minutes with the breathing app.",
        "Meditated ten minutes with my app.",
        "meditated for ten minutes with the app",
    ],
    [
        "Drank enough water and stretched before bed.",
        "drank enough water, stretched before bed",
        "Drank enough water & stretched before bed!",
    ],
    [
        "Journaling prompt: what did I notice in my body?",
        "Journaling prompt - what did I notice in my body",
        "journaling prompt: what did I notice in the body?",
    ],
]

PLANTED_PATIENTS = 3
PLANTED_THEMES = 8  # across the three patients: 3, 3 and 2
PLANTED_SESSIONS = 8
PLANTED_ENTRIES_PER_SESSION = 5
TUNING_SEEDS = (1, 2, 3, 4, 5)
HELD_OUT_SEEDS = (101, 102, 103, 104, 105)


def _clauses(sentence: str) -> list[str]:
    return [part for part in re.split(r"[,;:] ", sentence.rstrip(".!?")) if part]


def varied_sentence(rng: random.Random, theme: str) -> str:
    """A sentence carrying ``theme`` in words that rarely repeat verbatim: usually the opening
    of one of the theme's sentences joined to a later part of another, sometimes one whole."""
    pool: list[str] = THEMES[theme]["sentences"]
    first, second = rng.sample(pool, 2)
    head, tail = _clauses(first), _clauses(second)
    if rng.random() < 0.2 or len(head) + len(tail) < 3:
        return first
    start = head[0]
    end = rng.choice(tail[1:] if len(tail) > 1 else tail)
    if not end.startswith(("I ", "I'")):
        end = end[0].lower() + end[1:]
    return f"{start}, {end}."


def _planted_text(
    rng: random.Random,
    themes: list[str],
    distractor: str | None,
    habits: list[list[str]],
) -> str:
    parts = []
    for theme in themes:
        parts.extend(varied_sentence(rng, theme) for _ in range(rng.choice((1, 2))))
    if distractor is not None:
        parts.extend(rng.sample(DISTRACTORS[distractor]["sentences"], 2))
    for habit, chance in zip(habits, (0.6, 0.45, 0.3), strict=False):
        if rng.random() < chance:
            parts.append(rng.choice(habit))
    if rng.random() < 0.5:
        parts.append(rng.choice(FILLER))
    rng.shuffle(parts)
    # A line without a full stop (a template line, jotted down) ends with a line break.
    return "".join(part + (" " if part[-1] in ".!?" else "\n") for part in parts).strip()


def planted_corpus(seed: int) -> dict[str, Any]:
    """Three patients x 40 entries over 8 sessions; 8 planted themes between them (3, 3, 2)
    written in varied words; 2 one-off events per patient, each inside one session; 3 filler
    lines per patient repeated (with near-same variants) across many entries.

    Returns {"patients": {name: [lines]}, "themes": {name: markers},
    "distractors": {name: markers}}; each line carries "planted", "distractor", "filler"."""
    rng = random.Random(seed)
    themes = rng.sample(sorted(THEMES), PLANTED_THEMES)
    events = rng.sample(sorted(DISTRACTORS), 2 * PLANTED_PATIENTS)
    shares = [themes[:3], themes[3:6], themes[6:]]
    start = date(2026, 1, 5)
    patients: dict[str, list[dict[str, Any]]] = {}
    for number, own in enumerate(shares):
        name = f"seed{seed}-p{number + 1}"
        habits = rng.sample(REPEATED_FILLER, 3)
        event_sessions = dict(
            zip(events[2 * number : 2 * number + 2], rng.sample(range(2, 8), 2), strict=True)
        )
        lines = []
        for session in range(1, PLANTED_SESSIONS + 1):
            session_day = start + timedelta(days=14 * (session - 1))
            event = next((e for e, s in event_sessions.items() if s == session), None)
            with_event = set(rng.sample(range(PLANTED_ENTRIES_PER_SESSION), 3)) if event else set()
            for index in range(PLANTED_ENTRIES_PER_SESSION):
                position = (session - 1) * PLANTED_ENTRIES_PER_SESSION + index
                planted = [own[position % len(own)]]
                if rng.random() < 0.35:
                    planted.append(rng.choice([t for t in own if t != planted[0]]))
                if with_event and index == min(with_event):
                    planted = []  # one entry about the event alone
                distractor = event if index in with_event else None
                lines.append(
                    {
                        "id": f"{name}-{position + 1}",
                        "date": (session_day + timedelta(days=1 + index * 2)).isoformat(),
                        "session": None if index == 3 else f"s{session}",
                        "text": _planted_text(rng, planted, distractor, habits),
                        "planted": planted,
                        "distractor": distractor,
                    }
                )
        patients[name] = lines
    return {
        "patients": patients,
        "themes": {name: THEMES[name]["markers"] for name in themes},
        "distractors": {name: DISTRACTORS[name]["markers"] for name in events},
    }


def labels() -> dict[str, Any]:
    return {
        "themes": {name: THEMES[name]["markers"] for name in THEMES},
        "distractors": {name: DISTRACTORS[name]["markers"] for name in DISTRACTORS},
        "patients": {
            name: {"themes": spec["themes"], "distractors": sorted(spec["distractors"])}
            for name, spec in PATIENTS.items()
        },
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(sorted(PATIENTS), start=1):
        with (OUT / f"{name}.jsonl").open("w") as out:
            for line in labelled_patient(name, seed):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    (OUT / "labels.json").write_text(json.dumps(labels(), indent=2) + "\n")


if __name__ == "__main__":
    main()
