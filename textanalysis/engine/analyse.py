"""Sentiment, keywords and themes of one text: rules over a lexicon, no model and no network.

The sentiment score is the sum of the valences of the lexicon words and phrases found in the text, each
one adjusted by what comes just before it in its clause (a negator flips it, an intensifier scales it),
with everything before a contrast word ("but", "но", "但是", "tapi") halved and everything after it
counted one and a half times; the sum is squashed into −1…1 by ``s / sqrt(s² + ALPHA)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Protocol

from textanalysis.engine.languages import (
    LANGUAGES,
    TOKEN_RE,
    ZH,
    fold,
    jieba_tokenizer,
    normalise_language,
    script_language,
    stem,
)
from textanalysis.engine.lexicon import MAX_PHRASE, Key, Lexicon, lexicon, phrase_key

POSITIVE: Final = "positive"
NEUTRAL: Final = "neutral"
NEGATIVE: Final = "negative"

# s / sqrt(s² + ALPHA): one clear word (valence 2) gives 0.71, a mild one (1) 0.45, "fine" (0.5) 0.24.
ALPHA: Final = 4.0
# |score| below this is neutral.
THRESHOLD: Final = 0.3
# A negated positive word keeps most of its strength reversed ("not good" is bad); a negated negative
# word becomes only mildly positive ("not bad" is not "good").
NEGATED_POSITIVE: Final = -0.8
NEGATED_NEGATIVE: Final = -0.5
# An expected event that did not happen ("never arrived", "не работает").
MISSED_EXPECTATION: Final = -1.5
NEGATION_SCOPE: Final = 3  # words after a negator that it still reaches
INTENSIFIER_SCOPE: Final = 2
BEFORE_CONTRAST: Final = 0.5
AFTER_CONTRAST: Final = 1.5
MAX_KEYWORDS: Final = 10

_BOUNDARY: Final = "|"
_PUNCTUATION: Final = frozenset(".!?;:,()\n。！？；：，、（）…")
_EMOJI: Final = {
    "👍": 1.5, "😊": 1.5, "😀": 1.5, "😃": 1.5, "😄": 1.5, "🙂": 1.0, "😍": 2.0, "❤": 2.0,
    "🥰": 2.0, "👏": 1.5, "🔥": 1.0, "⭐": 1.0, "💯": 1.5,
    "👎": -1.5, "😡": -2.0, "😠": -2.0, "😞": -1.5, "😢": -1.5, "🙁": -1.0, "☹": -1.0,
    "😤": -1.5, "🤬": -2.5, "💩": -2.0, "😭": -1.5,
}  # fmt: skip


@dataclass(frozen=True)
class Analysis:
    sentiment: str  # "positive" | "neutral" | "negative", "" for an empty text
    score: float  # −1 … 1
    keywords: list[str]
    stems: frozenset[str]
    language: str = "en"  # the language the text was analysed in
    # Stems in order with clause boundaries, space-separated and padded: multi-word keywords match here.
    stem_text: str = " "
    text: str = ""  # case-folded text (Chinese keywords match as substrings)
    hits: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # what counted, for tracing


EMPTY: Final = Analysis(sentiment="", score=0.0, keywords=[], stems=frozenset())


def _is_word(token: str) -> bool:
    return any(ch.isalpha() for ch in token)


def _tokenise(text: str, language: str, lex: Lexicon) -> list[str]:
    """Folded words in order, with ``_BOUNDARY`` where a clause ends."""
    if language == ZH:
        raw = jieba_tokenizer(lex.words).lcut(text)
        tokens = []
        for piece in raw:
            token = piece.strip()
            if not token:
                continue
            if token in _PUNCTUATION or all(ch in _PUNCTUATION for ch in token):
                tokens.append(_BOUNDARY)
            elif _is_word(token):
                tokens.append(token)
        return tokens
    return [_BOUNDARY if t in _PUNCTUATION else t for t in TOKEN_RE.findall(text)]


def _label(score: float) -> str:
    if score >= THRESHOLD:
        return POSITIVE
    if score <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def _match(stems: list[str], start: int, lex: Lexicon, *, min_size: int = 1) -> tuple[int, float | None]:
    """The longest lexicon phrase starting at ``start`` of at least ``min_size`` words: (its length,
    valence or None for an expectation); (0, None) when none."""
    for size in range(min(MAX_PHRASE, len(stems) - start), min_size - 1, -1):
        key: Key = tuple(stems[start : start + size])
        if _BOUNDARY in key:
            continue
        if key in lex.sentiment:
            return size, lex.sentiment[key]
        if key in lex.expectations:
            return size, None
    return 0, None


def _modifies_next(tokens: list[str], i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1] != _BOUNDARY


def _chinese_prefixed(token: str, lex: Lexicon) -> tuple[bool, float | None, bool]:
    """A jieba word that glues a negator to a lexicon word ("不满意", "没到"): (found, valence, is
    expectation)."""
    for negator in ("没有", "不", "没", "未"):
        if token.startswith(negator) and len(token) > len(negator):
            rest = (token[len(negator) :],)
            if rest in lex.sentiment:
                return True, lex.sentiment[rest], False
            if rest in lex.expectations:
                return True, None, True
    return False, None, False


class _Scorer:
    """One left-to-right pass over a text's words, keeping the negation and intensifier in reach."""

    def __init__(self, tokens: list[str], stems: list[str], lex: Lexicon) -> None:
        self.tokens, self.stems, self.lex = tokens, stems, lex
        self.total = 0.0
        self.weight = 1.0
        self.negation_left = 0
        self.intensity = 1.0
        self.intensity_left = 0
        self.hits: list[tuple[str, float]] = []

    def run(self) -> tuple[float, list[tuple[str, float]]]:
        i = 0
        while i < len(self.tokens):
            i += self._step(i)
        return self.total, self.hits

    def _step(self, i: int) -> int:
        """Handle the word at ``i``; the number of words consumed."""
        token, lex = self.tokens[i], self.lex
        if token == _BOUNDARY or token in lex.contrast:
            if token != _BOUNDARY:
                self.total *= BEFORE_CONTRAST
                self.hits = [(word, value * BEFORE_CONTRAST) for word, value in self.hits]
                self.weight = AFTER_CONTRAST
            self.negation_left = self.intensity_left = 0
            return 1
        # A phrase beats its first word's role ("not bad", "no problems"); then negators and
        # intensifiers, which may share a stem with a lexicon word ("hardly"/"hard"); then single words.
        size, valence = _match(self.stems, i, lex, min_size=2)
        negated = self.negation_left > 0
        if size == 0 and _modifies_next(self.tokens, i):
            if token in lex.negators:
                self.negation_left, self.intensity_left = NEGATION_SCOPE + 1, 0
                return 1
            if token in lex.intensifiers:
                self.intensity, self.intensity_left = lex.intensifiers[token], INTENSIFIER_SCOPE + 1
                self.negation_left = max(self.negation_left - 1, 0)
                return 1
        if size == 0:
            size, valence = _match(self.stems, i, lex)
        if size == 0 and lex.language == ZH:
            found, valence, expectation = _chinese_prefixed(token, lex)
            if found:
                size, negated = 1, not negated
                valence = None if expectation else valence
        if size == 0:
            self.negation_left = max(self.negation_left - 1, 0)
            self.intensity_left = max(self.intensity_left - 1, 0)
            return 1
        self._count(" ".join(self.tokens[i : i + size]), valence, negated)
        self.negation_left = self.intensity_left = 0
        return size

    def _count(self, words: str, valence: float | None, negated: bool) -> None:
        if valence is None:  # an expectation: only its absence counts
            value = MISSED_EXPECTATION if negated else 0.0
        else:
            value = valence * (self.intensity if self.intensity_left else 1.0)
            if negated:
                value *= NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE
        if value:
            self.hits.append((words, value * self.weight))
            self.total += value * self.weight


