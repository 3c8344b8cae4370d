"""The glossary of the appendix: what each column of the export and of the action list means.

The export's columns come from the declared schema (:data:`analysis.data.schema.SPECS`),
the features the report derives from them from :mod:`analysis.glossary`, the action
list's columns from :mod:`report.text.actionlist`: a column added to any of them has
to be explained here (``tests/test_text_method.py`` checks that none is missing).
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis import glossary as g
from analysis.data.schema import SPECS
from report.text.actionlist import CODE_COLUMNS, COLUMN_NOTES, headers

__all__ = ["DERIVED_MEANINGS", "EXPORT_MEANINGS", "Entry", "action_list_glossary",
           "export_glossary"]

EXPORT_MEANINGS: dict[str, str] = {
    "id": "номер клиента; связывает четыре файла. В модель не входит: строки выгрузки "
          "упорядочены по активности, и номер выдал бы ответ",
    g.TARGET: "то, что объясняет отчёт: «Снизилась» — покупательская активность клиента за "
              "последние месяцы снизилась, «Прежний уровень» — осталась прежней; магазин знает "
              "её по факту",
    g.SERVICE: "уровень сервиса клиента: «стандарт» или «премиум»",
    g.PERMISSION: "можно ли присылать клиенту предложения: «да» или «нет»; без согласия "
                  "сообщения не отправляются",
    "Маркет_актив_6_мес": "сколько маркетинговых контактов (рассылок, звонков, показов "
                          "рекламы) приходилось на клиента в среднем за месяц за последние "
                          "6 месяцев",
    "Маркет_актив_тек_мес": "сколько маркетинговых контактов было с клиентом в текущем месяце",
    "Длительность": "сколько дней прошло с регистрации клиента на сайте",
    g.PROMO: "доля покупок по акции среди всех покупок клиента за последние 6 месяцев (в "
             "выгрузке — от 0 до 1, в отчёте — в процентах)",
    g.CATEGORY: "категория товаров, которую клиент покупал чаще всего за последние 6 месяцев",
    "Средний_просмотр_категорий_за_визит": "сколько категорий товаров клиент в среднем "
                                           "просматривал за визит в последний месяц",
    "Неоплаченные_продукты_штук_квартал": "сколько товаров лежало в корзине клиента "
                                          "неоплаченными за последние 3 месяца, штук",
    "Ошибка_сервиса": "сколько сбоев сайта коснулось клиента во время его посещений",
    "Страниц_за_визит": "сколько страниц клиент в среднем просматривал за визит за последние "
                        "3 месяца",
    "Период": "месяц строки: «препредыдущий_месяц», «предыдущий_месяц» или «текущий_месяц» "
              "(текущий — последний месяц выгрузки)",
    "Выручка": "выручка от клиента за месяц строки, ₽; в отчёте — три признака, по одному на "
               "месяц",
    "минут": "сколько минут клиент провёл на сайте за месяц строки; в отчёте — два признака, "
             "по одному на месяц",
    g.PROFIT: "средняя прибыль от клиента за месяц за последние 3 месяца; единица в выгрузке "
              "не указана, отчёт принимает её из параметра profit_unit",
}
"""What each column of the four export files holds, in the reader's words."""

DERIVED_MEANINGS: dict[str, str] = {
    g.REVENUE_COLUMNS[0]: "«Выручка» из market_money.csv за препредыдущий месяц",
    g.REVENUE_COLUMNS[1]: "«Выручка» из market_money.csv за предыдущий месяц",
    g.REVENUE_COLUMNS[2]: "«Выручка» из market_money.csv за текущий месяц",
    g.REVENUE_CHANGE: "выручка текущего месяца минус выручка предыдущего, ₽",
    g.MINUTES_COLUMNS[0]: "«минут» из market_time.csv за предыдущий месяц",
    g.MINUTES_COLUMNS[1]: "«минут» из market_time.csv за текущий месяц",
    g.MINUTES_CHANGE: "минуты текущего месяца минус минуты предыдущего",
}
"""Features the report computes from the long files (one row per client and month)."""


@dataclass(frozen=True)
class Entry:
    """One line of the glossary.

    Parameters
    ----------
    name
        The column as its file names it (the export's column, the action list's header).
    alias
        Its other name: the report's label of an export column (empty when the same),
        the code of an action-list column in ``scores.csv``.
    meaning
        What the column holds.
    """

    name: str
    alias: str
    meaning: str


_ORDER = ("id", *g.GLOSSARY, "Период", "Выручка", "минут")
"""The export's own order of its columns (``analysis.glossary`` follows ``market_file.csv``)."""


def _label(column: str) -> str:
    label = g.label(column)
    return "" if label == column else label


def _in_file_order(columns: list[str]) -> list[str]:
    return sorted(columns, key=lambda c: _ORDER.index(c) if c in _ORDER else len(_ORDER))


def _rows_are(key: tuple[str, ...]) -> str:
    return "строка на клиента и месяц" if "Период" in key else "строка на клиента"


def export_glossary() -> list[tuple[str, str, list[Entry]]]:
    """(file, what a row is, its columns) for each export file, then the derived features.

    A column explained in an earlier file (``id``) is not repeated; the derived
    features come last with an empty file name.
    """
    seen: set[str] = set()
    out = []
    for spec in SPECS.values():
        new = _in_file_order([column for column in spec.columns if column not in seen])
        seen.update(new)
        out.append((spec.file, _rows_are(spec.key),
                    [Entry(column, _label(column), EXPORT_MEANINGS[column]) for column in new]))
    out.append(("", "", [Entry(column, _label(column), meaning)
                         for column, meaning in DERIVED_MEANINGS.items()]))
    return out


def action_list_glossary(unit: str) -> list[Entry]:
    """The action list's columns in its order: the header, its code in ``scores.csv``, meaning."""
    return [Entry(header, CODE_COLUMNS[code], COLUMN_NOTES[code])
            for code, header in headers(unit).items()]
