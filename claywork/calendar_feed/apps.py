from django.apps import AppConfig


class CalendarFeedConfig(AppConfig):
    name = "claywork.calendar_feed"
    verbose_name = "Calendar feed"
