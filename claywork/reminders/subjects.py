"""What a reminder is called, in its e-mail's subject, its push notification and its in-app
notice: the kind only, never what it is about (a goal's words, a questionnaire's name)."""

from __future__ import annotations

from claywork.reminders.models import Kind

SUBJECTS = {
    Kind.SESSION_UPCOMING: "Claywork: a reminder for tomorrow",
    Kind.WINDOW_OPENS: "Claywork: a moment to reflect",
    Kind.WINDOW_CLOSING: "Claywork: a moment to reflect, before the day is out",
    Kind.FOLLOW_UP: "Claywork: a moment to look back",
    Kind.CHECK_IN: "Claywork: your daily check-in",
    Kind.SCALE_DUE: "Claywork: a short questionnaire is ready",
    Kind.GOAL: "Claywork: a goal you asked to be reminded of",
    Kind.PRACTICE: "Claywork: a practice you asked to be reminded of",
}
