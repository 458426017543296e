"""The per-language word lists that ship in ``textanalysis/engine/data/<lang>.json``.

Each file holds:

- ``sentiment``: word or short phrase → valence from −3 (very negative) to +3 (very positive);
- ``expectations``: neutral words for things that should happen ("arrive", "work", "answer"), which
  read negative when negated ("never arrived", "не работает", "没收到", "tidak bisa");
- ``negators``, ``contrast`` (words like "but" that make the clause after them count more),
  ``intensifiers`` (word → factor: "very" 1.5, "slightly" 0.6) and ``stopwords``.

Words are matched on their Snowball stems (English, Russian, Indonesian) so that one entry covers its
inflections; for Chinese the words are added to jieba's dictionary so that segmentation keeps them whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from textanalysis.engine.languages import FILE_NAMES, WORD_RE, ZH, fold, stem

DATA_DIR = Path(__file__).resolve().parent / "data"
# The longest phrase in a lexicon, in words.
MAX_PHRASE = 4

Key = tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    language: str
    sentiment: dict[Key, float]
    expectations: frozenset[Key]
    negators: frozenset[str]  # single words, matched on the folded word (not the stem)
    contrast: frozenset[str]
    intensifiers: dict[str, float]
    stopwords: frozenset[str]  # folded words
    stop_stems: frozenset[str]
    # Chinese only: every lexicon word, to add to jieba's dictionary.
    words: tuple[str, ...] = ()


def phrase_key(language: str, phrase: str) -> Key:
    """The lookup key of a lexicon entry or theme keyword: its words' stems (Chinese: the word itself)."""
    folded = fold(phrase.strip())
    if language == ZH:
        return tuple(folded.split()) or ((folded,) if folded else ())
    return tuple(stem(language, word) for word in WORD_RE.findall(folded))


@cache
def lexicon(language: str) -> Lexicon:
    raw = json.loads((DATA_DIR / f"{FILE_NAMES[language]}.json").read_text(encoding="utf-8"))
    sentiment: dict[Key, float] = {}
    for phrase, valence in raw["sentiment"].items():
        key = phrase_key(language, phrase)
        # Two entries may share a stem ("быстрая", "быстрее"): the stronger one wins.
        if key and abs(float(valence)) >= abs(sentiment.get(key, 0.0)):
            sentiment[key] = float(valence)
    expectations = frozenset(k for k in (phrase_key(language, w) for w in raw["expectations"]) if k)
    stopwords = frozenset(fold(w) for w in raw["stopwords"])
    words: tuple[str, ...] = ()
    if language == ZH:
        words = tuple(
            sorted(
                {fold(w) for w in raw["sentiment"]}
                | {fold(w) for w in raw["expectations"]}
                | {fold(w) for w in raw["negators"]}
                | {fold(w) for w in raw["intensifiers"]}
                | {fold(w) for w in raw["contrast"]}
            )
        )
    return Lexicon(
        language=language,
        sentiment=sentiment,
        expectations=expectations,
        negators=frozenset(fold(w) for w in raw["negators"]),
        contrast=frozenset(fold(w) for w in raw["contrast"]),
        intensifiers={fold(w): float(f) for w, f in raw["intensifiers"].items()},
        stopwords=stopwords,
        stop_stems=frozenset(stem(language, w) for w in stopwords),
        words=words,
    )
