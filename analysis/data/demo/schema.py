"""Schema of the demo export: table, column, period and category names.

Only names and the store's spellings (typos included) of the real export's schema;
no row, id or value list of the real export.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CATEGORIES",
    "CATEGORY_TYPO",
    "DECLINED",
    "FILE_NAMES",
    "ID_BASE",
    "MARKET_FILE_COLUMNS",
    "MONEY_PERIODS",
    "SERVICE_TYPES",
    "SERVICE_TYPO",
    "STEADY",
    "TARGET",
    "TIME_PERIODS",
]

TARGET: Final = "Покупательская активность"
DECLINED: Final = "Снизилась"
STEADY: Final = "Прежний уровень"

MARKET_FILE_COLUMNS: Final = (
    "id",
    TARGET,
    "Тип сервиса",
    "Разрешить сообщать",
    "Маркет_актив_6_мес",
    "Маркет_актив_тек_мес",
    "Длительность",
    "Акционные_покупки",
    "Популярная_категория",
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    "Страниц_за_визит",
)

#: Revenue periods in the row order the store's export uses within one client.
MONEY_PERIODS: Final = ("препредыдущий_месяц", "текущий_месяц", "предыдущий_месяц")
#: Time periods in export row order; ``предыдцщий_месяц`` [sic] is the export's convention.
TIME_PERIODS: Final = ("текущий_месяц", "предыдцщий_месяц")

SERVICE_TYPES: Final = ("стандарт", "премиум")
SERVICE_TYPO: Final = "стандартт"
CATEGORIES: Final = (
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксессуары",
    "Техника для красоты и здоровья",
    "Мелкая бытовая техника и электроника",
    "Кухонная посуда",
)
CATEGORY_TYPO: Final = "Косметика и аксесуары"

FILE_NAMES: Final = {
    "market_file": "market_file.csv",
    "market_money": "market_money.csv",
    "market_time": "market_time.csv",
    "money": "money.csv",
}

#: First client id of the demo export (far from the real export's id range).
ID_BASE: Final = 300_000
