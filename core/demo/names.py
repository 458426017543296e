"""Customer names for demo contacts, per language: (display, romanised for the email address).

Russian surnames take the feminine form for feminine first names, so each first name carries a gender.
Chinese names are written family name first, as they are in Chinese.
"""

from __future__ import annotations

import random
from typing import Final

from feedback.services import ContactRow

# (display, romanised, gender)
_FIRST: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "en": tuple(
        (n, n.lower(), "x")
        for n in (
            "Emma",
            "Oliver",
            "Sophie",
            "James",
            "Charlotte",
            "Liam",
            "Amelia",
            "Noah",
            "Grace",
            "Jack",
            "Hannah",
            "Lukas",
            "Mia",
            "Daniel",
            "Chloe",
            "Ben",
            "Laura",
            "Sam",
            "Ella",
            "Max",
        )
    ),
    "ru": (
        ("Ольга", "olga", "f"),
        ("Анна", "anna", "f"),
        ("Мария", "maria", "f"),
        ("Елена", "elena", "f"),
        ("Наталья", "natalia", "f"),
        ("Ирина", "irina", "f"),
        ("Светлана", "svetlana", "f"),
        ("Татьяна", "tatiana", "f"),
        ("Алексей", "alexey", "m"),
        ("Сергей", "sergey", "m"),
        ("Дмитрий", "dmitry", "m"),
        ("Андрей", "andrey", "m"),
        ("Михаил", "mikhail", "m"),
        ("Иван", "ivan", "m"),
        ("Никита", "nikita", "m"),
        ("Павел", "pavel", "m"),
    ),
    "zh-hans": tuple(
        (display, roman, "x")
        for display, roman in (
            ("伟", "wei"),
            ("芳", "fang"),
            ("娜", "na"),
            ("敏", "min"),
            ("静", "jing"),
            ("强", "qiang"),
            ("磊", "lei"),
            ("洋", "yang"),
            ("艳", "yan"),
            ("勇", "yong"),
            ("杰", "jie"),
            ("婷", "ting"),
            ("浩然", "haoran"),
            ("子涵", "zihan"),
            ("雨桐", "yutong"),
            ("俊杰", "junjie"),
        )
    ),
    "id": tuple(
        (n, n.lower(), "x")
        for n in (
            "Budi",
            "Siti",
            "Agus",
            "Dewi",
            "Rizky",
            "Putri",
            "Andi",
            "Sri",
            "Fajar",
            "Nur",
            "Hendra",
            "Ayu",
            "Dimas",
            "Rina",
            "Yusuf",
            "Wulan",
        )
    ),
}

# (masculine display, feminine display, masculine romanised, feminine romanised)
_LAST: Final[dict[str, tuple[tuple[str, str, str, str], ...]]] = {
    "en": tuple(
        (n, n, n.lower(), n.lower())
        for n in (
            "Smith",
            "Jones",
            "Taylor",
            "Brown",
            "Williams",
            "Wilson",
            "Johnson",
            "Davies",
            "Müller",
            "Schmidt",
            "de Vries",
            "Murphy",
            "Walker",
            "Wright",
            "Green",
            "Hall",
            "Clarke",
            "Evans",
        )
    ),
    "ru": (
        ("Смирнов", "Смирнова", "smirnov", "smirnova"),
        ("Иванов", "Иванова", "ivanov", "ivanova"),
        ("Кузнецов", "Кузнецова", "kuznetsov", "kuznetsova"),
        ("Попов", "Попова", "popov", "popova"),
        ("Соколов", "Соколова", "sokolov", "sokolova"),
        ("Лебедев", "Лебедева", "lebedev", "lebedeva"),
        ("Козлов", "Козлова", "kozlov", "kozlova"),
        ("Новиков", "Новикова", "novikov", "novikova"),
        ("Морозов", "Морозова", "morozov", "morozova"),
        ("Волков", "Волкова", "volkov", "volkova"),
        ("Фёдоров", "Фёдорова", "fedorov", "fedorova"),
        ("Орлов", "Орлова", "orlov", "orlova"),
    ),
    "zh-hans": tuple(
        (d, d, r, r)
        for d, r in (
            ("王", "wang"),
            ("李", "li"),
            ("张", "zhang"),
            ("刘", "liu"),
            ("陈", "chen"),
            ("杨", "yang"),
            ("黄", "huang"),
            ("赵", "zhao"),
            ("吴", "wu"),
            ("周", "zhou"),
            ("徐", "xu"),
            ("孙", "sun"),
        )
    ),
    "id": tuple(
        (n, n, n.lower(), n.lower())
        for n in (
            "Santoso",
            "Wijaya",
            "Pratama",
            "Saputra",
            "Hidayat",
            "Kusuma",
            "Lestari",
            "Nugroho",
            "Rahayu",
            "Setiawan",
            "Gunawan",
            "Siregar",
            "Hasibuan",
            "Wibowo",
        )
    ),
}

_DOMAINS: Final = ("example.net", "example.org", "mail.example.com")


def contact_rows(rng: random.Random, *, per_language: int) -> list[ContactRow]:
    """Distinct customers per language, each with a unique email built from the romanised name."""
    rows: list[ContactRow] = []
    for language, firsts in _FIRST.items():
        combos = [(f, last) for f in firsts for last in _LAST[language]]
        for (first, first_roman, gender), last in rng.sample(combos, per_language):
            last_display = last[1] if gender == "f" else last[0]
            last_roman = (last[3] if gender == "f" else last[2]).replace(" ", "").replace("ü", "ue")
            if language == "zh-hans":
                name, local = f"{last_display}{first}", f"{last_roman}.{first_roman}"
            else:
                name, local = f"{first} {last_display}", f"{first_roman}.{last_roman}"
            rows.append(
                ContactRow(
                    email=f"{local}@{rng.choice(_DOMAINS)}",
                    name=name,
                    language=language,
                    attributes={"customer_since": str(rng.randint(2015, 2025))},
                )
            )
    return rows
