"""Patterns in my check-ins, in words: plain numbers first, then how sure, then what else could
explain it (always, also when the difference is clear). No Django; the page and
``claywork patterns --file`` print the same sentences."""

from __future__ import annotations

from dataclasses import dataclass

from claywork.practice import patterns

OUTCOME_WORDS = {"mood": "mood", "anxiety": "anxiety"}


@dataclass(frozen=True)
class Described:
    name: str
    sentences: list[str]  # per outcome: the numbers and the verdict
    clear: bool
    other_explanations: list[str]


def described(found: patterns.Patterns) -> list[Described]:
    return [
        Described(
            practice.name,
            [about(practice.name, c) for c in (practice.mood, practice.anxiety)],
            practice.mood.clear or practice.anxiety.clear,
            other_explanations(practice.name, tested=found.tested),
        )
        for practice in found.practices
    ]


def about(name: str, comparison: patterns.Comparison) -> str:
    """'On days you did Nature walk, your mood was on average 0.8 higher — 5.9 vs 5.1, 24 vs
    36 days. No clear difference: …'"""
    outcome = OUTCOME_WORDS[comparison.outcome]
    if not comparison.compared:
        return f"Your {outcome}: nothing to compare, as {comparison.reason}."
    assert comparison.mean_with is not None and comparison.mean_without is not None
    gap = comparison.difference
    if abs(gap) < 0.05:
        how = "about the same"
    else:
        how = f"on average {abs(gap):.1f} {'higher' if gap > 0 else 'lower'}"
    numbers = (
        f"On days you did {name}, your {outcome} was {how} — "
        f"{comparison.mean_with:.1f} vs {comparison.mean_without:.1f}, "
        f"{comparison.n_with} vs {comparison.n_without} days."
    )
    return f"{numbers} {verdict(comparison)}"


def verdict(comparison: patterns.Comparison) -> str:
    better = "higher" if comparison.outcome == "mood" else "lower"
    if comparison.clear and comparison.adjusted is not None:
        return (
            f"A clear, {comparison.size_words} difference: allowing for the weekday and the slow "
            f"drift over these weeks it is about {abs(comparison.adjusted):.1f} points, more than "
            "chance readily gives with streaks like yours."
        )
    if comparison.p_value is None:
        return "Too little to judge by yet: no clear difference."
    worse = (comparison.adjusted or 0.0) * patterns.BETTER[comparison.outcome] < 0
    return "No clear difference: a gap like this turns up by chance often enough, given how " + (
        "days run in streaks and drift over the weeks."
        if not worse
        else f"days run in streaks and drift; and only a {better} {comparison.outcome} on "
        "practice days is ever called clear."
    )


def other_explanations(name: str, *, tested: int) -> list[str]:
    """What else could make the days line up, whatever the verdict."""
    several = (
        f"You log {tested} practices, so some will differ by luck; the page allows for that, "
        "and still, with no link at all, about 1 person in 25 would see a clear pattern by chance."
        if tested > 1
        else "Chance: with no link at all, a clear pattern turns up about 1 time in 25."
    )
    return [
        several,
        f"Good days may lead to {name}, rather than {name} to good days.",
        f"Both changing over time: if your check-ins and how often you do {name} both changed "
        "over these weeks, they line up without one causing the other. A steady drift and the "
        "weekday are allowed for; a change that comes and goes is not.",
        "Something else on those days (company, sleep, time off) may go with both.",
    ]