def _keywords(tokens: list[str], stems: list[str], lex: Lexicon) -> list[str]:
    min_length = 2 if lex.language == ZH else 3
    counts: dict[str, int] = {}
    surface: dict[str, str] = {}
    for token, token_stem in zip(tokens, stems, strict=True):
        if (
            token == _BOUNDARY
            or len(token) < min_length
            or token in lex.stopwords
            or token_stem in lex.stop_stems
            or token in lex.negators
            or token in lex.intensifiers
            or token in lex.contrast
        ):
            continue
        counts[token_stem] = counts.get(token_stem, 0) + 1
        surface.setdefault(token_stem, token[:80])
    # Most frequent first, then in order of appearance (dicts keep insertion order, sorted is stable).
    ranked = sorted(counts, key=lambda s: -counts[s])
    return [surface[s] for s in ranked[:MAX_KEYWORDS]]


def _stem_set(tokens: list[str], stems: list[str], language: str) -> frozenset[str]:
    found = {s for s in stems if s != _BOUNDARY}
    # "push-уведомлений", "chat-bot": the parts count too, so that a keyword "уведомления" matches.
    for token in tokens:
        if "-" in token and language != ZH:
            found.update(stem(language, part) for part in token.split("-") if part)
    return frozenset(found)


def analyse(text: str, language: str) -> Analysis:
    """Sentiment, keywords and word stems of ``text``, written in ``language`` (a response's language;
    a text plainly in another script is analysed in that script's language)."""
    if not text or not text.strip():
        return EMPTY
    language = script_language(text, normalise_language(language))
    lex = lexicon(language)
    folded = fold(text)
    tokens = _tokenise(folded, language, lex)
    stems = [t if t == _BOUNDARY else stem(language, t) for t in tokens]
    total, hits = _Scorer(tokens, stems, lex).run()
    for ch in folded:
        if ch in _EMOJI:
            total += _EMOJI[ch]
            hits.append((ch, _EMOJI[ch]))
    score = round(total / math.sqrt(total * total + ALPHA), 4)
    return Analysis(
        sentiment=_label(score),
        score=score,
        keywords=_keywords(tokens, stems, lex),
        stems=_stem_set(tokens, stems, language),
        language=language,
        stem_text=f" {' '.join(stems)} ",
        text=folded,
        hits=tuple(hits),
    )


