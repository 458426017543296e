"""The template library: complete, translated survey definitions to start from.

Each template is a definition in the format of docs/survey-definition.md with every text in the four
shipped languages. Templates are respondent-facing data, not UI strings, so their texts are written out
per language here rather than run through gettext; only the name and description shown in the builder
are translated with the UI. Question and choice keys are stable: results line up by them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LANGUAGES: Final = ("en", "ru", "zh-hans", "id")


def _t(en: str, ru: str, zh: str, id_: str) -> dict[str, str]:
    return {"en": en, "ru": ru, "zh-hans": zh, "id": id_}


def _choice(key: str, label: dict[str, str]) -> dict[str, Any]:
    return {"key": key, "label": label}


def _leaf(key: str, op: str, value: Any) -> dict[str, Any]:
    return {"source": "answer", "key": key, "op": op, "value": value}


_THEME: Final = {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""}

_THANKS_TITLE: Final = _t(
    "Thank you for your feedback!",
    "Спасибо за ваш отзыв!",
    "感谢您的反馈！",
    "Terima kasih atas masukan Anda!",
)
_CHOOSE_UP_TO_THREE: Final = _t(
    "Choose up to three.", "Выберите не более трёх вариантов.", "最多选择三项。", "Pilih hingga tiga."
)
_CHOOSE_ALL: Final = _t(
    "Choose all that apply.", "Выберите все подходящие варианты.", "可多选。", "Pilih semua yang sesuai."
)
_IN_YOUR_WORDS: Final = _t(
    "Tell us in your own words",
    "Расскажите своими словами",
    "请用您自己的话告诉我们",
    "Ceritakan dengan kata-kata Anda sendiri",
)

# The reasons a relationship survey offers, both for "what to improve" and "what you like most".
_DELIVERY = _t(
    "Delivery speed and reliability",
    "Скорость и надёжность доставки",
    "配送速度与可靠性",
    "Kecepatan dan keandalan pengiriman",
)
_PRICES = _t("Prices and offers", "Цены и акции", "价格与优惠", "Harga dan penawaran")
_RANGE = _t(
    "Product range and availability",
    "Ассортимент и наличие товаров",
    "商品种类与库存",
    "Pilihan dan ketersediaan produk",
)
_SERVICE = _t("Customer service", "Обслуживание клиентов", "客户服务", "Layanan pelanggan")
_WEBSITE_APP = _t("Website and app", "Сайт и приложение", "网站与应用", "Situs web dan aplikasi")


def _relationship_nps() -> dict[str, Any]:
    promoter = _leaf("nps", "gte", 9)
    return {
        "hidden_fields": ["plan", "country"],
        "questions": [
            {
                "key": "nps",
                "type": "nps",
                "required": True,
                "text": _t(
                    "How likely are you to recommend us to a friend or colleague?",
                    "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
                    "您向朋友或同事推荐我们的可能性有多大？",
                    "Seberapa besar kemungkinan Anda merekomendasikan kami kepada teman atau kolega?",
                ),
                "options": {
                    "low_label": _t(
                        "Not at all likely", "Совсем маловероятно", "完全不可能", "Sangat tidak mungkin"
                    ),
                    "high_label": _t("Extremely likely", "Очень вероятно", "极有可能", "Sangat mungkin"),
                },
            },
            {
                "key": "improve",
                "type": "multiple_choice",
                "text": _t(
                    "What should we improve first?",
                    "Что нам стоит улучшить в первую очередь?",
                    "您认为我们最应该先改进哪些方面？",
                    "Apa yang sebaiknya kami perbaiki terlebih dahulu?",
                ),
                "description": _CHOOSE_UP_TO_THREE,
                "choices": [
                    _choice("delivery", _DELIVERY),
                    _choice("prices", _PRICES),
                    _choice("product_range", _RANGE),
                    _choice("customer_service", _SERVICE),
                    _choice("website_app", _WEBSITE_APP),
                    _choice(
                        "returns",
                        _t(
                            "Returns and refunds",
                            "Возврат товаров и денег",
                            "退换货与退款",
                            "Pengembalian barang dan dana",
                        ),
                    ),
                ],
                "options": {"allow_other": True, "max_selected": 3},
                "visible_if": _leaf("nps", "lte", 8),
            },
            {
                "key": "like_most",
                "type": "multiple_choice",
                "text": _t(
                    "What do you like most about us?",
                    "Что вам нравится в нас больше всего?",
                    "您最喜欢我们哪些方面？",
                    "Apa yang paling Anda sukai dari kami?",
                ),
                "description": _CHOOSE_UP_TO_THREE,
                "choices": [
                    _choice("delivery", _DELIVERY),
                    _choice("prices", _PRICES),
                    _choice("product_range", _RANGE),
                    _choice("customer_service", _SERVICE),
                    _choice("website_app", _WEBSITE_APP),
                    _choice(
                        "loyalty",
                        _t("Loyalty programme", "Программа лояльности", "会员计划", "Program loyalitas"),
                    ),
                ],
                "options": {"allow_other": True, "max_selected": 3},
                "visible_if": promoter,
            },
            {
                "key": "comment",
                "type": "text",
                "text": _t(
                    "What is the main reason for your score of {{answer.nps}}?",
                    "Какова главная причина вашей оценки {{answer.nps}}?",
                    "您给出 {{answer.nps}} 分的主要原因是什么？",
                    "Apa alasan utama Anda memberi nilai {{answer.nps}}?",
                ),
                "options": {"variant": "long", "max_length": 2000, "placeholder": _IN_YOUR_WORDS},
            },
            {
                "key": "review",
                "type": "yes_no",
                "text": _t(
                    "Would you be willing to share your experience in a public review?",
                    "Готовы ли вы поделиться своим опытом в публичном отзыве?",
                    "您愿意在公开评价中分享您的体验吗？",
                    "Apakah Anda bersedia membagikan pengalaman Anda dalam ulasan publik?",
                ),
                "visible_if": promoter,
                "jumps": [{"if": _leaf("review", "eq", True), "end": "review_invite"}],
            },
        ],
        "endings": [
            {
                "key": "thanks",
                "type": "message",
                "title": _THANKS_TITLE,
                "text": _t(
                    "We read every answer and use it to decide what to improve next.",
                    "Мы читаем каждый ответ и по ним решаем, что улучшить в первую очередь.",
                    "我们会认真阅读每一条回答，并据此决定下一步改进的方向。",
                    "Kami membaca setiap jawaban dan menggunakannya untuk menentukan apa yang perlu "
                    "kami perbaiki berikutnya.",
                ),
            },
            {
                "key": "review_invite",
                "type": "message",
                "title": _t(
                    "Thank you — that means a lot to us!",
                    "Спасибо, для нас это очень важно!",
                    "谢谢您，这对我们意义重大！",
                    "Terima kasih, ini sangat berarti bagi kami!",
                ),
                "text": _t(
                    "Please look us up on your favourite review site and tell others about your "
                    "experience. It only takes a minute and helps other customers choose with confidence.",
                    "Найдите нас на любимом сайте отзывов и расскажите о своём опыте. Это займёт всего "
                    "минуту и поможет другим покупателям сделать уверенный выбор.",
                    "请在您常用的点评网站上找到我们，与他人分享您的体验。只需一分钟，就能帮助其他顾客放心选择。",
                    "Silakan cari kami di situs ulasan favorit Anda dan ceritakan pengalaman Anda. Hanya "
                    "butuh satu menit dan membantu pelanggan lain memilih dengan yakin.",
                ),
            },
        ],
        "settings": {"layout": "one_per_screen", "progress": True},
    }


def _support_csat() -> dict[str, Any]:
    return {
        "hidden_fields": ["ticket_id", "plan", "country"],
        "questions": [
            {
                "key": "csat",
                "type": "csat",
                "required": True,
                "text": _t(
                    "How satisfied are you with the support you received?",
                    "Насколько вы довольны полученной поддержкой?",
                    "您对我们提供的支持服务满意吗？",
                    "Seberapa puas Anda dengan bantuan yang Anda terima?",
                ),
                "options": {"style": "faces"},
            },
            {
                "key": "resolved",
                "type": "yes_no",
                "text": _t(
                    "Was your issue resolved?",
                    "Ваш вопрос решён?",
                    "您的问题解决了吗？",
                    "Apakah masalah Anda sudah terselesaikan?",
                ),
            },
            {
                "key": "went_wrong",
                "type": "multiple_choice",
                "text": _t(
                    "What went wrong?",
                    "Что пошло не так?",
                    "哪些方面让您不满意？",
                    "Apa yang kurang memuaskan?",
                ),
                "description": _CHOOSE_ALL,
                "choices": [
                    _choice(
                        "slow",
                        _t(
                            "It took too long to get help",
                            "Пришлось слишком долго ждать помощи",
                            "等待帮助的时间太长",
                            "Terlalu lama menunggu bantuan",
                        ),
                    ),
                    _choice(
                        "not_solved",
                        _t(
                            "My problem was not solved",
                            "Моя проблема не решена",
                            "我的问题没有得到解决",
                            "Masalah saya tidak terselesaikan",
                        ),
                    ),
                    _choice(
                        "repeat",
                        _t(
                            "I had to explain my problem more than once",
                            "Пришлось объяснять проблему несколько раз",
                            "我不得不多次解释我的问题",
                            "Saya harus menjelaskan masalah saya lebih dari sekali",
                        ),
                    ),
                    _choice(
                        "unfriendly",
                        _t(
                            "The agent was not friendly or helpful",
                            "Сотрудник был неприветлив или не помог",
                            "客服人员不够友好或没有帮助",
                            "Petugas kurang ramah atau kurang membantu",
                        ),
                    ),
                    _choice(
                        "unclear",
                        _t(
                            "The answer was hard to understand",
                            "Ответ был непонятным",
                            "回复难以理解",
                            "Jawabannya sulit dipahami",
                        ),
                    ),
                ],
                "options": {"allow_other": True},
                "visible_if": _leaf("csat", "lte", 3),
            },
            {
                "key": "comment",
                "type": "text",
                "text": _t(
                    "Is there anything else you would like to tell us?",
                    "Хотите что-нибудь добавить?",
                    "您还有什么想告诉我们的吗？",
                    "Ada hal lain yang ingin Anda sampaikan?",
                ),
                "options": {"variant": "long", "max_length": 2000, "placeholder": _IN_YOUR_WORDS},
            },
        ],
        "endings": [
            {
                "key": "thanks",
                "type": "message",
                "title": _THANKS_TITLE,
                "text": _t(
                    "Your answers go straight to our support team.",
                    "Ваши ответы сразу попадут к нашей команде поддержки.",
                    "您的回答将直接转给我们的支持团队。",
                    "Jawaban Anda langsung diteruskan ke tim dukungan kami.",
                ),
            }
        ],
        "settings": {"layout": "one_per_screen", "progress": True},
    }


def _checkout_ces() -> dict[str, Any]:
    return {
        "hidden_fields": ["order_id", "plan", "country"],
        "questions": [
            {
                "key": "ces",
                "type": "ces",
                "required": True,
                "text": _t(
                    "How easy was it to complete your purchase today?",
                    "Насколько легко вам было оформить покупку сегодня?",
                    "今天完成购买的过程有多容易？",
                    "Seberapa mudah Anda menyelesaikan pembelian hari ini?",
                ),
                "options": {
                    "low_label": _t("Very difficult", "Очень сложно", "非常困难", "Sangat sulit"),
                    "high_label": _t("Very easy", "Очень легко", "非常容易", "Sangat mudah"),
                },
            },
            {
                "key": "difficulty",
                "type": "multiple_choice",
                "text": _t(
                    "What made it difficult?",
                    "Что вызвало трудности?",
                    "哪些环节让您觉得困难？",
                    "Apa yang membuatnya sulit?",
                ),
                "description": _CHOOSE_ALL,
                "choices": [
                    _choice(
                        "find_product",
                        _t(
                            "Finding the right product",
                            "Найти нужный товар",
                            "找到合适的商品",
                            "Menemukan produk yang tepat",
                        ),
                    ),
                    _choice(
                        "delivery_options",
                        _t(
                            "Choosing delivery",
                            "Выбрать способ доставки",
                            "选择配送方式",
                            "Memilih pengiriman",
                        ),
                    ),
                    _choice("payment", _t("Paying", "Оплатить заказ", "付款", "Melakukan pembayaran")),
                    _choice(
                        "discount",
                        _t(
                            "Applying a discount code",
                            "Применить промокод",
                            "使用优惠码",
                            "Memakai kode diskon",
                        ),
                    ),
                    _choice(
                        "account",
                        _t(
                            "Signing in or creating an account",
                            "Войти или создать аккаунт",
                            "登录或注册账户",
                            "Masuk atau membuat akun",
                        ),
                    ),
                    _choice(
                        "errors",
                        _t(
                            "Error messages or slow pages",
                            "Ошибки или медленная загрузка страниц",
                            "错误提示或页面加载缓慢",
                            "Pesan galat atau halaman yang lambat",
                        ),
                    ),
                ],
                "options": {"allow_other": True},
                "visible_if": _leaf("ces", "lte", 4),
            },
            {
                "key": "comment",
                "type": "text",
                "text": _t(
                    "What could we do to make buying from us even easier?",
                    "Что мы могли бы сделать, чтобы покупать у нас было ещё проще?",
                    "我们可以怎样让您的购物更加轻松？",
                    "Apa yang bisa kami lakukan agar berbelanja di tempat kami semakin mudah?",
                ),
                "options": {"variant": "long", "max_length": 2000, "placeholder": _IN_YOUR_WORDS},
            },
        ],
        "endings": [
            {
                "key": "thanks",
                "type": "message",
                "title": _THANKS_TITLE,
                "text": _t(
                    "Thank you for helping us make checkout easier.",
                    "Спасибо, что помогаете нам упростить оформление заказа.",
                    "感谢您帮助我们让结账更简单。",
                    "Terima kasih telah membantu kami membuat proses pembayaran lebih mudah.",
                ),
            }
        ],
        "settings": {"layout": "one_per_screen", "progress": True},
    }


def _website_feedback() -> dict[str, Any]:
    return {
        "hidden_fields": ["plan", "country"],
        "questions": [
            {
                "key": "csat",
                "type": "csat",
                "required": True,
                "text": _t(
                    "How would you rate your experience on our website today?",
                    "Как вы оцениваете сегодняшнее посещение нашего сайта?",
                    "您如何评价今天在我们网站上的体验？",
                    "Bagaimana penilaian Anda terhadap pengalaman di situs web kami hari ini?",
                ),
                "options": {"style": "stars"},
            },
            {
                "key": "category",
                "type": "single_choice",
                "required": True,
                "text": _t(
                    "What is your feedback about?",
                    "О чём ваш отзыв?",
                    "您的反馈是关于什么的？",
                    "Masukan Anda tentang apa?",
                ),
                "choices": [
                    _choice(
                        "bug",
                        _t(
                            "Something is not working",
                            "Что-то не работает",
                            "有功能无法正常使用",
                            "Ada yang tidak berfungsi",
                        ),
                    ),
                    _choice(
                        "idea",
                        _t("An idea or suggestion", "Идея или предложение", "想法或建议", "Ide atau saran"),
                    ),
                    _choice(
                        "content",
                        _t(
                            "Missing or wrong information",
                            "Нет нужной информации или она неверна",
                            "信息缺失或有误",
                            "Informasi kurang atau salah",
                        ),
                    ),
                    _choice("compliment", _t("A compliment", "Благодарность", "表扬", "Pujian")),
                ],
                "options": {"allow_other": True},
            },
            {
                "key": "comment",
                "type": "text",
                "text": _t(
                    "Tell us more", "Расскажите подробнее", "请告诉我们更多详情", "Ceritakan lebih lanjut"
                ),
                "options": {
                    "variant": "long",
                    "max_length": 2000,
                    "placeholder": _t(
                        "What happened, and on which page?",
                        "Что произошло и на какой странице?",
                        "发生了什么？在哪个页面？",
                        "Apa yang terjadi, dan di halaman mana?",
                    ),
                },
            },
            {
                "key": "email",
                "type": "text",
                "text": _t(
                    "Your email address, if you would like a reply",
                    "Ваш адрес электронной почты, если хотите получить ответ",
                    "如需回复，请留下您的电子邮箱",
                    "Alamat email Anda, jika ingin mendapat balasan",
                ),
                "description": _t(
                    "Optional. We only use it to answer this message.",
                    "Необязательно. Мы используем его только для ответа на это сообщение.",
                    "选填。仅用于回复本条反馈。",
                    "Opsional. Hanya kami gunakan untuk membalas pesan ini.",
                ),
                "options": {
                    "variant": "short",
                    "validation": "email",
                    "max_length": 254,
                    "placeholder": _t(
                        "name@example.com", "name@example.com", "name@example.com", "nama@contoh.com"
                    ),
                },
            },
        ],
        "endings": [
            {
                "key": "thanks",
                "type": "message",
                "title": _t(
                    "Thanks for helping us improve!",
                    "Спасибо, что помогаете нам стать лучше!",
                    "感谢您帮助我们改进！",
                    "Terima kasih telah membantu kami menjadi lebih baik!",
                ),
                "text": _t(
                    "If you left your email address, we will get back to you soon.",
                    "Если вы оставили адрес электронной почты, мы скоро вам ответим.",
                    "如果您留下了电子邮箱，我们会尽快回复您。",
                    "Jika Anda meninggalkan alamat email, kami akan segera menghubungi Anda.",
                ),
            }
        ],
        # A feedback button opens a short form: all of it at once reads faster than four screens.
        "settings": {"layout": "all_on_one", "progress": False},
    }


def _exit_intent() -> dict[str, Any]:
    return {
        "hidden_fields": ["cart_value", "plan", "country"],
        "questions": [
            {
                "key": "stopped",
                "type": "single_choice",
                "required": True,
                "text": _t(
                    "Before you go: what stopped you from buying today?",
                    "Прежде чем вы уйдёте: что помешало вам сделать покупку сегодня?",
                    "在您离开之前：是什么让您今天没有下单？",
                    "Sebelum Anda pergi: apa yang membuat Anda belum berbelanja hari ini?",
                ),
                "choices": [
                    _choice(
                        "just_browsing",
                        _t(
                            "I'm just looking around",
                            "Я просто смотрю",
                            "我只是随便看看",
                            "Saya hanya melihat-lihat",
                        ),
                    ),
                    _choice(
                        "price",
                        _t(
                            "The price is higher than I expected",
                            "Цена выше, чем я ожидал(а)",
                            "价格比我预期的高",
                            "Harganya lebih mahal dari perkiraan saya",
                        ),
                    ),
                    _choice(
                        "delivery",
                        _t(
                            "Delivery costs or times",
                            "Стоимость или сроки доставки",
                            "运费或配送时间",
                            "Biaya atau waktu pengiriman",
                        ),
                    ),
                    _choice(
                        "not_found",
                        _t(
                            "I couldn't find what I was looking for",
                            "Не удалось найти то, что я искал(а)",
                            "没有找到我想要的商品",
                            "Saya tidak menemukan yang saya cari",
                        ),
                    ),
                    _choice(
                        "payment",
                        _t(
                            "My payment method is not available",
                            "Нет подходящего способа оплаты",
                            "没有我想用的支付方式",
                            "Metode pembayaran saya tidak tersedia",
                        ),
                    ),
                    _choice(
                        "compare",
                        _t(
                            "I want to compare with other shops first",
                            "Хочу сначала сравнить с другими магазинами",
                            "我想先和其他商店比较一下",
                            "Saya ingin membandingkan dengan toko lain dulu",
                        ),
                    ),
                ],
                "options": {"allow_other": True},
                "jumps": [{"if": _leaf("stopped", "eq", "just_browsing"), "end": "browsing"}],
            },
            {
                "key": "comment",
                "type": "text",
                "text": _t(
                    "What would have helped you decide?",
                    "Что помогло бы вам принять решение?",
                    "什么能帮助您做出决定？",
                    "Apa yang bisa membantu Anda mengambil keputusan?",
                ),
                "options": {"variant": "long", "max_length": 2000, "placeholder": _IN_YOUR_WORDS},
            },
        ],
        "endings": [
            {
                "key": "thanks",
                "type": "message",
                "title": _t(
                    "Thank you for telling us!",
                    "Спасибо, что рассказали!",
                    "感谢您告诉我们！",
                    "Terima kasih sudah memberi tahu kami!",
                ),
                "text": _t(
                    "Your answer helps us make the shop better for everyone.",
                    "Ваш ответ помогает нам сделать магазин лучше для всех.",
                    "您的回答将帮助我们为所有顾客改进商店。",
                    "Jawaban Anda membantu kami membuat toko ini lebih baik untuk semua orang.",
                ),
            },
            {
                "key": "browsing",
                "type": "message",
                "title": _t(
                    "Happy browsing!", "Приятного выбора!", "祝您逛得愉快！", "Selamat melihat-lihat!"
                ),
                "text": _t(
                    "Take your time. If you have a question, our support team is happy to help.",
                    "Не торопитесь. Если появятся вопросы, наша служба поддержки с радостью поможет.",
                    "慢慢挑选。如有任何疑问，我们的客服团队随时乐意为您提供帮助。",
                    "Silakan luangkan waktu Anda. Jika ada pertanyaan, tim dukungan kami siap membantu.",
                ),
            },
        ],
        "settings": {"layout": "one_per_screen", "progress": False},
    }


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    name: str | Promise
    description: str | Promise
    definition: Mapping[str, Any]


def _complete(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": 1,
        "base_language": "en",
        "languages": list(LANGUAGES),
        **body,
        "theme": dict(_THEME),
    }


TEMPLATES: Final[dict[str, SurveyTemplate]] = {
    t.key: t
    for t in (
        SurveyTemplate(
            "relationship_nps",
            _("Relationship NPS"),
            _(
                "Measure loyalty with the Net Promoter Score. Detractors and passives say what to improve "
                "first; promoters say what they like most and are invited to leave a review."
            ),
            _complete(_relationship_nps()),
        ),
        SurveyTemplate(
            "support_csat",
            _("CSAT after support"),
            _(
                "Ask how satisfied customers are after a support conversation and whether their issue was "
                "resolved; low scores say what went wrong."
            ),
            _complete(_support_csat()),
        ),
        SurveyTemplate(
            "checkout_ces",
            _("CES after checkout"),
            _("Measure how easy it was to buy. When it was hard, customers say which step got in their way."),
            _complete(_checkout_ces()),
        ),
        SurveyTemplate(
            "website_feedback",
            _("Website feedback"),
            _(
                "An always-on feedback button: a rating, what the feedback is about, the details and an "
                "optional email address for a reply."
            ),
            _complete(_website_feedback()),
        ),
        SurveyTemplate(
            "exit_intent",
            _("Exit-intent survey"),
            _(
                "Ask visitors who are about to leave what stopped them from buying today, and what would "
                "have helped them decide."
            ),
            _complete(_exit_intent()),
        ),
    )
}


def template_definition(key: str, base_language: str) -> dict[str, Any]:
    """A fresh copy of the template's definition with ``base_language`` as its base.

    Raises KeyError for an unknown template and ValueError for an unsupported language. Every template
    is written in all four languages, so any of them can be the base and none is missing.
    """
    template = TEMPLATES[key]
    if base_language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported base language {base_language!r}")
    definition = copy.deepcopy(dict(template.definition))
    definition["base_language"] = base_language
    definition["languages"] = [base_language, *(code for code in LANGUAGES if code != base_language)]
    return definition
