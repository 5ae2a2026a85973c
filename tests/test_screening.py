"""The crisis-language detector (``claywork.safety.screening``) and ``claywork screen``.

Recall on the shipped evaluation set must stay at or above 0.95; the examples named in the
safety issue behave as docs/decisions/0003-crisis-screening.md says; no text makes it raise.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from claywork.safety import screening_rules
from claywork.safety.screening import ScreenResult, screen_text

ROOT = Path(__file__).resolve().parent.parent
EVALUATION_SET = ROOT / "claywork" / "safety" / "data" / "screening_eval.jsonl"
MINIMUM_RECALL = 0.95


def evaluation_set() -> list[dict[str, object]]:
    with EVALUATION_SET.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


# --- The evaluation set -----------------------------------------------------------------------


def _counts(*, rules_only: bool) -> tuple[dict[str, int], list[object]]:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    missed = []
    for example in evaluation_set():
        flagged = screen_text(str(example["text"]), rules_only=rules_only).flag
        if example["label"] == 1:
            counts["tp" if flagged else "fn"] += 1
            if not flagged:
                missed.append(example["text"])
        else:
            counts["fp" if flagged else "tn"] += 1
    return counts, missed


# Today's figures on the 682-sentence regression set before the semantic layer (rules only,
# measured with `claywork screen --rules-only`): 348 of 353 flagged, no false alarm.
RULES_TRUE_POSITIVES = 348
# With the model and the calibrated thresholds (decision 0003): 352 of 353 flagged, 35 of 329
# false alarms in the first round, 33 after the second and the third, 31 after the fourth,
# 27 after the fifth (the category head; issue 11) and the sixth (narrower rules), 28 after
# stop 27's retraining (its keep-rule allowed 28; decision 0003, "Ninth round"). Guards so
# that a retrained model does not quietly flag less or raise more than it does today.
MODEL_TRUE_POSITIVES = 352
MODEL_MAXIMUM_FALSE_ALARMS = 28


def test_the_rules_alone_keep_todays_figures_on_the_regression_set() -> None:
    counts, missed = _counts(rules_only=True)

    assert counts["tp"] >= RULES_TRUE_POSITIVES, missed
    assert counts["fp"] == 0


def test_with_the_model_recall_on_the_regression_set_is_not_worse_than_the_rules() -> None:
    counts, missed = _counts(rules_only=False)
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    precision = counts["tp"] / max(counts["tp"] + counts["fp"], 1)
    print(f"\ncrisis screening: precision {precision:.3f}, recall {recall:.3f}, {counts}")

    assert counts["tp"] >= MODEL_TRUE_POSITIVES, missed
    assert recall >= MINIMUM_RECALL
    assert counts["fp"] <= MODEL_MAXIMUM_FALSE_ALARMS


def test_the_evaluation_set_is_large_varied_and_roughly_balanced() -> None:
    examples = evaluation_set()
    texts = [example["text"] for example in examples]
    positives = sum(1 for example in examples if example["label"] == 1)

    assert len(examples) >= 200
    assert len(set(texts)) == len(texts), "an example appears twice"
    assert all(set(example) == {"text", "label", "note"} for example in examples)
    assert all(example["label"] in (0, 1) and example["note"] for example in examples)
    assert 0.4 <= positives / len(examples) <= 0.6


def test_every_match_holds_one_of_its_phrases_anchors() -> None:
    """The anchors only decide where a pattern runs: a match outside them would be lost."""

    def holds(anchors: tuple[screening_rules.Anchor, ...], matched: str) -> bool:
        return any(
            anchor in matched if isinstance(anchor, str) else anchor.search(matched)
            for anchor in anchors
        )

    lost = []
    for example in evaluation_set():
        lowered = str(example["text"]).lower().replace("\u2019", "'")
        for phrase in screening_rules.PHRASES:
            for match in phrase.pattern.finditer(lowered):
                if not holds(phrase.anchors, match.group()) or (
                    phrase.also and not holds(phrase.also, match.group())
                ):
                    lost.append((phrase.pattern.pattern[:60], match.group()))

    assert lost == []


# --- The examples named in the issue, and the rules around them ------------------------------


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # A wish that has stopped: recovery talk, not a crisis (decision 0003).
        ("I don't want to die anymore", ScreenResult(False, "negated", "want to die")),
        ("I used to think about ending it", ScreenResult(False, "past", "think about ending it")),
        ("this traffic is killing me", ScreenResult(False, "idiom", "killing me")),
        # Someone else's present risk still reaches the care team.
        (
            "my friend said she wants to kill herself",
            ScreenResult(True, "suicidal ideation, third party, present", "kill herself", "crisis"),
        ),
    ],
)
def test_the_examples_named_in_the_issue(text: str, verdict: ScreenResult) -> None:
    assert screen_text(text) == verdict


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        ("I want to die.", True, "suicidal ideation, first person, present"),
        ("I don't want to live anymore.", True, "passive ideation, first person, present"),
        ("im gonna kms lol", True, "suicidal ideation, first person, present"),
        ("Last night I wanted to die.", True, "suicidal ideation, first person, recent past"),
        ("I can't stop thinking about dying.", True, "suicidal ideation, first person, present"),
        ("I'm not suicidal.", False, "negated"),
        ("The urge to cut is gone.", False, "negated"),
        ("I used to think about ending it, and lately it's back.", True, None),
        ("Years ago I tried to kill myself.", False, "past"),
        ("If I ever feel like hurting myself, I will call 988.", False, "hypothetical"),
        ("If this infusion doesn't work I'm going to kill myself.", True, None),
        ("What if I just ended it all?", True, None),
        ("The nurse asked if I was having thoughts of suicide and I said no.", False, None),
        ("The nurse asked if I was having thoughts of killing myself and I said yes.", True, None),
        ("My grandfather killed himself when I was ten.", False, "third party, past"),
        ("My roommate told me she took a bunch of pills tonight.", True, None),
        ("My favourite song has the line 'I wanna die young'.", False, "quote"),
        ("Ketamine has been shown to reduce suicidal thoughts quickly.", False, "informational"),
        ("I cut myself shaving this morning.", False, "idiom"),
        ("just kill me now", False, "idiom"),
        ("kill me pls i'm serious this time", True, None),
        ("", False, "no crisis language"),
    ],
)
def test_negation_past_condition_reported_speech_and_idiom(
    text: str, flag: bool, reason: str | None
) -> None:
    result = assert_rules_verdict(text, flag, reason)

    assert (result.matched == "") is (reason == "no crisis language")


def assert_rules_verdict(text: str, flag: bool, reason: str | None) -> ScreenResult:
    """The rules alone flag ``text`` or not, for ``reason`` when one is given."""
    result = screen_text(text, rules_only=True)
    assert result.flag is flag, result
    if reason is not None:
        assert result.reason == reason
    return result


# The third round of issue 11: what the rules used to flag in ordinary writing, and, beside
# each, the near sentence that must stay flagged (our own sentences, none from a corpus file).
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        # Someone else's death, long past, even when the sentence also says "today".
        (
            "My aunt took her own life ten years ago, today would have been her birthday.",
            False,
            "third party, past",
        ),
        ("A guy from my old crew died by suicide after the tour.", False, "third party, past"),
        (
            "its been 9 years since my dads suicide and we lit a candle tonight",
            False,
            "third party, past",
        ),
        ("my cousin took her own life last night", True, None),
        ("My roommate took a bunch of pills tonight.", True, None),
        # Crisis help used and come through; still flagged without that, or with more risk.
        (
            "Texted the crisis line around midnight. They helped, I'm safe and going to sleep.",
            False,
            "crisis help used",
        ),
        ("I called 988 last night because I had the pills lined up.", True, None),
        ("called the crisis line and it didn't help, I still feel unsafe", True, None),
        # An urge met with the safety plan; not when the act followed.
        (
            "I felt the urge to cut after dinner, held ice cubes instead and it passed.",
            False,
            "urge met with the safety plan",
        ),
        ("I wanted to cut so I did, then I held ice on it.", True, None),
        ("when i feel like hurting myself i squeeze ice and text my sister", False, "hypothetical"),
        ("when i feel like hurting myself i just do it", True, None),
        # A distant past said another way; not when it is tied back to now.
        (
            "teenage me wanted to die every week, forty-year-old me is planting tulips",
            False,
            "past",
        ),
        ("I wanted to disappear for good. That was nine years ago.", False, "past"),
        ("i was suicidal in my twenties and it never came back", False, "past"),
        ("I thought about suicide a lot in college, and I'm still here", False, "past"),
        ("the part of me that wants to die is louder this week", True, None),
        ("I was suicidal in college and lately it's back", True, None),
        ("I thought about dying all weekend. That was awful.", True, None),
        # Everyday complaints that borrow the words; the bare phrase stays flagged.
        ("I can't go on like this with the neighbours' drilling.", False, "idiom"),
        ("I can't go on like this.", True, None),
        ("honestly sick of living in a flat with no oven", False, "idiom"),
        ("I'm sick of living.", True, None),
        ("At the end of my rope with this airline, third delay today.", False, "idiom"),
        ("I can't take much more of this pain.", True, None),
        ("I took all my pills into the new weekly pill box.", False, "idiom"),
        # Means kept back, and an attempt the relationship idiom used to hide.
        ("I've been hoarding my pain tablets instead of taking them.", True, None),
        ("tried to end it after the wedding, woke up in the ER", True, None),
        ("I want to end it with her after the holidays.", False, "idiom"),
        # Clinical teaching and a questionnaire's own words.
        (
            "The nurse explained the difference between wishing to be dead and having a plan.",
            False,
            "informational",
        ),
        (
            "In the first-aid class we practised asking whether someone is thinking of suicide.",
            False,
            "informational",
        ),
    ],
)
def test_the_rules_clear_ordinary_writing_that_shares_words_with_risk(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# The sixth round of issue 11: a distant past, a safety plan, crisis help that worked and
# clinical talk, said in ways the rules used to flag; beside each, the mixed or recent text
# that must stay flagged (our own sentences, none from a corpus file).
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        # A distant past said another way.
        ("21yo me wanted to die every night, 35yo me sleeps like a baby.", False, "past"),
        ("21yo me wanted to die and 35yo me still does.", True, None),
        ("My former self wrote suicide notes in the margins of her textbooks.", False, "past"),
        ("My former self wrote suicide notes and lately I have started again.", True, None),
        (
            "I went through a dark period of wanting to end my life after the layoff, and"
            " therapy got me out.",
            False,
            "past",
        ),
        (
            "I went through a dark period of wanting to end my life and I am in it again.",
            True,
            None,
        ),
        ("The autumn I tried to overdose feels like another person's story.", False, "past"),
        ("The autumn I tried to overdose was only last month.", True, None),
        (
            "There was a year when I planned to jump from the car park roof. I'm glad I'm here.",
            False,
            "past",
        ),
        (
            "I tried to hang myself when I was a teenager, but that was almost thirty years ago.",
            False,
            "past",
        ),
        ("I tried to hang myself, but that was on Sunday.", True, None),
        # Stop 27: the year told after the phrase, past a word or two that finish it.
        ("I wanted to die every day, but that was 2011.", False, "past"),
        ("I wanted to die again, but that was 2011.", True, None),
        ("I want to die, the last time was 2011.", True, None),
        ("I overdosed in 2011 and I want to die now.", True, None),
        ("Back in 2011 I wanted to die, now I want to see my kids grow up.", False, "past"),
        ("I wanted to die for months after the layoff.", True, None),
        ("I wanted to die for my country when I enlisted.", False, "idiom"),
        ("Two years clear of self-harm and proud of it.", False, "negated"),
        ("I've been clear of self-harm for a month but tonight I want to cut.", True, None),
        ("Years back I wanted to kill myself and this week the thought is back.", True, None),
        ("A los diecinueve quise quitarme la vida; hoy tengo nietos.", False, "past"),
        ("My younger self thought about hanging herself, and lately I have too.", True, None),
        # The safety plan named, crisis help that worked, an urge met with coping.
        (
            "My safety plan says to phone the crisis line when I feel suicidal.",
            False,
            "hypothetical",
        ),
        (
            "My safety plan says to phone the crisis line when I feel suicidal, but tonight I"
            " just want to die.",
            True,
            None,
        ),
        ("I go to the bridge when I feel suicidal.", True, None),
        (
            "Called 988 after the funeral and talking to them made a real difference.",
            False,
            "crisis help used",
        ),
        ("Called 988 after the funeral and it made no difference, I want to die.", True, None),
        (
            "Texted the crisis line at 3am and they talked me through it.",
            False,
            "crisis help used",
        ),
        (
            "I squeezed a stress ball instead of cutting myself, and the urge faded.",
            False,
            "urge met with the safety plan",
        ),
        ("I squeezed a stress ball instead of cutting myself, then cut anyway.", True, None),
        (
            "The self-harm urge hit on the bus, I was holding ice from my flask and it faded.",
            False,
            "urge met with the safety plan",
        ),
        ("The self-harm urge hit on the bus and I hurt myself in the toilets.", True, None),
        # Clinical talk, mourning long past, a figure of speech.
        (
            "The pharmacist went over the side effects, including rare suicidal thoughts.",
            False,
            "informational",
        ),
        ("I read about the side effects and now I feel suicidal.", True, None),
        (
            "The walk for my sister held its annual fundraiser tonight, four years after her"
            " suicide.",
            False,
            None,
        ),
        ("My brother attempted suicide tonight, the foundation called.", True, None),
        ("i'd honestly unalive for a cheeseburger right now", False, "idiom"),
        ("honestly i'd unalive for a minute if i could", True, None),
    ],
)
def test_the_rules_set_aside_a_distant_past_and_a_safety_plan_but_not_a_mixed_text(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# Stop 27: a past told from safety ("zero urges these days", "that was 2015", "clear of it
# for years") and the goodbyes of ordinary life (retiring, leaving a job, a will made on a
# lawyer's advice); beside each, the text that must stay flagged (our own sentences).
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        (
            "i self harmed for years in college, that ended ages ago and i have zero urges these"
            " days",
            False,
            "past",
        ),
        ("i self harmed for years in college and these days the urges are back", True, None),
        ("I used to cut myself in high school, and lately I have urges again.", True, None),
        (
            "After the divorce I thought about dying a lot, but that was 2014 and I'm happy now.",
            False,
            "past",
        ),
        ("Years ago I was fine, but I want to die.", True, None),
        ("Three years clear of self-harm, and I celebrated with cake.", False, "negated"),
        (
            "I wrote goodbye letters to my whole team because I'm retiring in June.",
            False,
            "ordinary goodbye",
        ),
        (
            "I wrote goodbye letters to my whole team because I won't be around after June.",
            True,
            None,
        ),
        (
            "Got my affairs in order with the estate planning lawyer, like everyone should.",
            False,
            "ordinary goodbye",
        ),
        (
            "Got my affairs in order with a lawyer so nothing is left when I end it.",
            True,
            None,
        ),
    ],
)
def test_the_rules_clear_a_past_told_from_safety_and_ordinary_goodbyes_but_not_final_ones(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# Stop 28: three shapes the rules set aside although the writer says it is now (found by the
# tenth round's helper, our own sentences), each beside the twin that must stay cleared.
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        (
            'My psychiatrist asked "any thoughts of suicide?" and I said yes, every single day.',
            True,
            None,
        ),
        ('The nurse asked if I was suicidal and I said "yes, very."', True, None),
        ('The nurse asked if I was suicidal and I said "no, not at all."', False, None),
        ("My doctor asked if I had thoughts of suicide and I said no, never.", False, None),
        ("Back then I wanted to die, and honestly I want to die now too.", True, None),
        ("Back then I wanted to die, but now I want to live.", False, "past"),
        ("no cap this is my last post, im out", True, None),
        ("not kidding, this is my last post", True, None),
        ("not my last post about the trip, more photos tomorrow", False, None),
    ],
)
def test_an_answered_question_a_past_brought_to_now_and_slang_that_vouches_are_flagged(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# Stop 28's safety probe (tests/data/veto_probe.tsv): the six at-risk lines the rules cleared,
# each tying a past, a question or a quote to now, and beside them the twins that stay cleared.
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        ("Back then I wanted to die and honestly nothing has changed since.", True, None),
        ("Back then I wanted to die, and so much has changed since.", False, "past"),
        (
            "Years ago I tried to hang myself and the same feeling has been sitting on my chest"
            " all week.",
            True,
            None,
        ),
        ("Years ago I tried to hang myself, and I have not felt that way since.", False, None),
        (
            "When I was 15 I overdosed, and I've been thinking about doing it the same way.",
            True,
            None,
        ),
        ("When I was 15 I overdosed, and I've been sober and well ever since.", False, "past"),
        (
            "My old therapist used to ask if I was suicidal; I am, and I have a plan for Saturday.",
            True,
            None,
        ),
        (
            "My old therapist used to ask if I was suicidal; I wasn't, I was just exhausted.",
            False,
            None,
        ),
        (
            "The screening asked about self-harm, I wanted to say yes, I've been cutting every"
            " night.",
            True,
            None,
        ),
        ("The screening asked about self-harm and I said no.", False, None),
        (
            'The meme said "me when I want to kill myself" and it\'s not a meme for me, I have the'
            " blade out.",
            True,
            None,
        ),
        (
            'The meme said "me when I want to kill myself" and honestly it made me laugh.',
            False,
            None,
        ),
    ],
)
def test_a_past_question_or_quote_the_writer_ties_to_now_is_flagged(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# Stop 29 (decision 0003, twelfth round): three constructions the rules raised false alarms on
# in every unseen set, each beside the twins that must stay flagged (our own sentences).
@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        (
            '"Any thoughts of suicide lately?" my GP asked, and I said "no, not at all."',
            False,
            "reported question, answered no",
        ),
        (
            'The nurse asked "have you thought about hurting yourself?" and I said "nope".',
            False,
            "reported question, answered no",
        ),
        (
            'counsellor hit me with the "any thoughts of harming yourself" question, nah all good',
            False,
            "reported question, answered no",
        ),
        (
            'The nurse asked "have you thought about hurting yourself?" and I said "no", but that'
            " was a lie.",
            True,
            None,
        ),
        ('"Any thoughts of suicide lately?" my GP asked. "No," I said. I lied.', True, None),
        ('"Any self-harm this week?" "None," I said, but I cut last night.', True, None),
        ('"Any thoughts of suicide?" "No more than usual."', True, None),
        ('"Any self-harm?" "No," I told her. Then I went home and cut.', True, None),
        ('"Any thoughts of ending your life?" "None," I said. I have the pills ready.', True, None),
        ("The nurse asked if I was suicidal and I said no, but I lied.", True, None),
        # A reason given for the no is what hiding sounds like.
        (
            'asked "any thoughts of suicide?" and I said "nope" because I didn\'t want to go back'
            " to the ward",
            True,
            None,
        ),
        ('"Any self-harm this week?" "No," I said, so she wouldn\'t worry.', True, None),
        ('"Thoughts of ending your life?" "None," I said, scared they\'d admit me.', True, None),
        (
            "The form asked about wanting to die and I answered no because I've been doing well.",
            False,
            "reported question",
        ),
        ("The nurse asked if I was suicidal and I said no.", False, "reported question"),
    ],
)
def test_a_quoted_question_answered_no_is_cleared_unless_the_no_is_taken_back(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        ("Suicidal once. Not anymore. Thankful.", False, "past, well now"),
        ("The self-harm years feel like another life now.", False, "past, well now"),
        ("whn i was a kid i wanted to die, but im 40 now and doing good", False, "past"),
        (
            "You were suicidal in your teens and now you're thirty and glad you stayed.",
            False,
            "past",
        ),
        ("Suicidal once. Not now, but it is creeping back.", True, None),
        ("Suicidal once. I'm fine now, I say, but I'm not.", True, None),
        ("I wanted to die in my teens. I'm fine now, I say, but I'm not.", True, None),
        ("You were suicidal in your teens and now you're there again.", True, None),
        ("I wanted to die at 17 and now I want to die again.", True, None),
        ("I wanted to die last night, but now I'm fine.", True, None),
        ("Once the kids are asleep I'm going to end it. I feel fine now.", True, None),
        (
            "You were suicidal in your twenties and you're fine now, you tell yourself, but"
            " you're not.",
            True,
            None,
        ),
        (
            "When I was a teen I wanted to kill myself; I'm great now, I say, and it's a lie.",
            True,
            None,
        ),
    ],
)
def test_a_distant_past_set_against_a_present_that_is_well_is_cleared_unless_it_is_back(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        # A past a year or more back, set against a present of ordinary life (stop 32).
        ("Last year I wanted to die, now I'm teaching my son to ride a bike.", False, None),
        ("two winters ago i tried to end it, this year im coaching softball", False, None),
        ("Hace un año quería morirme, hoy estoy aprendiendo a cocinar con mi abuela.", False, None),
        ("back in october i wanted to die but that was another me", False, None),
        ("I burned myself a lot in college and I'm coming up on three years clean.", False, None),
        ("My cousin tried to end it last year, but now she's running a bakery.", False, None),
        # ... but not when a date keeps it recent, or the present names risk or is not over.
        ("Last month I tried to end it, now I'm back at work.", True, None),
        ("Two weeks ago I wanted to die, now I'm just going through the motions.", True, None),
        ("Last year I tried to end it, now I'm ready to try again.", True, None),
        ("A year ago I wanted to die, now I have the pills.", True, None),
        ("a year ago i tried to overdose and today i bought more", True, None),
        ("Last year I wanted to die, and now I want it even more.", True, None),
        ("Hace un año quería morirme y ahora también.", True, None),
        ("last year i was suicidal, today i am too", True, None),
        ("Last year I wanted to die, now I feel like a ghost.", True, None),
        ("Back in march I wanted to die, now I'm waiting for the right moment.", True, None),
        ("I was suicidal last year and now I'm back there.", True, None),
        (
            "Three years clean from cutting, but the urges came back tonight and I cut myself.",
            True,
            None,
        ),
    ],
)
def test_a_past_a_year_back_set_against_an_ordinary_now_is_cleared_unless_risk_is_named(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        # "end it with ..." is an idiom only when no means or finality follows (stop 32).
        ("I'm going to end it with pills tonight.", True, None),
        ("i'll end it with a bottle of vodka and my meds", True, None),
        ("going to end it all after dinner", True, None),
        # ... and not before, after, at or there: a time or a place is a plan.
        ("I'm going to end it before my birthday.", True, None),
        ("Planning to end things after the kids are asleep.", True, None),
        ("I'm going to end it there, at the lake.", True, None),
        ("We ended things between us last spring and stayed friends.", False, None),
        ("I need to end things with my boyfriend before the holidays.", False, "idiom"),
        ("Ready to end it all with this book club, honestly.", False, "idiom"),
        # Gentle ego dissolution, told as such.
        ("It felt like dying but in a gentle way, and then I was back in the chair.", False, None),
        ("It felt like dying, honestly, but it wasn't scary at all.", False, None),
        ("It felt like dying and I want that again, for real this time.", True, None),
        # Statistics and theses are talk about the topic; discharge papers are not.
        ("The stats on suicide in new fathers are grim.", False, "informational"),
        ("My discharge papers say intentional overdose and I hid them.", True, None),
        # Decades, a war, a school year, and a past said to be long over.
        ("My uncle tried to hang himself in the 90s, he's a grandad now.", False, None),
        ("My aunt tried to take her life during the war and she came through it.", False, None),
        ("I wanted to die after the divorce, but that's behind me now.", False, None),
        ("I really wanted to die then. Not now.", False, None),
        ("I tried to kill myself last week and I came through it.", True, None),
        ("I wanted to die this morning, but that's behind me now.", True, None),
    ],
)
def test_stop_32_idioms_topic_talk_and_long_over_pasts_are_cleared_and_their_near_misses_are_not(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


# Every idiom that clears a phrase about the writer's own death, beside a plan of the same
# shape (stop 33's audit). A sentence an idiom cleared is not given to the model, so each of
# these plans went through the whole screen unflagged before.
IDIOMS_BESIDE_PLANS = [
    ("I want to die old and happy, surrounded by grandkids.", False),
    ("My nan wants to die at home, not in a hospital.", False),
    ("I just want to die quietly at home tonight.", True),
    ("i hope i die someday soon, like this week", True),
    ("I killed myself at the gym this morning, legs are jelly.", False),
    ("I'm killing myself at this job for minimum wage.", False),
    ("I've been killing myself over this thesis for weeks.", False),
    ("I killed myself to make the deadline and the client didn't even read it.", False),
    ("I'll kill myself at work on Friday so they find me.", True),
    ("I'm going to kill myself over this debt.", True),
    ("I will kill myself over the shame of it.", True),
    ("I'm going to kill myself with the pills I saved.", True),
    ("gonna kill myself with the gun in the closet", True),
    ("im gonna kill myself at the gym lol no seriously im done, the rope is in my bag", True),
    ("I nearly killed myself on the stairs carrying the laundry.", False),
    ("I almost killed myself on a skateboard trying to impress my son.", False),
    ("I almost killed myself on the bridge last night.", True),
    ("I nearly killed myself on the overpass on Sunday, a trucker stopped me.", True),
    ("The kids were jumping off the bridge into the river like we used to.", False),
    ("I'm going to jump off the bridge into the river tonight.", True),
    ("Tomorrow I jump off the cliff into the sea and that's it.", True),
    ("I can't go on living with my in-laws, we need our own place.", False),
    ("I'm sick of living out of a suitcase on the road.", False),
    ("I can't go on living with this pain.", True),
    ("this commute is killing me", False),
    ("god just kill me, the pills are right here", True),
    ("I'd rather die than wear that jumper to the wedding.", False),
    ("I'd rather die than go back inside, and I have a plan for it.", True),
    ("I cut myself in the kitchen again last night, on purpose.", True),
]


# A song, a film or the news named before the phrase read it as someone else's words, even
# when the writer said it of themselves (stop 33). Beside each, the quotation it is meant for.
MEDIA_BESIDE_OWN_WORDS = [
    ("When I got the news I wanted to die.", True),
    ("After the news from the oncologist I want to kill myself.", True),
    ("At band practice I wanted to die, I still do.", True),
    ("In the song he wants to die, and so do I.", True),
    ("sat on the fire escape after the show thinking how much i want to stop existing", True),
    ("That Phoebe Bridgers song where she sings I want to die.", False),
    ("In the movie the character says he wants to kill himself.", False),
    ("I watched the news about the soldier who shot himself.", False),
    ('The song goes "I wanna die" and I sang it loud in the car.', False),
    ("If I hear that song on the radio one more time I'm going to shoot myself.", False),
    ("If my mom posts one more minion meme I'll kill myself, honestly.", False),
    ("If he hits me one more time I'll kill myself.", True),
]


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # A past told by what happened then, set against a present that is well (stop 33) ...
        (
            "When I first became homeless I thought about ending it a lot. That's been over for"
            " a long time.",
            False,
        ),
        ("Cuando me diagnosticaron quería morirme, pero eso pasó y hoy quiero vivir.", False),
        ("Cuando me dejó la primera vez quería morirme. Ahora estoy mucho mejor.", False),
        (
            "The last time I was suicidal was before the lithium, I haven't been back there since.",
            False,
        ),
        # ... but not when it is recent, the present names risk, or it is not over after all.
        ("When she left last week I wanted to die, I'm fine now.", True),
        ("When he left I wanted to die and now I have the pills.", True),
        ("When I got home I wanted to die. I'm fine now, I say, but I'm not.", True),
        ("Cuando me dejó quería morirme, ahora estoy mejor pero vuelve la idea.", True),
        ("Cuando me dejó quería morirme y ahora tengo las pastillas.", True),
    ],
)
def test_a_past_told_by_when_it_happened_and_set_against_a_well_now_is_cleared(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # Medicines by name, kept back or stockpiled (stop 33) ...
        ("i stockpiled the zopiclone, there's nearly fifty now", True),
        ("kept back the morphine from when i was on the ward", True),
        ("saved up the seroquel. two months. a full jar.", True),
        # ... not saved as the prescriber said, for a trip, or for the pharmacy to take back.
        ("I saved my tramadol for the long drive like the doctor said.", False),
        ("Saving the tramadol for bad days, as my pain nurse said.", False),
        ("Collected my old codeine to take to the pharmacy for disposal.", False),
    ],
)
def test_medicines_kept_back_are_a_means_and_medicines_kept_as_prescribed_are_not(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("For years I believed I'd be dead by thirty, and here I am at forty.", "past (model)"),
        ("For years I believed I'd be dead by thirty, and I will never forget it.", "past (model)"),
        # What the writer says they will do keeps the model's bar where it is (stop 33).
        ("For years I believed I'd be dead by thirty, and I'm going to make sure of it.", ""),
        ("For years I believed I'd be dead by thirty, and I'll see to it this summer.", ""),
    ],
)
def test_a_past_raises_the_models_bar_unless_the_writer_says_what_they_will_do(
    text: str, cue: str
) -> None:
    from claywork.safety.screening import explain_text

    sentences = explain_text(text)["sentences"]
    assert isinstance(sentences, list)
    assert sentences[0].get("cleared_by_rules", "") == cue


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # A questionnaire's item named and answered no (stop 33, round H) ...
        (
            "Filled out the PHQ-9. Question nine is the one about being better off dead, and I"
            " marked zero.",
            False,
        ),
        ("Question nine is the one about being better off dead, and I said yes this time.", True),
        # ... a complaint about a thing, or with its practical step after it ...
        ('I said "I can\'t keep living like this," about the mould in the bathroom.', False),
        # (A practical step after it was read as a complaint for a while in stop 33; a review
        # found "so I took them all" and "so I'm changing my will" cleared with it, so no.)
        ("I can't go on like this much longer, so I'm putting in for a transfer to days.", True),
        ("I can't keep living like this, about the pain, about all of it.", True),
        ("I can't go on like this much longer, so I'm going to end it.", True),
        # ... someone else's death long past, on a day that recalls it.
        ("It's three years today since my brother took his own life.", False),
        ("grandad killed himself before i was born, mam told me the story today", False),
        ("My brother took his own life today.", True),
    ],
)
def test_round_h_questionnaire_items_complaints_and_remembered_deaths_are_cleared_not_near_misses(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # Round I: a complaint about a thing, however spelt ...
        ("I cant take much more of this wheather, the kids are climbing the walls.", False),
        ('I told my partner "I can\'t keep doing this job," and we looked at our savings.', False),
        ('I said "I can\'t do this anymore," meaning the commute.', False),
        ("You can't go on like this forever, so you finally book the week off.", True),
        # ... not a life, a pain or the self, nor "this" alone.
        ("I can't take much more of this pain.", True),
        ("I can't take much more of this life.", True),
        ("I can't take much more of this. I have the pills.", True),
        # A past set against a present that is well, in other words.
        (
            "When he first went to prison I tried to take my own life. That was 2009, and I'm in"
            " a completely different place now.",
            False,
        ),
        ("en el hospital quería morirme pero eso ya pasó hace mucho", False),
        ("When he went to prison I tried to take my own life, and I'm in a dark place now.", True),
    ],
)
def test_round_i_complaints_about_a_thing_and_pasts_told_as_over_are_cleared(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


# Stop 33's second review: sentences the round's clearing rules let through or lowered to
# concern (each flagged at level crisis by the stop-32 release), kept flagged since.
CLEARED_BY_MISTAKE_IN_STOP_33 = [
    "I can't go on like this, so I took everything in the medicine cabinet.",
    "I can't keep going, so I took the whole packet of paracetamol.",
    "I can't keep going, so I took them all.",
    "My son overdosed last night when I was away at work.",
    "My brother took a bunch of pills tonight, he told me the whole story.",
    "If the scan shows the cancer is back again I'm going to kill myself.",
    "If the scan shows it's back again I'll hang myself.",
    "If my ex posts one more photo with her I'm going to kill myself, I'm serious.",
    "If I see another post about her wedding I'll kill myself.",
    "If I get one more email from the court about custody I'll end it all.",
    "When the house is quiet I think about killing myself. My therapist says I'm doing well.",
    "When he leaves for work I cut my arms. He thinks I'm doing great.",
    "When it gets dark I think about killing myself. I used to be a fighter; I'm not anymore.",
    "When I close my eyes I wish I was dead and in a different place.",
    "Cuando estoy sola pienso en matarme. Mi familia cree que estoy bien.",
    "Cuando llego a casa quiero morirme. Todos creen que estoy feliz.",
    "I can't carry on like this, so I'm booking a one-way trip to Switzerland.",
    "I can't go on, so I'm changing my will.",
    "I can't go on like this, so I'm looking up the tallest building in town.",
    "I can't carry on like this, so I'm looking at how to do it.",
    "I can't go on like this, so I started giving my things away.",
    "I can't go on anymore, so I'm asking my brother to take the dog.",
    "I can't carry on anymore so I'm calling it quits.",
    "I can't do this anymore, meaning this is goodbye.",
    "I can't do this anymore, meaning this is my last entry.",
    "I can't go on anymore, meaning the end.",
    "I can't keep going about my days pretending when all I can think about is dying.",
    "The question on my mind every night is how to kill myself without my kids finding out.",
    "Question one on my list: should I kill myself tonight?",
    "I can't take much more of this misery.",
    "I can't take much more of this darkness.",
    "I can't take much more of this torment.",
    "I can't take much more of this living hell.",
    "I can't take much more of these urges.",
    "I can't take much more of my husband hitting me.",
    "When the kids go to bed I wish I were dead. Everyone thinks I'm fine.",
    "When I look in the mirror I wish I was dead. Everyone thinks I'm happy.",
    "Cuando me acuesto quiero morir. No sé si quiero vivir.",
    "The news from the oncologist makes me wish I was dead.",
]


@pytest.mark.parametrize("text", CLEARED_BY_MISTAKE_IN_STOP_33)
def test_what_stop_33s_review_found_cleared_is_flagged(text: str) -> None:
    assert screen_text(text, rules_only=True).flag is True


# "Can't go on like this with the boiler" is a complaint; with one's own suffering it is not. The
# complaint rule cleared "... with my depression" until stop 34 (decision 0003, "Stop 34").
CANT_GO_ON_WITH = [
    ("I can't go on like this with my depression.", True),
    ("I can't go on like this with the pain.", True),
    ("I can't go on like this with the voices in my head.", True),
    ("I can't go on like this with these thoughts.", True),
    ("I can't go on like this with my back pain, it never stops.", True),
    ("I can't go on like this with the urges.", True),
    ("I can't go on like this with my bipolar.", True),
    ("I can't go on like this with my husband beating me.", True),
    ("I can't go on like this with the leaky roof.", False),
    ("I can't go on like this with the neighbours' music every night.", False),
    ("I can't go on like this with my landlord ignoring the mould.", False),
]


# A distant past is over only when the present told after it is well: "Today I still do.",
# "Now it's worse." or "now I have a plan" keep it (stop 34: the rules cleared the first two as
# "past" and the model did not catch them; the rest are a reviewer's). A stop-34 draft that
# also read an age ("at 19", "in my thirties") as a distant past was withdrawn: a clock time
# ("at 20 past one"), the writer's own age now, a plan for a birthday.
PAST_THEN_A_PRESENT_NOT_OVER = [
    "When I was nineteen I wanted to die. Today I still do.",
    "I tried to kill myself at 19. Now I'm 20 and it's worse.",
    "When I was 28 I tried to end my life. Now I want to do it again.",
    "At 17 I cut myself. Now I'm cutting again.",
    "At 24 I tried to kill myself. Now I'm 25 and I have a plan.",
    "Back in my twenties I tried to end it. Now I'm 45 and I have a plan.",
    "A decade ago I tried to end it. Now I have a plan.",
    "Several decades ago I tried to kill myself. Now I'm 70 and I have the tablets ready.",
    "At 19 I wanted to die. Now I'm 45 and nothing has changed.",
    "When I was 19 I tried to kill myself. Today I'm 20 and I'm going to finish the job.",
    "As a teenager I wanted to die. Now I'm writing my goodbyes.",
    "When I was 30 I tried to end my life. Now I'm 31 and the thoughts have returned.",
    "I was suicidal at 19. Today I'm 45 and I feel the same.",
    "I tried to overdose at 20 past midnight. Now I'm home and my mum is here.",
    "I planned to kill myself at 27 like Kurt. Now I'm 27.",
]


@pytest.mark.parametrize("text", PAST_THEN_A_PRESENT_NOT_OVER)
def test_a_distant_past_is_not_over_when_the_present_told_after_it_is_not(text: str) -> None:
    assert screen_text(text, rules_only=True).flag is True


@pytest.mark.parametrize(
    "text",
    [
        "A decade ago I tried to end it. Now I'm married with two kids and I love my job.",
        "Years ago I wanted to die. Now I run a bakery and I sleep well.",
        "When I was a teenager I wanted to die. Today I coached my daughter's football team.",
    ],
)
def test_a_distant_past_set_against_a_well_present_is_still_cleared(text: str) -> None:
    assert screen_text(text, rules_only=True).flag is False


# Round L's rules (stop 34), read off round K's false alarms, each beside a near miss. A review
# of the first draft found at-risk sentences cleared by most of it (a rope for the swing "strong
# enough to hold my weight", "can't keep living like this with my cancer", "me quiero morir de
# lo cansada que estoy de vivir"); those parts were withdrawn and the sentences kept here.
COMPLAINTS_AND_CHORES_OF_ROUND_L = [
    ("Im at the end of my rope with this group project, nobody does there part.", False),
    ("I'm at the end of my tether with the boiler, third engineer this month.", False),
    ("I'm at the end of my rope with the heating and the cold and being alive.", True),
    ("End of my tether with the bus, I'll be gone by Friday.", True),
    ("I'm at the end of my tether, I've got the pills lined up.", True),
    ("I can't keep going like this with the pain.", True),
    ("I can't keep going like this with the trauma.", True),
    ("I can't keep living like this with my cancer.", True),
    ("I can't go on like this with all the debt.", True),
    ("I can't go on like this con mi dolor.", True),
    ("I can't live like this with my depression.", True),
    ("I can't go on with my life.", True),
    ("I can't keep going with these thoughts.", True),
    ("I can't do this anymore with the voices.", True),
    ("I bought a rope for the swing, it's strong enough to hold my weight.", True),
    ("Bought new rope for the swing, and a stool. Tonight.", True),
    ("I cut myself on the mandoline so I could feel something.", True),
    ("I cut my wrist on the grater on purpose.", True),
    ("Me quiero morir de lo cansada que estoy de vivir.", True),
    ("I looked up the difference between paracetamol and ibuprofen for an overdose.", True),
    ("I played a videojuego all night then thought about killing myself.", True),
]


@pytest.mark.parametrize(("text", "flag"), CANT_GO_ON_WITH + COMPLAINTS_AND_CHORES_OF_ROUND_L)
def test_a_complaint_about_a_thing_is_cleared_and_ones_own_suffering_or_a_plan_is_not(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(("text", "flag"), MEDIA_BESIDE_OWN_WORDS)
def test_a_song_or_the_news_named_before_the_writers_own_words_does_not_make_them_a_quote(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(("text", "flag"), IDIOMS_BESIDE_PLANS)
def test_an_idiom_about_the_writers_death_is_cleared_and_the_plan_of_its_shape_is_not(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(("text", "flag"), [case for case in IDIOMS_BESIDE_PLANS if case[1]])
def test_the_whole_screen_flags_the_plans_shaped_like_idioms(text: str, flag: bool) -> None:
    assert screen_text(text).flag is flag


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # Someone hurting the writer (stop 32, round F): flagged by the rules.
        ("My stepdad came in drunk and choked me against the door.", True),
        ("she literally shoved me down the stairs", True),
        ("Mi novio me dio una bofetada anoche.", True),
        ("He slapped me in front of my mother.", True),
        # ... not the figures of speech, nor a negation, nor a long-ago past.
        ("The baby kicked me all night, she's so strong.", False),
        ("That wedding speech choked me up.", False),
        ("My supervisor pushed me on the budget, fairly.", False),
        ("My coach pushed me to apply for the job.", False),
        ("He has never slapped me, not once.", False),
        ("My father slapped me when I was a kid, decades ago.", False),
    ],
)
def test_someone_hurting_the_writer_is_flagged_by_the_rules_and_its_figures_of_speech_are_not(
    text: str, flag: bool
) -> None:
    assert screen_text(text, rules_only=True).flag is flag


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        (
            "Found my old notebooks from college. Pages and pages about wanting to die. Made tea"
            " and threw them out.",
            False,
            "past, old writing",
        ),
        (
            "Found my old notebooks from college. Pages and pages about wanting to die, and I"
            " still feel that way.",
            True,
            None,
        ),
        ("Found my old journal. I wrote about wanting to die today.", True, None),
    ],
)
def test_old_writing_read_again_is_a_past_unless_the_writer_says_it_holds_now(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


@pytest.mark.parametrize(
    ("text", "flag", "reason"),
    [
        ("Esta semana pienso mucho en terminar con mi vida.", True, None),
        ("Volví a cortarme anoche.", True, None),
        ("Quisiera dormirme y no despertar nunca.", True, None),
        ("Hace años quería morirme y ahora esas ganas volvieron.", True, None),
        ("Tengo ganas de matarme.", True, None),
        ("De joven quería morirme y ahora lo vuelvo a sentir.", True, None),
        ("El médico me preguntó si tengo ganas de matarme y le dije que sí.", True, None),
        ("Ya no pienso en terminar con mi vida.", False, "negated"),
        ("Nunca pienso en matarme.", False, "negated"),
        ("De joven quería morirme; hoy tengo tres nietos.", False, "past"),
        ("Intenté matarme en 2009 y hoy tengo tres nietos.", False, None),
        ("Mañana voy a cortarme el pelo.", False, None),
        ("Mi madre va a matarme si llego tarde.", False, None),
        ("Me quiero morir de risa.", False, "idiom"),
        (
            "El médico me preguntó si tengo ganas de matarme y le dije que no.",
            False,
            "reported question",
        ),
    ],
)
def test_spanish_first_person_phrases_are_flagged_and_negated_or_distant_ones_are_not(
    text: str, flag: bool, reason: str | None
) -> None:
    assert_rules_verdict(text, flag, reason)


def test_every_at_risk_line_of_the_safety_probe_is_flagged() -> None:
    """The probe (tests/data/veto_probe.tsv, never trained on): explicit crisis words beside a
    past, a question, a quote or a safety plan, which the writer ties to now."""
    probe = Path(__file__).resolve().parent / "data" / "veto_probe.tsv"
    lines = [line.split("\t") for line in probe.read_text(encoding="utf-8").splitlines() if line]
    missed = [text for label, text, *_ in lines if label == "1" and not screen_text(text).flag]
    flagged = [text for label, text, *_ in lines if label == "0" and screen_text(text).flag]

    assert sum(label == "1" for label, *_ in lines) >= 40
    assert missed == []
    # One hyperbole is still flagged: "lol this spreadsheet makes me want to kill myself haha"
    # (the rules take "want to kill myself" at its word; a review item, not a miss).
    assert len(flagged) <= 1


def test_the_plain_probe_keeps_what_stop_36_fixed_and_names_what_it_still_misses() -> None:
    """The probe of the plainest stock phrasing (tests/data/plain_probe.tsv, 360 at risk, 120
    near misses with the same words; written at stop 36 and read to fix the rules, so a floor,
    not a measure). What it still misses is plain hopelessness and a goodbye said bare ("I
    give up on everything.", "Tell my mum I love her."): decision 0003's limits."""
    probe = Path(__file__).resolve().parent / "data" / "plain_probe.tsv"
    lines = [line.split("\t") for line in probe.read_text(encoding="utf-8").splitlines() if line]
    at_risk = [(text, category) for label, text, category in lines if label == "1"]
    missed = [(text, category) for text, category in at_risk if not screen_text(text).flag]
    near_misses = [text for label, text, _ in lines if label == "0"]
    flagged = [text for text in near_misses if screen_text(text).flag]

    assert len(at_risk) == 360 and len(near_misses) == 120
    assert len(missed) <= 6
    assert {category for _, category in missed} <= {
        "hopelessness",
        "no_future",
        "preparation_goodbye",
    }
    # Near misses built from the very same words: most are flagged (a review item, never a
    # silence); the bar only keeps it from getting worse.
    assert len(flagged) <= 75


def test_matched_is_the_writers_own_words_from_the_text() -> None:
    text = "Some days I Just Want To Die, honestly."

    result = screen_text(text)

    assert result.flag
    assert result.matched == "Want To Die"
    assert result.matched in text


def test_the_result_is_the_agreed_frozen_shape() -> None:
    result = screen_text("I want to die")

    assert [field.name for field in dataclasses.fields(ScreenResult)] == [
        "flag",
        "reason",
        "matched",
        "level",
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.flag = False  # type: ignore[misc]


def test_the_detector_imports_without_django() -> None:
    probe = (
        "import sys; import claywork.safety.screening as s; "
        "assert s.screen_text('I want to die').flag; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr


# --- Any text at all --------------------------------------------------------------------------


LONG_ORDINARY = (
    "Walked by the river after the session and wrote down what my guide said about "
    "noticing the body. Made soup, called my sister, read for an hour. "
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t  ",
        "😀🔥💀🙏" * 50,
        "👩‍👩‍👧‍👦" * 200,
        "İstanbul'da bugün çok yorgunum",
        "Θέλω να πεθάνω",
        "我想死",
        "أريد أن أموت",
        "quiero morir",
        "a\x00b\x00c",
        "\ud800 lone surrogate",
        "\u202eeid ot tnaw i",
        '"' * 5000,
        "'" * 5000,
        "." * 5000,
        "not " * 2500,
        "if i ever " * 1000,
        "i want to " * 1000,
        "a" * 100_000,
        (LONG_ORDINARY * 200)[:100_000],
    ],
)
def test_no_text_makes_it_raise(text: str) -> None:
    result = screen_text(text)

    assert isinstance(result, ScreenResult)
    assert isinstance(result.reason, str) and result.reason


def test_a_10000_character_entry_is_screened_whole() -> None:
    padding = (LONG_ORDINARY * 80)[:4_900]
    middle = padding + " I keep thinking about jumping off the bridge. " + padding
    end = (LONG_ORDINARY * 80)[: 10_000 - 40] + " I want to die."

    assert len(middle) >= 9_800 and len(end) >= 9_900
    assert screen_text(padding * 2, rules_only=True).flag is False
    assert screen_text(middle).matched == "thinking about jumping"
    assert screen_text(end).matched == "want to die"


def test_a_long_entry_never_backtracks_catastrophically() -> None:
    """Not the speed target (bench/screening.py measures that): a guard against a pattern
    that goes quadratic. Even on a loaded machine this takes a few milliseconds."""
    hardest = ("I'm not suicidal, I promise. " + "if i ever want to " * 20 + ". ") * 40

    started = time.perf_counter()
    screen_text(hardest[:10_000])

    assert time.perf_counter() - started < 1.0


# --- claywork screen --------------------------------------------------------------------------


def test_screen_writes_one_json_verdict_per_line_of_stdin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = ["I want to die", "this traffic is killing me", "", "my friend wants to kill herself"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()

    call_command("screen", stdout=out)

    verdicts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert verdicts == [
        {
            "flag": True,
            "level": "crisis",
            "reason": "suicidal ideation, first person, present",
            "matched": "want to die",
        },
        {"flag": False, "level": "none", "reason": "idiom", "matched": "killing me"},
        {"flag": False, "level": "none", "reason": "no crisis language", "matched": ""},
        {
            "flag": True,
            "level": "crisis",
            "reason": "suicidal ideation, third party, present",
            "matched": "kill herself",
        },
    ]


def test_screen_on_empty_stdin_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = io.StringIO()

    call_command("screen", stdout=out)

    assert out.getvalue() == ""


def test_the_screen_command_line_reads_stdin_and_survives_bad_bytes() -> None:
    claywork = Path(sys.executable).with_name("claywork")
    stdin = b"I want to die\r\nI'm not suicidal\n" + b"\xff\xfe i want to kms\n"
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(claywork), "screen"],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=os.environ | {"CLAYWORK_DEMO": "1"},
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr.decode()
    verdicts = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [verdict["flag"] for verdict in verdicts] == [True, False, True]
    assert verdicts[1] == {
        "flag": False,
        "level": "none",
        "reason": "negated",
        "matched": "suicidal",
    }


# A rule hit followed by a sentence that is only a time to come stands whatever the veto model
# reads in it (stop 35): the model set the first aside at 0.015 as a chore with a rope.
@pytest.mark.parametrize(
    "text",
    [
        "Bought new rope for the swing, and a stool. Tonight.",
        "Bought new rope for the swing, and a stool. Tomorrow then.",
        "Bought new rope for the swing, and a stool. Saturday night.",
    ],
)
def test_the_whole_screen_keeps_a_means_followed_by_a_bare_time_to_come(text: str) -> None:
    assert screen_text(text).flag is True


# Tired of living said and nothing after it (stop 36): the veto model, taught many harmless
# "sick of living in this flat", had set the bare phrase aside ("I'm tired of living." 0.031,
# "I'm sick of living." 0.004). A phrase that closes its sentence leaves a bare veto nothing
# to read, so only a cue (a past, a quote, a question, a joke) may set it aside now.
TIRED_OF_LIVING = [
    ("I'm tired of living.", True),
    ("I am tired of living", True),
    ("Honestly I'm sick of living.", True),
    ("I'm weary of living.", True),
    ("so tired of living 😔", True),
    ("Estoy cansada de vivir.", True),
    ("Estoy harto de vivir, ya no aguanto.", True),
    ("Ya no puedo más con la vida.", True),
    ("So sick of living in this flat.", False),
    ("Estoy harta de vivir en este piso.", False),
    ("Estoy cansado de vivir con mis padres.", False),
    ("No puedo más con esta vida de turnos.", False),
    ("Mi abuela estaba cansada de vivir, decía siempre.", False),
    ("I was tired of living back in 2015, but not now.", False),
    ('"Tired of living" was the song on the radio.', False),
]


@pytest.mark.parametrize(("text", "flag"), TIRED_OF_LIVING)
def test_the_whole_screen_keeps_tired_of_living_said_and_left_there(text: str, flag: bool) -> None:
    assert screen_text(text).flag is flag


@pytest.mark.parametrize(
    "text", ["Tired of living paycheck to paycheck.", "My mum is tired of living alone."]
)
def test_the_veto_model_still_sets_aside_tired_of_living_about_a_way_of_life(text: str) -> None:
    verdict = screen_text(text)

    assert verdict.flag is False
    assert verdict.reason.endswith(")") and "set aside by the model" in verdict.reason


# A probe of the plainest stock phrasing (stop 36, tests/data/plain_probe.tsv) found the whole
# screen missing a threat against the writer, read as the idiom "kill me" (three unseen
# writers had written one: "My boyfriend said he'd kill me if I ever tried to leave."), an
# attempt named as such, a jump or a gun said bare, and an overdose told without the word.
# Each sits beside the everyday sentence of its shape.
PLAIN_ACTS_AND_THREATS = [
    ("My partner threatened to kill me.", True),
    ("She threatened to kill me if I ever left.", True),
    ("he said he'd kill me if i left", True),
    ("I'm scared he's going to kill me.", True),
    ("The brother of a patient who died threatened to stab me in the car park.", True),
    ("Amenazó con matarme.", True),
    ("I made an attempt on my life this week.", True),
    ("I'm going to jump.", True),
    ("I got hold of a gun this week.", True),
    ("I nearly died last night, I took too much.", True),
    ("Me tomé muchas pastillas ayer.", True),
    ("My mum will kill me if I'm late.", False),
    ("My sister threatened to kill me if I spoiled the finale.", False),
    ("He said he'd kill me if I ate his chips.", False),
    ("I'm scared my boss is going to kill me when he sees the numbers.", False),
    ("Years ago my ex threatened to kill me. I'm safe now and he's in prison.", False),
    ("I'm going to jump in the pool.", False),
    ("We got hold of a gun safe for the cabin.", False),
    ("I took too much time off.", False),
    ("Me tomé todas las pastillas de la mañana, es la rutina.", False),
]


@pytest.mark.parametrize(("text", "flag"), PLAIN_ACTS_AND_THREATS)
def test_the_whole_screen_flags_plain_threats_and_acts_and_not_their_everyday_shapes(
    text: str, flag: bool
) -> None:
    assert screen_text(text).flag is flag