# --- themes ------------------------------------------------------------------------------------------


class ThemeLike(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def keywords(self) -> Any: ...


@lru_cache(maxsize=50_000)
def _keyword_key(language: str, keyword: str) -> Key:
    return phrase_key(language, keyword)


def keywords_for(keywords: Any, language: str) -> list[str]:
    """A theme's keywords in ``language`` (the JSON may spell the language "zh_Hans" or "zh-hans")."""
    if not isinstance(keywords, Mapping):
        return []
    found: list[str] = []
    for code, words in keywords.items():
        if normalise_language(str(code)) == language and isinstance(words, list):
            found.extend(w for w in words if isinstance(w, str) and w.strip())
    return found


def keyword_matches(analysis: Analysis, keyword: str) -> bool:
    language = analysis.language
    if language == ZH:
        folded = fold(keyword.strip())
        if not folded:
            return False
        # Chinese is written without spaces and jieba may cut a compound differently from the keyword
        # ("配送员" vs "配送", "太贵了" vs "贵"): a Chinese keyword matches as a substring.
        return folded in analysis.text
    key = _keyword_key(language, keyword)
    if not key:
        return False
    if len(key) == 1:
        return key[0] in analysis.stems
    return f" {' '.join(key)} " in analysis.stem_text


def match_themes(analysis: Analysis, language: str | None, themes: Iterable[ThemeLike]) -> list[int]:
    """The ids of the themes one of whose keywords (in the analysed language) occurs in the text.

    ``language`` is accepted for symmetry with ``analyse``; the language the text was actually analysed
    in (``analysis.language``) decides which keyword list applies.
    """
    if analysis.sentiment == "":
        return []
    lang = analysis.language if analysis.language in LANGUAGES else normalise_language(language)
    return sorted(
        int(theme.pk)
        for theme in themes
        if any(keyword_matches(analysis, kw) for kw in keywords_for(theme.keywords, lang))
    )
