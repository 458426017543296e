"""Which of the four shipped languages a text is in, and how to split it into words."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from functools import lru_cache
from typing import Any, Final

import snowballstemmer

logger = logging.getLogger(__name__)

EN: Final = "en"
RU: Final = "ru"
ZH: Final = "zh-hans"
ID: Final = "id"
LANGUAGES: Final = (EN, RU, ZH, ID)

# The data and sample files use the BCP 47 spelling of the script subtag; the app uses Django's code.
FILE_NAMES: Final = {EN: "en", RU: "ru", ZH: "zh_Hans", ID: "id"}

_ALIASES: Final = {
    "en": EN,
    "ru": RU,
    "id": ID,
    "in": ID,  # the old ISO code for Indonesian, still sent by some Android browsers
    "zh": ZH,
    "zh-hans": ZH,
    "zh-cn": ZH,
    "zh-sg": ZH,
    "zh-my": ZH,
}

_STEMMER_NAMES: Final = {EN: "english", RU: "russian", ID: "indonesian"}

# A word: letters, optionally joined by apostrophes or hyphens ("don't", "chat-bot", "benar-benar").
WORD_RE: Final = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Words and the punctuation that ends a clause, in order.
TOKEN_RE: Final = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|[.!?;:,()\n。！？；：，、（）…]")
_CYRILLIC_RE: Final = re.compile(r"[\u0400-\u04ff]")
_HAN_RE: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE: Final = re.compile(r"[a-zA-Z\u00c0-\u024f]")


def normalise_language(code: str | None) -> str:
    """The shipped language a language code means ("zh_Hans", "zh-CN" → "zh-hans"); English when unknown."""
    if not code:
        return EN
    lowered = code.strip().lower().replace("_", "-")
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    return _ALIASES.get(lowered.split("-", 1)[0], EN)


def script_language(text: str, hint: str) -> str:
    """The language to analyse ``text`` in: the response's language unless the script says otherwise.

    A response's language is the survey language the respondent saw; people sometimes write in another
    one. Cyrillic and Han are unambiguous; between English and Indonesian (both Latin) the hint wins.
    """
    han = len(_HAN_RE.findall(text))
    cyrillic = len(_CYRILLIC_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if han and han * 2 >= latin + cyrillic:
        return ZH
    if cyrillic > latin and cyrillic > han:
        return RU
    if latin > cyrillic and hint in (RU, ZH) and latin > han * 2:
        return EN
    return hint


def fold(text: str) -> str:
    """Case-fold and unify the spellings that do not change meaning (ё/е, typographic apostrophes)."""
    return text.casefold().replace("ё", "е").replace("’", "'")


_local = threading.local()


def _stemmer(language: str) -> Any:
    # snowballstemmer's stemmers keep state while stemming a word: one per thread.
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(_STEMMER_NAMES[language])
    return stemmers[language]


@lru_cache(maxsize=200_000)
def stem(language: str, word: str) -> str:
    """The stem of a case-folded word (Chinese words are their own stem)."""
    if language not in _STEMMER_NAMES:
        return word
    # Hyphenated words ("chat-bot", "benar-benar") are stemmed as one word without the hyphen.
    result: str = _stemmer(language).stemWord(word.replace("-", "").replace("'", ""))
    return result


# --- Chinese segmentation ----------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba: Any = None


def _jieba_cache_dir() -> str:
    # jieba pickles its prefix dictionary to a cache file and loads it on the next start: keep it in a
    # directory only this user can write, not the shared temp dir where another user could plant one.
    path = os.path.join(tempfile.gettempdir(), f"cxplatform-jieba-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def jieba_tokenizer(extra_words: tuple[str, ...] = ()) -> Any:
    """The process's jieba tokenizer, initialised once on first use (about a second) and lazily, so that
    processes that never see Chinese never pay for it. ``extra_words`` (the sentiment lexicon) are added
    to its dictionary on that first call so that they come out as whole words."""
    global _jieba  # noqa: PLW0603 -- one tokenizer per process, created on first use
    if _jieba is not None:
        return _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba  # no type stubs; mypy's ignore_missing_imports covers it

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = _jieba_cache_dir()
            tokenizer.initialize()
            for word in extra_words:
                tokenizer.add_word(word, freq=None)
            _jieba = tokenizer
    return _jieba
