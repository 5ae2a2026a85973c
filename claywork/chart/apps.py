from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "claywork.chart"
    verbose_name = "Patient chart"
