from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextAnalysisConfig(AppConfig):
    """Sentiment, keywords and themes of free text in the four shipped languages, and manual tags."""

    name = "textanalysis"
    verbose_name = _("Text analytics")
