"""What demo respondents write, in the four shipped languages.

Indexed by language, polarity (from the score) and topic, so that a comment always matches the
response's language and score, and mostly matches what the touchpoint is about. These are data, not UI
strings: they are never translated.
"""

from __future__ import annotations

from typing import Final

ONLINE_TOPICS: Final = ("delivery", "price", "support", "app", "checkout")
TOPICS: Final = (*ONLINE_TOPICS, "store")
POLARITIES: Final = ("positive", "neutral", "negative")

Bank = dict[str, dict[str, dict[str, tuple[str, ...]]]]

PHRASES: Final[Bank] = {
    "en": {
        "positive": {
            "delivery": (
                "Parcel arrived a day earlier than promised and was packed really well.",
                "The courier called ahead and handed it over at the door. Smooth as always.",
                "Fast delivery, and the tracking updates were spot on.",
                "Ordered on Sunday evening, had it on Tuesday morning. Impressive.",
            ),
            "price": (
                "Good value for money, especially with the member discount.",
                "Prices are fair and the weekend offers are genuinely good.",
                "I compared three other shops and you were the cheapest. Will buy again.",
                "The price at checkout was exactly what was advertised, no surprises.",
            ),
            "support": (
                "Maria in the chat solved my problem in five minutes. Thank you!",
                "Support was friendly and actually read my message before answering.",
                "My refund was processed the same day I asked. Great service.",
                "The agent stayed with me until the exchange was sorted out.",
            ),
            "app": (
                "The new app is fast and the order tracking screen is really clear.",
                "Love the app, reordering my usual items takes two taps.",
                "Dark mode and the barcode scanner are great additions.",
                "The app works smoothly, never had a crash.",
            ),
            "checkout": (
                "Checkout was quick, Apple Pay worked first time.",
                "Very easy to pay, and I liked choosing the delivery slot at the end.",
                "Saved address and card made checkout take less than a minute.",
                "Clear order summary before paying, everything was as expected.",
            ),
            "store": (
                "Staff at the store helped me find the right size straight away.",
                "Clean store, short queue at the till, friendly people.",
                "Great selection in store and the self-checkout worked fine.",
            ),
        },
        "neutral": {
            "delivery": (
                "Delivery was fine, but an eight-hour time window is too wide.",
                "Arrived on time. The box was a lot bigger than it needed to be.",
                "OK overall, though the tracking link did not update for a day.",
                "The parcel went to a pickup point instead of my home, but it was close by.",
            ),
            "price": (
                "Decent prices, but shipping costs add up on small orders.",
                "Some products are cheaper elsewhere, others are cheaper here.",
                "The discount code only worked on part of my order, not sure why.",
                "Prices are OK. It would be nice to have more bundles.",
            ),
            "support": (
                "Got an answer, but it took two days and I had to explain everything twice.",
                "The agent was polite but could not tell me when the refund would arrive.",
                "Support is fine, I just wish the chat was open in the evening.",
                "Issue resolved in the end, after being transferred once.",
            ),
            "app": (
                "The app does what I need, but search could be smarter.",
                "Works fine, although it logs me out every few days.",
                "Decent app. I would like to see my store receipts in it too.",
                "Notifications are a bit too frequent.",
            ),
            "checkout": (
                "Checkout works, but having to create an account first is annoying.",
                "It would be nice to pay with PayPal.",
                "It took me a while to find where to enter the promo code.",
                "Fine, but the page reloads when I change the delivery option.",
            ),
            "store": (
                "The store was busy and only two tills were open.",
                "Nice store, but my size was out of stock.",
                "Friendly staff, though the fitting rooms need some care.",
            ),
        },
        "negative": {
            "delivery": (
                "Parcel was two days late and nobody told me why.",
                "The courier marked it as delivered but I never received anything.",
                "The box arrived damaged and one item was broken.",
                "The delivery slot was missed twice. I took a day off for nothing.",
            ),
            "price": (
                "Prices went up again and the quality did not.",
                "A hidden service fee appeared only at the last step. Not OK.",
                "I was charged twice for the same order.",
                "The sale price was not applied and nobody could explain why.",
            ),
            "support": (
                "Waited 40 minutes on the phone and then the call dropped.",
                "Three emails and still no answer about my refund.",
                "The chatbot keeps sending me in circles, I need a human.",
                "The agent promised a call back that never came.",
            ),
            "app": (
                "The app crashes every time I open my order history.",
                "After the update I cannot log in any more.",
                "Payment in the app failed three times, ended up ordering on the website.",
                "The app is slow and drains my battery.",
            ),
            "checkout": (
                "My card was declined at checkout even though it works everywhere else.",
                "Checkout kept emptying my cart, gave up after the third try.",
                "Too many steps to pay, and then the page timed out.",
                "The 3-D Secure page never loaded, so I could not pay.",
            ),
            "store": (
                "Waited 20 minutes at the till, only one cashier on a Saturday.",
                "Nobody on the floor to ask, so I left without buying anything.",
                "The shelf price and the price at the till were different.",
            ),
        },
    },
    "ru": {
        "positive": {
            "delivery": (
                "Посылка пришла на день раньше обещанного, всё аккуратно упаковано.",
                "Курьер позвонил заранее и приехал точно в интервал. Спасибо!",
                "Быстрая доставка, отслеживание работало без сбоев.",
                "Заказала в воскресенье вечером, во вторник утром всё уже было дома.",
            ),
            "price": (
                "Хорошее соотношение цены и качества, особенно с картой лояльности.",
                "Цены честные, а акции на выходных действительно выгодные.",
                "Сравнивал с тремя магазинами — у вас дешевле всего.",
                "Цена при оплате совпала с ценой на сайте, без сюрпризов.",
            ),
            "support": (
                "Оператор в чате решил мой вопрос за пять минут. Огромное спасибо!",
                "Поддержка вежливая и по делу, ответ пришёл очень быстро.",
                "Деньги за возврат вернули в тот же день.",
                "Сотрудник помог оформить обмен и всё подробно объяснил.",
            ),
            "app": (
                "Новое приложение быстрое, следить за заказом стало очень удобно.",
                "В приложении повторить заказ можно в два касания — супер.",
                "Тёмная тема и сканер штрихкодов — отличные новинки.",
                "Приложение работает стабильно, ни разу не вылетало.",
            ),
            "checkout": (
                "Оформление заказа быстрое, оплата картой прошла с первого раза.",
                "Очень удобно выбирать время доставки прямо при оплате.",
                "Сохранённый адрес и карта — заказ оформляется меньше чем за минуту.",
                "Понятная сводка заказа перед оплатой, всё как я ожидал.",
            ),
            "store": (
                "Консультант в магазине сразу подобрал нужный размер.",
                "Чистый магазин, очередь на кассе небольшая, персонал приветливый.",
                "Хороший выбор в магазине, касса самообслуживания работает отлично.",
            ),
        },
        "neutral": {
            "delivery": (
                "Доставка нормальная, но интервал в восемь часов слишком большой.",
                "Привезли вовремя, но коробка была в три раза больше товара.",
                "В целом хорошо, хотя статус доставки сутки не обновлялся.",
                "Посылку отправили в пункт выдачи, а не домой, но он рядом.",
            ),
            "price": (
                "Цены неплохие, но на маленькие заказы доставка выходит дорого.",
                "Что-то у вас дешевле, что-то дороже, чем у конкурентов.",
                "Промокод сработал только на часть товаров, непонятно почему.",
                "Цены нормальные. Хотелось бы больше наборов со скидкой.",
            ),
            "support": (
                "Ответ получил, но через два дня, и пришлось объяснять всё заново.",
                "Оператор вежливый, но не смог сказать, когда вернут деньги.",
                "Поддержка в целом в порядке, но чат не работает по вечерам.",
                "Вопрос решили, но только после перевода на другого специалиста.",
            ),
            "app": (
                "Приложение справляется, но поиск мог бы быть умнее.",
                "Работает нормально, только иногда само выходит из аккаунта.",
                "Неплохо, но хотелось бы видеть в приложении и чеки из магазина.",
                "Слишком много push-уведомлений.",
            ),
            "checkout": (
                "Оформление работает, но обязательная регистрация раздражает.",
                "Было бы удобно платить через СБП.",
                "Не сразу нашёл, куда вводить промокод.",
                "Нормально, но страница перезагружается при смене способа доставки.",
            ),
            "store": (
                "В магазине было много людей, а работали только две кассы.",
                "Магазин хороший, но моего размера не было.",
                "Персонал приветливый, но примерочные стоит привести в порядок.",
            ),
        },
        "negative": {
            "delivery": (
                "Посылка опоздала на два дня, и никто ничего не объяснил.",
                "Курьер отметил заказ как доставленный, но я ничего не получил.",
                "Коробка пришла помятой, один товар разбит.",
                "Дважды сорвали доставку, я зря отпросилась с работы.",
            ),
            "price": (
                "Цены опять выросли, а качество нет.",
                "Скрытый сервисный сбор появился только на последнем шаге.",
                "С меня дважды списали деньги за один заказ.",
                "Скидка не применилась, и никто не смог объяснить почему.",
            ),
            "support": (
                "Ждал на линии 40 минут, потом звонок оборвался.",
                "Написал три письма — ответа по возврату до сих пор нет.",
                "Чат-бот гоняет по кругу, дайте живого человека.",
                "Обещали перезвонить и не перезвонили.",
            ),
            "app": (
                "Приложение вылетает каждый раз, когда открываю историю заказов.",
                "После обновления не могу войти в аккаунт.",
                "Оплата в приложении три раза не прошла, пришлось заказывать на сайте.",
                "Приложение тормозит и сильно сажает батарею.",
            ),
            "checkout": (
                "Карту отклонили при оплате, хотя в других магазинах она работает.",
                "Корзина несколько раз очищалась при оформлении, в итоге я сдался.",
                "Слишком много шагов до оплаты, а потом страница просто зависла.",
                "Страница 3-D Secure так и не загрузилась, оплатить не получилось.",
            ),
            "store": (
                "Простоял 20 минут в очереди на кассе, в субботу работал один кассир.",
                "В зале не у кого было спросить, ушёл без покупки.",
                "Цена на полке и на кассе не совпала.",
            ),
        },
    },
    "zh-hans": {
        "positive": {
            "delivery": (
                "包裹比预计早一天到，包装也很仔细。",
                "快递员提前打了电话，准时送到家门口，很满意。",
                "发货速度快，物流信息更新也很及时。",
                "周日晚上下单，周二早上就收到了，太快了。",
            ),
            "price": (
                "性价比很高，会员折扣很划算。",
                "价格公道，周末的优惠活动真的很实惠。",
                "比较了好几家，这里最便宜，还会再来买。",
                "结账时的价格和页面上一模一样，没有任何额外费用。",
            ),
            "support": (
                "在线客服五分钟就帮我解决了问题，非常感谢！",
                "客服态度很好，回复也很专业。",
                "申请退款当天就到账了，服务很棒。",
                "客服耐心地帮我办理了换货，解释得很清楚。",
            ),
            "app": (
                "新版App很流畅，查物流特别方便。",
                "用App再次下单只要点两下，太方便了。",
                "深色模式和扫码功能都很好用。",
                "App一直很稳定，从来没有闪退过。",
            ),
            "checkout": (
                "结账很快，微信支付一次就成功了。",
                "付款时可以直接选送货时间，很贴心。",
                "地址和银行卡都已保存，一分钟就下好单了。",
                "付款前的订单明细很清楚，一切都和预期一样。",
            ),
            "store": (
                "店员马上帮我找到了合适的尺码。",
                "门店很干净，排队时间短，店员很热情。",
                "店里商品齐全，自助收银也很好用。",
            ),
        },
        "neutral": {
            "delivery": (
                "配送还行，但是八小时的送货时段太长了。",
                "准时送到了，不过箱子比商品大太多。",
                "总体不错，就是物流信息有一天没更新。",
                "包裹送到了自提点而不是家里，好在离得不远。",
            ),
            "price": (
                "价格还可以，但小订单的运费有点贵。",
                "有些东西比别家便宜，有些反而更贵。",
                "优惠码只对部分商品有效，不太明白为什么。",
                "价格一般，希望能多一些组合优惠。",
            ),
            "support": (
                "问题解决了，但等了两天，还要重复说明情况。",
                "客服很礼貌，但说不清退款什么时候到账。",
                "客服还行，希望晚上也能在线咨询。",
                "最后解决了，不过中间被转接了一次。",
            ),
            "app": (
                "App基本够用，但搜索功能还可以更智能。",
                "用起来还行，就是隔几天就要重新登录。",
                "还不错，希望能在App里看到门店小票。",
                "推送通知有点太多了。",
            ),
            "checkout": (
                "结账流程能用，但必须先注册账号有点麻烦。",
                "希望能支持支付宝付款。",
                "找了半天才找到输入优惠码的地方。",
                "还行，就是切换配送方式时页面会刷新。",
            ),
            "store": (
                "店里人很多，只开了两个收银台。",
                "门店不错，可惜我要的尺码缺货。",
                "店员很友好，不过试衣间需要整理一下。",
            ),
        },
        "negative": {
            "delivery": (
                "包裹晚到了两天，也没有人解释原因。",
                "快递显示已签收，但我根本没收到。",
                "箱子送到时已经压坏了，有一件商品碎了。",
                "两次错过约定的送货时间，我白请了一天假。",
            ),
            "price": (
                "价格又涨了，质量却没有提高。",
                "最后一步才出现隐藏的服务费，太不透明了。",
                "同一个订单被扣了两次款。",
                "促销价没有生效，客服也解释不清楚。",
            ),
            "support": (
                "电话排队等了四十分钟，结果还断线了。",
                "发了三封邮件，退款的事到现在还没回复。",
                "智能客服一直绕圈子，我需要人工服务。",
                "说好给我回电话，结果一直没打来。",
            ),
            "app": (
                "每次打开历史订单App就闪退。",
                "更新之后就登录不上了。",
                "在App里付款失败了三次，最后只能去网站下单。",
                "App很卡，而且特别耗电。",
            ),
            "checkout": (
                "结账时银行卡被拒，可是在别的地方都能用。",
                "结账时购物车反复被清空，试了三次只好放弃。",
                "付款步骤太多，页面还超时了。",
                "银行验证页面一直加载不出来，没法付款。",
            ),
            "store": (
                "周六只有一个收银员，排队等了二十分钟。",
                "店里找不到人咨询，最后什么也没买就走了。",
                "货架上的价格和收银台的价格不一样。",
            ),
        },
    },
    "id": {
        "positive": {
            "delivery": (
                "Paket datang sehari lebih cepat dari perkiraan dan dikemas dengan rapi.",
                "Kurirnya menelepon dulu dan datang tepat waktu. Mantap!",
                "Pengiriman cepat, status pelacakannya juga selalu diperbarui.",
                "Pesan hari Minggu malam, Selasa pagi sudah sampai. Keren.",
            ),
            "price": (
                "Harganya sepadan, apalagi dengan diskon member.",
                "Harga wajar dan promo akhir pekannya benar-benar hemat.",
                "Sudah saya bandingkan dengan tiga toko lain, di sini paling murah.",
                "Harga saat bayar sama persis dengan yang diiklankan, tidak ada biaya tambahan.",
            ),
            "support": (
                "CS di live chat menyelesaikan masalah saya dalam lima menit. Terima kasih!",
                "Layanan pelanggan ramah dan jawabannya jelas.",
                "Refund diproses di hari yang sama. Pelayanannya luar biasa.",
                "Petugasnya sabar membantu proses penukaran barang sampai selesai.",
            ),
            "app": (
                "Aplikasi barunya cepat dan fitur lacak pesanan sangat jelas.",
                "Suka sekali, pesan ulang cukup dua kali ketuk.",
                "Mode gelap dan pemindai barcode sangat membantu.",
                "Aplikasinya lancar, belum pernah crash.",
            ),
            "checkout": (
                "Checkout cepat, pembayaran pakai GoPay langsung berhasil.",
                "Praktis, jadwal pengiriman bisa dipilih waktu membayar.",
                "Alamat dan kartu sudah tersimpan, checkout kurang dari semenit.",
                "Ringkasan pesanan sebelum bayar jelas, semuanya sesuai.",
            ),
            "store": (
                "Pegawai toko langsung membantu saya menemukan ukuran yang pas.",
                "Tokonya bersih, antrean kasir pendek, stafnya ramah.",
                "Pilihan barang di toko lengkap dan kasir mandirinya lancar.",
            ),
        },
        "neutral": {
            "delivery": (
                "Pengiriman oke, tapi rentang waktu delapan jam terlalu lama.",
                "Datang tepat waktu, tapi kardusnya jauh lebih besar dari barangnya.",
                "Secara umum baik, cuma status pelacakan tidak berubah seharian.",
                "Paket dikirim ke titik ambil, bukan ke rumah, tapi lokasinya dekat.",
            ),
            "price": (
                "Harga lumayan, tapi ongkir untuk pesanan kecil terasa mahal.",
                "Ada barang yang lebih murah di sini, ada juga yang lebih mahal.",
                "Kode promo cuma berlaku untuk sebagian barang, kurang jelas kenapa.",
                "Harganya biasa saja. Semoga ada lebih banyak paket bundling.",
            ),
            "support": (
                "Dapat jawaban, tapi setelah dua hari dan harus menjelaskan ulang.",
                "Petugasnya sopan, tapi tidak bisa memastikan kapan dana kembali.",
                "CS cukup baik, sayang live chat tidak buka malam hari.",
                "Akhirnya beres, tapi sempat dioper ke bagian lain.",
            ),
            "app": (
                "Aplikasinya cukup, tapi fitur pencarian masih kurang pintar.",
                "Berjalan normal, hanya sering logout sendiri.",
                "Lumayan. Akan lebih baik kalau struk belanja di toko juga muncul di aplikasi.",
                "Notifikasinya terlalu sering.",
            ),
            "checkout": (
                "Checkout bisa, tapi harus daftar akun dulu itu merepotkan.",
                "Semoga nanti bisa bayar pakai OVO.",
                "Agak lama mencari tempat memasukkan kode promo.",
                "Oke, tapi halamannya memuat ulang saat ganti opsi pengiriman.",
            ),
            "store": (
                "Toko ramai dan hanya dua kasir yang buka.",
                "Tokonya bagus, tapi ukuran saya habis.",
                "Stafnya ramah, tapi ruang ganti perlu dirapikan.",
            ),
        },
        "negative": {
            "delivery": (
                "Paket terlambat dua hari dan tidak ada penjelasan.",
                "Kurir menandai sudah terkirim, padahal saya tidak menerima apa-apa.",
                "Kardusnya penyok dan satu barang pecah.",
                "Jadwal pengiriman meleset dua kali, saya sia-sia izin kerja.",
            ),
            "price": (
                "Harga naik lagi, kualitasnya tidak.",
                "Ada biaya layanan tersembunyi yang baru muncul di langkah terakhir.",
                "Saya ditagih dua kali untuk pesanan yang sama.",
                "Harga diskon tidak terpasang dan tidak ada yang bisa menjelaskan.",
            ),
            "support": (
                "Menunggu 40 menit di telepon lalu sambungannya terputus.",
                "Sudah tiga kali kirim email, soal refund belum dijawab juga.",
                "Chatbot-nya berputar-putar terus, saya butuh bicara dengan manusia.",
                "Dijanjikan akan ditelepon balik, tapi tidak pernah.",
            ),
            "app": (
                "Aplikasi selalu crash setiap membuka riwayat pesanan.",
                "Setelah update saya tidak bisa login lagi.",
                "Pembayaran di aplikasi gagal tiga kali, akhirnya pesan lewat website.",
                "Aplikasinya lambat dan boros baterai.",
            ),
            "checkout": (
                "Kartu ditolak saat checkout, padahal di tempat lain bisa.",
                "Keranjang terus kosong sendiri waktu checkout, akhirnya saya menyerah.",
                "Langkah pembayarannya terlalu banyak, halamannya sampai timeout.",
                "Halaman verifikasi 3-D Secure tidak pernah muncul, jadi tidak bisa bayar.",
            ),
            "store": (
                "Antre 20 menit di kasir, hari Sabtu cuma satu kasir.",
                "Tidak ada pegawai yang bisa ditanya, saya pulang tanpa membeli.",
                "Harga di rak dan di kasir berbeda.",
            ),
        },
    },
}


def polarity_of(*, metric: str, score: int) -> str:
    """Detractor/passive/promoter for NPS; low/middle/high for CSAT (1–5) and CES (1–7, 7 = easy)."""
    negative_below, positive_from = {"nps": (7, 9), "csat": (3, 4), "ces": (4, 6)}[metric]
    if score < negative_below:
        return "negative"
    if score >= positive_from:
        return "positive"
    return "neutral"
