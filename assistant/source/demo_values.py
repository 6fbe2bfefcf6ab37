"""The demo shop's vocabularies and value tables: names, cities, notes, products, weights.

Kept apart from :mod:`assistant.demo`, which holds the schema and the generator that
draws from these tables, so the data reads as data. The generator's random stream walks
these sequences by position: changing, adding or reordering an entry changes every demo
database built from then on (tests pin some of their values), so do it deliberately.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = [
    "ADJECTIVES",
    "BIG_POINTS",
    "CITIES",
    "CJK",
    "CYRILLIC",
    "DISCOUNT_BP",
    "FRESH",
    "HOUR_WEIGHTS",
    "ITEM_COUNTS",
    "LATIN",
    "NOTES",
    "PRODUCTS",
    "QUANTITIES",
    "RECENT",
    "SETTLED",
    "SHIPPED",
    "SHOWCASE",
    "SPECIAL_PRODUCTS",
]

T = TypeVar("T")

SHOWCASE = [  # customers 1-8, in id order
    "Zoë Saldaña",
    'Patrick "Pat" O\'Brien',
    "Nowak, Łukasz",
    "Дмитрий Иванов",
    "王小明",
    "山田 太郎",
    "ACME GmbH\nAbt. Einkauf",
    "김민준",
]
BIG_POINTS = [2**53 + 1, 2**63 - 1]  # loyalty points of customers 1 and 2
LATIN = (  # (first names, last names), as are CYRILLIC's
    "Anna Lukas Zoë Émile Jürgen Małgorzata Łukasz Søren José Renée Ayşe Çağrı Björn "
    "Inès François Mia Noah Elif Mateo Chloé Ana Jan Sofía Maja Paul",
    "Müller Schmidt Nowak Dubois García Fernández Öztürk Kowalczyk Jørgensen Núñez "
    "Weiß Lefèvre Smith O'Brien Rossi Wójcik Hoffmann Martínez Đorđević Schäfer",
)
CYRILLIC = (
    "Дмитрий Анна Ольга Иван Наталья Сергей Олена Тарас",
    "Иванов Петренко Смирнова Коваленко Соколов Орлова",
)
CJK = (
    "王小明",
    "李伟",
    "张芳",
    "刘静",
    "陈杰",
    "山田太郎",
    "佐藤花子",
    "鈴木一郎",
    "김민준",
    "이서연",
    "박지훈",
)
CITIES = [  # (city, country, weight); Berlin customers come from the id rule instead
    ("Hamburg", "Germany", 8),
    ("München", "Germany", 7),
    ("Köln", "Germany", 5),
    ("Frankfurt am Main", "Germany", 4),
    ("Düsseldorf", "Germany", 3),
    ("Leipzig", "Germany", 2),
    ("Wien", "Austria", 4),
    ("Zürich", "Switzerland", 3),
    ("Paris", "France", 5),
    ("Lyon", "France", 2),
    ("Amsterdam", "Netherlands", 3),
    ("Warszawa", "Poland", 2),
    ("Kraków", "Poland", 2),
    ("Łódź", "Poland", 1),
    ("Madrid", "Spain", 3),
    ("Barcelona", "Spain", 2),
    ("København", "Denmark", 1),
    ("London", "United Kingdom", 4),
    ("Dublin", "Ireland", 1),
    ("New York", "United States", 3),
    ("Washington, D.C.", "United States", 1),
    ("São Paulo", "Brazil", 1),
    ("Tokyo", "Japan", 2),
    ("Seoul", "South Korea", 1),
    ("Shanghai", "China", 1),
    ("Sofia", "Bulgaria", 1),
    ("Kyiv", "Ukraine", 1),
    ("Istanbul", "Türkiye", 1),
]
NOTES = [
    "Call before delivery",
    "Leave at the door, please",
    "Gift wrap 🎁",
    'Invoice to: Müller & Söhne, dept. "Einkauf"',
    "Back entrance\nGate code 4711",
    "Line one\r\nline two",
    '=HYPERLINK("http://example.com","click me")',
    "=1+2",
    "+49 30 1234567",
    "-5% promo",
    "@team please check",
    "\tTab-led note",
    "Доставка после 18:00",
    "请在工作日送货",
    "配達は午前中にお願いします",
    "   ",
    "Comma, separated, values",
    'She said "hi"',
    "NULL",
    "N/A",
]
PRODUCTS = {  # category: (sku code, price range in euros, weight range in kg, nouns)
    "Coffee": ("CO", (3, 29), (0.25, 1.0), "Espresso Crema Decaf Filter Roast Blend Beans"),
    "Electronics": ("EL", (9, 1999), (0.05, 8.0), "Headphones Charger Monitor Keyboard Mouse Lamp"),
    "Books": ("BK", (4, 59), (0.2, 1.5), "Novel Cookbook Atlas Guide Journal Comic"),
    "Clothing": ("CL", (9, 199), (0.1, 1.2), "T-shirt Hoodie Jacket Scarf Socks Cap"),
    "Home": ("HO", (2, 499), (0.1, 12.0), "Mug Kettle Pan Towel Vase Candle Blanket"),
}
ADJECTIVES = ("Classic", "Premium", "Mini", "Organic", "Nordic", "Urban", "Vintage", "Eco", "Pro")
SPECIAL_PRODUCTS = [  # (name, category, price in cents, weight)
    ("Café crème, 1 kg", "Coffee", 2499, 1.0),
    ('Monitor 27" 4K', "Electronics", 34900, 6.4),
    ("Кофе «Арабика»", "Coffee", 1290, 0.5),
    ("抹茶ラテ (Matcha latte)", "Coffee", 1850, 0.3),
    ("USB-C cable, 2 m", "Electronics", 999, 0.08),
    ("Gift card €25", "Gift cards", 2500, None),
    ("Gift card €50", "Gift cards", 5000, None),
    ("Gift card €100", "Gift cards", 10000, None),
]
SHIPPED = {  # statuses of orders that left the warehouse
    "shipped",
    "delivered",
    "refunded",
}
DISCOUNT_BP = [500, 1000, 1500, 2000, 1250, 3333]  # percent x 100
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 11, 10, 9, 9, 9, 10, 11, 12, 11, 8, 5, 2]


def _weighted(weights: dict[T, int]) -> tuple[T, ...]:
    """Each value repeated by its weight: ``rng.choice`` on it is a fast weighted draw."""
    return tuple(value for value, weight in weights.items() for _ in range(weight))


# Weighted draws on the hot path (per order or per item).
ITEM_COUNTS = _weighted({1: 45, 2: 25, 3: 15, 4: 10, 5: 5})
QUANTITIES = _weighted({1: 60, 2: 20, 3: 8, 4: 6, 6: 4, 10: 2})
FRESH = _weighted({"new": 50, "paid": 42, "cancelled": 8})  # placed today
RECENT = _weighted({"paid": 40, "shipped": 45, "new": 8, "cancelled": 7})  # 1-3 days old
SETTLED = _weighted({"delivered": 83, "shipped": 3, "cancelled": 8, "refunded": 6})
