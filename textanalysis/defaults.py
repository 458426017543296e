"""The themes every organisation can start from, with keywords in the four shipped languages.

Keywords are matched on word stems (English, Russian, Indonesian), so one form usually covers its
inflections; where a stemmer leaves forms apart ("pengiriman" and "kirim") both are listed. Chinese
keywords of two or more characters match anywhere in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DefaultTheme:
    slug: str
    name: Promise
    keywords: dict[str, list[str]]


DEFAULT_THEMES: tuple[DefaultTheme, ...] = (
    DefaultTheme(
        "delivery",
        _("Delivery"),
        {
            "en": [
                "delivery", "deliver", "delivered", "courier", "parcel", "package", "shipping", "shipment",
                "shipped", "tracking", "tracked", "dispatch", "dispatched", "postman", "driver",
                "pickup point", "pick-up point", "box", "packed", "packaging", "doorstep", "arrived",
                "arrival", "delivery slot", "time window",
            ],
            "ru": [
                "доставка", "доставки", "доставку", "доставили", "доставлен", "доставленный", "курьер",
                "курьера", "посылка", "посылку", "посылки", "привезли", "привез", "отправили",
                "отправка", "отслеживание", "трек", "пункт выдачи", "коробка", "коробку", "упаковка",
                "упакован", "упаковано", "интервал", "пришла", "пришёл", "опоздала", "опоздал",
            ],
            "zh-hans": [
                "配送", "送货", "快递", "物流", "包裹", "发货", "签收", "到货", "送到", "自提点", "箱子",
                "包装", "送达", "收到货", "派送", "晚到", "早到",
            ],
            "id": [
                "pengiriman", "kirim", "dikirim", "terkirim", "mengirim", "kurir", "kurirnya", "paket",
                "paketnya", "pelacakan", "lacak", "resi", "kardus", "titik ambil", "diantar", "antar",
                "ekspedisi", "terlambat", "dikemas", "kemasan",
            ],
        },
    ),
    DefaultTheme(
        "price",
        _("Price"),
        {
            "en": [
                "price", "prices", "priced", "pricing", "cost", "costs", "expensive", "cheap", "cheaper",
                "cheapest", "value for money", "discount", "discounts", "sale", "offer", "offers", "deal",
                "deals", "fee", "fees", "charged", "overcharged", "affordable", "overpriced", "bundle",
                "bundles", "coupon", "voucher", "pricey",
            ],
            "ru": [
                "цена", "цены", "цену", "ценой", "ценам", "дорого", "дороже", "дорогой", "дешево",
                "дешевле", "дешёвый", "стоимость", "скидка", "скидку", "скидки", "скидкой", "акция", "акции",
                "сбор", "переплата", "списали", "выгодно", "выгодные", "соотношение цены",
                "наборов", "наборы",
            ],
            "zh-hans": [
                "价格", "价钱", "性价比", "便宜", "贵", "折扣", "优惠", "划算", "实惠", "费用", "运费",
                "服务费", "扣款", "扣了", "促销", "涨价", "降价", "价位", "省钱",
            ],
            "id": [
                "harga", "harganya", "mahal", "murah", "diskon", "promo", "potongan", "biaya", "ongkir",
                "hemat", "sepadan", "ditagih", "tagihan", "bundling", "voucher", "cashback",
            ],
        },
    ),
    DefaultTheme(
        "support",
        _("Customer support"),
        {
            "en": [
                "support", "customer service", "customer care", "agent", "chat", "chatbot", "operator",
                "on the phone", "by phone", "phone call", "hotline", "call", "called", "call back", "email", "emails", "refund", "refunds",
                "helpdesk", "help desk", "representative", "transferred", "reply", "replied", "answer", "complaint",
                "service desk", "live chat",
            ],
            "ru": [
                "поддержка", "поддержки", "поддержку", "оператор", "оператора", "чат", "чате", "чат-бот",
                "бот", "звонок", "позвонил", "позвонить", "перезвонить", "перезвонили", "на линии",
                "линии", "письмо", "письма", "возврат", "возврату", "специалист", "специалиста",
                "горячая линия", "ответ", "ответа", "ответили", "служба", "обращение", "обмен", "обмена",
            ],
            "zh-hans": [
                "客服", "人工", "售后", "退款", "电话", "回电", "邮件", "投诉", "在线咨询", "转接",
                "回复", "服务态度", "热线",
            ],
            "id": [
                "cs", "customer service", "layanan pelanggan", "live chat", "chat", "chatbot", "telepon",
                "ditelepon", "menelepon", "email", "refund", "pengembalian dana", "keluhan", "komplain",
                "admin", "dioper", "operator", "dijawab", "jawaban", "petugas", "petugasnya", "pelayanan",
            ],
        },
    ),
    DefaultTheme(
        "app",
        _("App and website"),
        {
            "en": [
                "app", "apps", "application", "website", "site", "web", "login", "log in", "logged",
                "logs me out", "update", "crash", "crashes", "crashed", "search", "notification",
                "notifications", "dark mode", "scanner", "barcode", "screen", "browser", "mobile", "online",
                "interface", "version", "battery", "freezes",
            ],
            "ru": [
                "приложение", "приложении", "приложения", "сайт", "сайте", "сайта", "обновление",
                "обновления", "вылетает", "вылетело", "войти", "аккаунт", "аккаунта", "поиск",
                "уведомления", "уведомлений", "push", "экран", "интерфейс", "тёмная тема", "сканер",
                "версия", "батарею", "тормозит", "зависает",
            ],
            "zh-hans": [
                "app", "应用", "软件", "网站", "网页", "闪退", "登录", "更新", "搜索", "推送", "通知",
                "界面", "卡顿", "深色模式", "扫码", "版本", "耗电", "小程序",
            ],
            "id": [
                "aplikasi", "aplikasinya", "app", "website", "situs", "web", "login", "logout", "update",
                "crash", "error", "fitur", "notifikasi", "notifikasinya", "fitur pencarian", "kolom pencarian", "mode gelap",
                "pemindai", "barcode", "lemot", "baterai", "versi",
            ],
        },
    ),
    DefaultTheme(
        "checkout",
        _("Checkout and payment"),
        {
            "en": [
                "checkout", "check out", "check-out", "pay", "paid", "paying", "payment", "payments", "card",
                "cart", "basket", "order summary", "promo code", "discount code", "apple pay", "google pay",
                "paypal", "3-d secure", "3d secure", "declined", "billing", "account first", "create an account",
            ],
            "ru": [
                "оформление", "оформлении", "оформляется", "оплата", "оплаты", "оплате",
                "оплатить", "платить", "карта", "карту", "карты", "корзина", "корзину", "промокод",
                "промокода", "сбп", "3-d secure", "регистрация", "отклонили",
            ],
            "zh-hans": [
                "结账", "付款", "支付", "微信支付", "支付宝", "银行卡", "购物车", "下单", "优惠码", "注册",
                "订单明细", "银行验证",
            ],
            "id": [
                "checkout", "pembayaran", "bayar", "membayar", "dibayar", "kartu", "keranjang", "kode promo",
                "gopay", "ovo", "shopeepay", "transfer", "virtual account", "verifikasi", "daftar akun",
            ],
        },
    ),
    DefaultTheme(
        "store",
        _("Store and staff"),
        {
            "en": [
                "store", "stores", "in-store", "shop floor", "till", "tills", "cashier", "cashiers", "queue",
                "fitting room", "fitting rooms", "shelf", "shelves", "staff", "self-checkout", "branch",
                "aisle", "shop assistant", "salesperson", "on the floor", "mall",
            ],
            "ru": [
                "магазин", "магазине", "магазина", "касса", "кассе", "кассы", "кассир", "кассиры",
                "очередь", "очереди", "консультант", "персонал", "продавец", "продавцы", "примерочная",
                "примерочные", "полке", "полка", "в зале", "торговый зал", "сотрудники магазина",
            ],
            "zh-hans": [
                "门店", "店里", "店员", "收银台", "收银员", "排队", "试衣间", "货架", "商场", "实体店",
                "导购", "自助收银", "店内",
            ],
            "id": [
                "toko", "tokonya", "kasir", "antrean", "antre", "antri", "pegawai", "staf", "stafnya",
                "ruang ganti", "rak", "gerai", "outlet", "pramuniaga", "karyawan", "kasir mandiri",
            ],
        },
    ),
    DefaultTheme(
        "quality",
        _("Product quality"),
        {
            "en": [
                "quality", "material", "fabric", "defective", "faulty", "torn", "durable", "stitching", "sturdy",
                "flimsy", "fell apart", "expired", "stale", "taste", "tastes", "counterfeit", "fake",
                "genuine", "well made", "cheaply made",
            ],
            "ru": [
                "качество", "качества", "качеством", "брак", "бракованный", "материал", "ткань", "порвался",
                "порвалась", "просроченный", "просрочен", "вкус", "шов", "швы", "подделка", "оригинал",
                "развалился", "сломался",
            ],
            "zh-hans": [
                "质量", "品质", "做工", "材质", "面料", "次品", "假货", "正品", "过期", "味道", "耐用",
                "掉色", "开线",
            ],
            "id": [
                "kualitas", "kualitasnya", "cacat", "sobek", "bahan", "bahannya", "jahitan", "awet", "asli", "palsu",
                "kedaluwarsa", "basi", "rasa", "rasanya", "mutu",
            ],
        },
    ),
)  # fmt: skip
