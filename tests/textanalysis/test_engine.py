import os
import stat
from dataclasses import dataclass

import pytest

from textanalysis.engine import analyse, match_themes, normalise_language
from textanalysis.engine.languages import _jieba_cache_dir, jieba_tokenizer, script_language


@dataclass
class FakeTheme:
    pk: int
    keywords: dict[str, list[str]]


@pytest.mark.parametrize(
    ("text", "language", "sentiment"),
    [
        ("The support team was great.", "en", "positive"),
        ("The support team was not great.", "en", "negative"),
        ("Not bad at all.", "en", "positive"),
        ("The parcel never arrived.", "en", "negative"),
        ("Nice packaging, but the parcel was three days late and damaged.", "en", "negative"),
        ("The courier was late, but the driver was very friendly and helpful.", "en", "positive"),
        ("I ordered a lamp.", "en", "neutral"),
        ("Отличный сервис, спасибо!", "ru", "positive"),
        ("Приложение не работает.", "ru", "negative"),
        ("Доставка не очень хорошая.", "ru", "negative"),
        ("Дорого, но качество отличное.", "ru", "positive"),
        ("Заказала платье.", "ru", "neutral"),
        ("客服非常耐心，很满意。", "zh-hans", "positive"),
        ("我一直没收到包裹。", "zh-hans", "negative"),
        ("不满意，太慢了。", "zh-hans", "negative"),
        ("价格有点贵，但是质量很好。", "zh-hans", "positive"),
        ("我买了一件外套。", "zh-hans", "neutral"),
        ("Pelayanannya ramah dan cepat, mantap!", "id", "positive"),
        ("Aplikasinya tidak bisa dibuka.", "id", "negative"),
        ("Kurirnya tidak ramah.", "id", "negative"),
        ("Harganya mahal, tapi kualitasnya bagus sekali.", "id", "positive"),
        ("Saya beli sepatu.", "id", "neutral"),
    ],
)
def test_sentiment_rules(text, language, sentiment):
    assert analyse(text, language).sentiment == sentiment


def test_score_is_bounded_and_signed():
    good = analyse("Excellent, amazing, perfect, wonderful, the best!", "en")
    bad = analyse("Terrible, awful, horrible, the worst, a scam!", "en")
    assert 0.9 < good.score <= 1.0
    assert -1.0 <= bad.score < -0.9


def test_empty_text_has_no_sentiment():
    for text in ("", "   \n "):
        analysis = analyse(text, "en")
        assert (analysis.sentiment, analysis.score, analysis.keywords, analysis.stems) == (
            "",
            0.0,
            [],
            frozenset(),
        )


def test_keywords_skip_stopwords_and_merge_inflections():
    analysis = analyse("The courier was late. Couriers are always late with my parcels!", "en")
    assert analysis.keywords == ["courier", "late", "parcels"]


def test_chinese_keywords_are_jieba_words():
    analysis = analyse("快递员很热情，物流也很快。", "zh-hans")
    assert analysis.keywords == ["快递", "热情", "物流", "很快"]


def test_language_codes_are_normalised():
    assert [normalise_language(c) for c in ("zh_Hans", "zh-CN", "ru-RU", "in", "", "fr")] == [
        "zh-hans",
        "zh-hans",
        "ru",
        "id",
        "en",
        "en",
    ]


def test_script_overrides_the_response_language():
    assert script_language("Курьер опоздал", "en") == "ru"
    assert script_language("快递很慢", "ru") == "zh-hans"
    assert script_language("Kurirnya ramah", "id") == "id"
    assert analyse("Курьер опоздал", "en").language == "ru"


def test_themes_match_on_stems_phrases_and_chinese_substrings():
    delivery = FakeTheme(1, {"en": ["deliver"], "ru": ["доставка"], "zh_Hans": ["配送"], "id": ["kurir"]})
    slot = FakeTheme(2, {"en": ["time window"]})
    themes = [delivery, slot]
    assert match_themes(analyse("It was delivered on time.", "en"), "en", themes) == [1]
    assert match_themes(analyse("The time window was too wide.", "en"), "en", themes) == [2]
    assert match_themes(analyse("The window was open, the time was late.", "en"), "en", themes) == []
    assert match_themes(analyse("Доставку задержали.", "ru"), "ru", themes) == [1]
    assert match_themes(analyse("配送员很准时。", "zh-hans"), "zh-hans", themes) == [1]
    assert match_themes(analyse("Kurirnya ramah.", "id"), "id", themes) == [1]
    assert match_themes(analyse("", "en"), "en", themes) == []


def test_jieba_is_initialised_once_with_a_private_cache_dir():
    first = jieba_tokenizer()
    assert jieba_tokenizer() is first
    assert first.tmp_dir == _jieba_cache_dir()
    mode = stat.S_IMODE(os.stat(first.tmp_dir).st_mode)
    assert mode & 0o077 == 0
