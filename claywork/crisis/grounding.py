"""Grounding exercises for after a hard session. The words are ours, in the templates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    summary: str
    minutes: int

    @property
    def template(self) -> str:
        return f"crisis/grounding/{self.slug.replace('-', '_')}.html"


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "box-breathing",
        "Box breathing",
        "Four slow counts in, hold, out, hold: a steady shape for your breath to follow.",
        3,
    ),
    Exercise(
        "five-senses",
        "5-4-3-2-1: back through your senses",
        "Name what you can see, feel, hear, smell and taste, to come back to the room you are in.",
        5,
    ),
    Exercise(
        "here-and-now",
        "Feet on the floor, here and now",
        "Feel the ground, the chair and your hands, and tell yourself where and when you are.",
        2,
    ),
)


def exercise_for(slug: str) -> Exercise | None:
    return next((exercise for exercise in EXERCISES if exercise.slug == slug), None)
