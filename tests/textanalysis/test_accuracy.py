"""The measured accuracy on the labelled samples stays above these floors (docs/text-analytics.md)."""

import pytest

from core.demo.phrases import PHRASES
from textanalysis.engine import LANGUAGES
from textanalysis.evaluate import evaluate, load_samples


@pytest.mark.parametrize("language", LANGUAGES)
def test_samples_are_many_fresh_and_balanced(language):
    samples = load_samples(language)
    demo = {text for polarity in PHRASES[language].values() for texts in polarity.values() for text in texts}
    labels = {s.sentiment for s in samples}
    assert len(samples) >= 60
    assert not [s.text for s in samples if s.text in demo]
    assert labels == {"positive", "neutral", "negative"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_accuracy_floors(language):
    report = evaluate(language, timing_rounds=1)
    assert report.sentiment_accuracy >= 0.85
    assert report.theme_precision >= 0.9
    assert report.theme_recall >= 0.9
