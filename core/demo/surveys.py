"""The demo surveys' definitions: templates from the library, a few adapted to their touchpoint.

Every demo survey starts from a template (as a CX manager would in the builder), in its own base
language. Surveys at touchpoints the templates do not name (delivery, the store kiosk) get their own
wording for the score question and its reasons, still in all four languages; the mobile app and the
kiosk pass extra hidden fields. One survey is edited after launch, so the demo shows a version 2.
"""

from __future__ import annotations

from typing import Any, Final

from core.demo.world import DemoSurvey
from surveys.library import template_definition


def _t(en: str, ru: str, zh: str, id_: str) -> dict[str, str]:
    return {"en": en, "ru": ru, "zh-hans": zh, "id": id_}


def _question(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in definition["questions"] if q["key"] == key)


def _choices(*items: tuple[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [{"key": key, "label": label} for key, label in items]


_DELIVERY_REASONS: Final = _choices(
    (
        "late",
        _t(
            "It arrived later than promised",
            "Заказ пришёл позже обещанного",
            "比承诺的时间晚送达",
            "Datang lebih lambat dari yang dijanjikan",
        ),
    ),
    ("damaged", _t("The parcel was damaged", "Посылка была повреждена", "包裹有破损", "Paketnya rusak")),
    (
        "incomplete",
        _t("Something was missing", "Чего-то не хватало", "少了东西", "Ada barang yang kurang"),
    ),
    (
        "courier",
        _t(
            "The courier was unfriendly",
            "Курьер был неприветлив",
            "快递员态度不好",
            "Kurirnya tidak ramah",
        ),
    ),
    (
        "tracking",
        _t(
            "Tracking was wrong or missing",
            "Отслеживание не работало или было неверным",
            "物流跟踪信息有误或缺失",
            "Informasi pelacakan salah atau tidak ada",
        ),
    ),
)

_STORE_REASONS: Final = _choices(
    ("queue", _t("Waiting at the checkout", "Очередь на кассе", "结账排队", "Antre di kasir")),
    (
        "staff",
        _t(
            "No staff available to help",
            "Не было сотрудника, чтобы помочь",
            "没有店员可以帮忙",
            "Tidak ada pegawai yang bisa membantu",
        ),
    ),
    (
        "stock",
        _t("The product was out of stock", "Товара не было в наличии", "商品缺货", "Produknya sedang habis"),
    ),
    (
        "shelf_price",
        _t(
            "The shelf price and the till price differed",
            "Цена на полке и на кассе отличалась",
            "货架价格与结账价格不一致",
            "Harga di rak dan di kasir berbeda",
        ),
    ),
    ("tidy", _t("The store was untidy", "В магазине было неопрятно", "店内不够整洁", "Tokonya berantakan")),
)


def _adapted_csat(base_language: str, text: dict[str, str], reasons: list[dict[str, Any]]) -> dict[str, Any]:
    """The CSAT template for another touchpoint: its own question and reasons, no "resolved" question."""
    definition = template_definition("support_csat", base_language)
    _question(definition, "csat")["text"] = text
    _question(definition, "went_wrong")["choices"] = reasons
    definition["questions"] = [q for q in definition["questions"] if q["key"] != "resolved"]
    definition["endings"][0].pop("text")
    return definition


def _delivery(base_language: str) -> dict[str, Any]:
    text = _t(
        "How satisfied are you with the delivery of your order?",
        "Насколько вы довольны доставкой заказа?",
        "您对订单的配送满意吗？",
        "Seberapa puas Anda dengan pengiriman pesanan Anda?",
    )
    return _adapted_csat(base_language, text, _DELIVERY_REASONS)


def _store_kiosk(base_language: str) -> dict[str, Any]:
    text = _t(
        "How satisfied are you with your visit today?",
        "Насколько вы довольны сегодняшним посещением магазина?",
        "您对今天的到店体验满意吗？",
        "Seberapa puas Anda dengan kunjungan Anda hari ini?",
    )
    definition = _adapted_csat(base_language, text, _STORE_REASONS)
    definition["hidden_fields"].append("store")
    return definition


def _app_nps(base_language: str) -> dict[str, Any]:
    definition = template_definition("relationship_nps", base_language)
    definition["hidden_fields"] += ["app_version", "platform"]
    return definition


_ADAPTED = {"delivery_csat": _delivery, "store_kiosk": _store_kiosk, "app_nps": _app_nps}


def demo_definition(survey: DemoSurvey) -> dict[str, Any]:
    adapt = _ADAPTED.get(survey.key)
    if adapt is not None:
        return adapt(survey.base_language)
    return template_definition(survey.template, survey.base_language)


# The edit published as version 2 of the relationship survey: stores join the reasons.
SECOND_VERSION_SURVEY: Final = "relationship_nps"
SECOND_VERSION_NOTE: Final = "Added “Our stores” to the reasons to improve and to like."
_STORES: Final = _t("Our stores", "Наши магазины", "实体门店", "Toko kami")


def second_version(definition: dict[str, Any]) -> dict[str, Any]:
    edited: dict[str, Any] = {**definition, "questions": [dict(q) for q in definition["questions"]]}
    for key in ("improve", "like_most"):
        question = _question(edited, key)
        question["choices"] = [*question["choices"], {"key": "stores", "label": dict(_STORES)}]
    return edited
