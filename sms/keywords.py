"""Opt-out keywords in an inbound text: STOP, START and HELP in our four languages.

A message is a keyword only when it is nothing else (trimmed, case-insensitive, trailing punctuation
ignored), as carriers and Twilio match them: "stop sending me these" is an ordinary message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    # The language of the word the person used: the reply is written in it.
    language: str


_WORDS: dict[str, KeywordMatch] = {}


def _add(keyword: Keyword, language: str, *words: str) -> None:
    for word in words:
        _WORDS[word.casefold()] = KeywordMatch(keyword, language)


_add(Keyword.STOP, "en", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")
_add(Keyword.STOP, "ru", "СТОП", "ОТПИСАТЬСЯ")
_add(Keyword.STOP, "id", "BERHENTI")
_add(Keyword.STOP, "zh-hans", "退订", "停止")
_add(Keyword.START, "en", "START", "UNSTOP")
_add(Keyword.START, "ru", "СТАРТ")
_add(Keyword.START, "id", "MULAI")
_add(Keyword.START, "zh-hans", "订阅")
_add(Keyword.HELP, "en", "HELP", "INFO")
_add(Keyword.HELP, "ru", "ПОМОЩЬ")
_add(Keyword.HELP, "id", "BANTUAN")
_add(Keyword.HELP, "zh-hans", "帮助")

_EDGES = re.compile(r"^[\s\"'«»“”„.!?。！？,，]+|[\s\"'«»“”„.!?。！？,，]+$")


def match_keyword(body: str) -> KeywordMatch | None:
    text = _EDGES.sub("", body or "")
    if not text or len(text) > 20:
        return None
    return _WORDS.get(text.casefold())
