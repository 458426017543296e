"""Measure the engine on the labelled samples: ``python -m textanalysis.evaluate [--errors]``.

Prints, per language, the sentiment accuracy (and per-class recall), the precision and recall of the
default themes, and the mean time to analyse one comment after warm-up. Needs no database.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textanalysis.defaults import DEFAULT_THEMES
from textanalysis.engine import LANGUAGES, analyse, match_themes
from textanalysis.engine.languages import FILE_NAMES

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Sample:
    text: str
    sentiment: str
    themes: frozenset[str]


@dataclass(frozen=True)
class _Theme:
    pk: int
    keywords: dict[str, list[str]]


@dataclass
class Report:
    language: str
    samples: int = 0
    sentiment_correct: int = 0
    per_class: dict[str, tuple[int, int]] = field(default_factory=dict)  # label → (correct, total)
    theme_true_positive: int = 0
    theme_predicted: int = 0
    theme_expected: int = 0
    microseconds_per_comment: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def sentiment_accuracy(self) -> float:
        return self.sentiment_correct / self.samples if self.samples else 0.0

    @property
    def theme_precision(self) -> float:
        return self.theme_true_positive / self.theme_predicted if self.theme_predicted else 1.0

    @property
    def theme_recall(self) -> float:
        return self.theme_true_positive / self.theme_expected if self.theme_expected else 1.0


def load_samples(language: str) -> list[Sample]:
    path = SAMPLES_DIR / f"{FILE_NAMES[language]}.jsonl"
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            samples.append(Sample(row["text"], row["sentiment"], frozenset(row.get("themes", []))))
    return samples


def _default_themes() -> tuple[list[_Theme], dict[int, str]]:
    themes = [_Theme(pk=i, keywords=theme.keywords) for i, theme in enumerate(DEFAULT_THEMES, start=1)]
    slugs = {i: theme.slug for i, theme in enumerate(DEFAULT_THEMES, start=1)}
    return themes, slugs


def evaluate(language: str, *, timing_rounds: int = 20) -> Report:
    samples = load_samples(language)
    themes, slugs = _default_themes()
    report = Report(language=language, samples=len(samples))
    counts = {label: [0, 0] for label in SENTIMENTS}
    for sample in samples:
        analysis = analyse(sample.text, language)
        predicted = frozenset(slugs[pk] for pk in match_themes(analysis, language, themes))
        counts[sample.sentiment][1] += 1
        if analysis.sentiment == sample.sentiment:
            report.sentiment_correct += 1
            counts[sample.sentiment][0] += 1
        else:
            report.errors.append(
                f"sentiment {sample.sentiment} → {analysis.sentiment} ({analysis.score:+.2f}) {sample.text}"
            )
        report.theme_true_positive += len(predicted & sample.themes)
        report.theme_predicted += len(predicted)
        report.theme_expected += len(sample.themes)
        if predicted != sample.themes:
            report.errors.append(f"themes {sorted(sample.themes)} → {sorted(predicted)} {sample.text}")
    report.per_class = {label: (c[0], c[1]) for label, c in counts.items()}
    # Warm (jieba's dictionary, stem caches) before timing; then time analysis plus theme matching.
    started = time.perf_counter()
    for _ in range(timing_rounds):
        for sample in samples:
            match_themes(analyse(sample.text, language), language, themes)
    elapsed = time.perf_counter() - started
    report.microseconds_per_comment = elapsed / (timing_rounds * len(samples)) * 1e6
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list every misclassified sample")
    parser.add_argument("--language", choices=LANGUAGES, action="append")
    args = parser.parse_args(argv)
    print(
        f"{'language':<9} {'n':>3}  {'sentiment':>9}  {'pos/neu/neg recall':<20} "
        f"{'theme P':>7} {'theme R':>7}  {'µs/comment':>10}"
    )
    for language in args.language or LANGUAGES:
        report = evaluate(language)
        recall = "/".join(f"{c / t:.2f}" if t else "-" for c, t in (report.per_class[s] for s in SENTIMENTS))
        print(
            f"{language:<9} {report.samples:>3}  {report.sentiment_accuracy:>9.3f}  {recall:<20} "
            f"{report.theme_precision:>7.3f} {report.theme_recall:>7.3f}  "
            f"{report.microseconds_per_comment:>10.0f}"
        )
        if args.errors:
            for error in report.errors:
                print(f"    {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
