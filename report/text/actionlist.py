"""Words of the action list (``scores.csv``, ``scores.xlsx``): headers, labels, sheets, notes.

:mod:`report.actionlist` builds and writes the files; every Russian word a
reader of the list sees is here, the code each word stands for beside it, so
the «Коды» sheet and ``scores-codes.csv`` read back to the same codes.
"""

from __future__ import annotations

from analysis.segments.definitions import SEGMENTS
from analysis.segments.offers import CRM_CHANNELS, SITE_CHANNELS
from report.text.segments import GROUP_LABELS
from report.text.words import CHANNEL_LABELS, RISK_LABELS

__all__ = [
    "CODES_ONLY_NOTES",
    "CODE_COLUMNS",
    "COLUMN_NOTES",
    "NO",
    "NO_SEGMENT",
    "SHEETS",
    "SUMMARY",
    "YES",
    "channel_sheet",
    "headers",
    "label_tables",
    "segment_sheet",
]

YES, NO = "да", "нет"
NO_SEGMENT = "вне сегментов"

_HEADERS = {
    "id": "ID клиента",
    "group": "Группа",
    "decline_probability": "Вероятность снижения активности, %",
    "risk_level": "Уровень риска",
    "segment": "Сегмент",
    "category": "Любимая категория",
    "profit": "Среднемесячная прибыль, {unit}",
    "exposure": "Прибыль под угрозой (оценка), {unit}",
    "expected_value": "Ожидаемая выгода предложения CRM, {unit}",
    "reason_1": "Причина 1",
    "reason_2": "Причина 2",
    "reason_3": "Причина 3",
    "offer": "Предложение (CRM)",
    "channel": "Канал CRM",
    "messages_allowed": "Согласие на сообщения",
    "control": "Контрольная группа: не отправлять",
    "tested_offer": "Проверяемое предложение",
    "site_offer": "Персонализация сайта",
    "site_channel": "Где показать на сайте",
}
"""Russian header of each column of the list (``{unit}``: the profit unit)."""

CODE_COLUMNS = {
    "id": "id", "group": "group", "decline_probability": "decline_probability",
    "risk_level": "risk_level", "segment": "segment", "category": "favourite_category",
    "profit": "profit",
    "exposure": "exposure", "expected_value": "expected_value", "reason_1": "reason_1",
    "reason_2": "reason_2", "reason_3": "reason_3", "offer": "offer_rule",
    "channel": "channel", "messages_allowed": "messages_allowed", "control": "control",
    "tested_offer": "tested_offer", "site_offer": "site_rule", "site_channel": "site_channel",
}
"""The header of each column in ``scores-codes.csv`` (stable English codes for a CRM)."""

COLUMN_NOTES = {
    "id": "идентификатор клиента из выгрузки",
    "group": "возврат — активность уже снизилась; профилактика — пока стабилен",
    "decline_probability": "оценка модели: вероятность, что активность клиента снизится "
                           "(для группы возврата снижение уже произошло); в scores-codes.csv — "
                           "доля от 0 до 1",
    "risk_level": "высокий, средний или низкий по порогам вероятности (segments.risk_high, "
                  "segments.risk_medium)",
    "segment": "сегмент клиента (один, по приоритету); пусто — вне сегментов",
    "category": "самая популярная категория покупок клиента (Популярная_категория): для "
                "предложений «… по любимой категории»",
    "profit": "средняя прибыль клиента за месяц (money.csv) в единице прибыли отчёта",
    "exposure": "прибыль, которую можно потерять за месяц: для профилактики — вероятность × "
                "прибыль, для возврата — вся прибыль",
    "expected_value": "вероятность × прибыль × ожидаемый эффект − стоимость предложения и "
                      "контакта; предложение CRM делается, когда выгода больше нуля",
    "reason_1": "признак, сильнее всего повышающий риск клиента (по SHAP), и его значение "
                "против типичного стабильного клиента; один признак всегда назван одинаково",
    "reason_2": "второй по силе признак, повышающий риск",
    "reason_3": "третий по силе признак, повышающий риск",
    "offer": "что отправить через CRM в этом месяце (письмо, SMS, push, рассылка, звонок); "
             "пусто — не отправлять; в scores-codes.csv — код правила",
    "channel": "канал CRM, по которому отправить предложение (только с согласия клиента)",
    "messages_allowed": "согласие клиента на сообщения (Разрешить сообщать); в "
                        "scores-codes.csv — 1 или 0",
    "control": "да — клиент в контрольной группе проверки: предложение не отправлять, чтобы "
               "измерить его эффект; в scores-codes.csv — 1 или 0 (и arm: test, control)",
    "tested_offer": "предложение CRM, эффект которого проверяется на клиенте (и у тех, кому "
                    "отправлено, и у контрольной группы)",
    "site_offer": "что показать клиенту на сайте или в личном кабинете (делает сайт, не CRM; "
                  "показывается и контрольной группе); в scores-codes.csv — код правила",
    "site_channel": "сайт (главная страница) или личный кабинет",
}
"""What each column means: the «Коды» sheet and the glossary of the report's appendix."""

CODES_ONLY_NOTES = {
    "arm": "только в scores-codes.csv: test — отправить проверяемое предложение, control — "
           "контрольная группа (не отправлять), пусто — клиент не участвует в проверке",
}
"""Columns of ``scores-codes.csv`` that the Russian list shows in another form."""

SHEETS = {"summary": "Сводка", "all": "Все клиенты", "codes": "Коды"}
"""Names of the fixed sheets of ``scores.xlsx``."""

SUMMARY = {
    "title": "Список действий на месяц",
    "clients": "Клиентов в списке",
    "unit": "Единица прибыли",
    "by_group": "По группам",
    "by_segment": "По сегментам",
    "by_channel": "По каналам",
    "sheet": "Лист",
    "group": "Группа",
    "segment": "Сегмент",
    "channel": "Канал",
    "kind": "Кто выполняет",
    "crm": "CRM",
    "site": "сайт",
    "count": "Клиентов",
    "profit": "Прибыль, {unit}",
    "exposure": "Прибыль под угрозой, {unit}",
    "sent": "Отправить через CRM",
    "control": "Контрольная группа",
    "site_offer": "Персонализация сайта",
    "expected_value": "Ожидаемая выгода, {unit}",
    "total": "Всего",
    "none": "—",
    "codes_columns": "Столбцы",
    "codes_values": "Значения",
    "column": "Столбец",
    "code": "Код (scores-codes.csv)",
    "meaning": "Что означает",
    "value": "Значение в списке",
    "value_code": "Код",
}
"""Words of the «Сводка» and «Коды» sheets."""

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_SHEET_MAX = 31


def headers(unit: str) -> dict[str, str]:
    """Russian header of each column, the profit ``unit`` in the money columns."""
    return {code: text.format(unit=unit) for code, text in _HEADERS.items()}


def _sheet_name(text: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, at most 31 characters (an ellipsis when cut)."""
    name = " ".join(text.translate(_SHEET_FORBIDDEN).split()).strip("'")
    return name if len(name) <= _SHEET_MAX else name[:_SHEET_MAX - 1].rstrip() + "…"


def segment_sheet(code: str) -> str:
    """The sheet of a segment: its name (cut to the sheet-name limit)."""
    names = {d.code: d.name for d in SEGMENTS}
    return _sheet_name(names.get(code, code))


def channel_sheet(code: str) -> str:
    """The sheet of a channel: its label with a capital, «Электронное письмо» (cut to the limit)."""
    label = CHANNEL_LABELS.get(code, code)
    return _sheet_name(f"{label[:1].upper()}{label[1:]}")


def label_tables() -> dict[str, dict[str, str]]:
    """Code → Russian label of every coded column (for the list and the «Коды» sheet)."""
    return {
        "group": dict(GROUP_LABELS),
        "risk_level": dict(RISK_LABELS),
        "segment": {"": NO_SEGMENT, **{d.code: d.name for d in SEGMENTS}},
        "channel": {c: t for c, t in CHANNEL_LABELS.items() if c in CRM_CHANNELS},
        "site_channel": {c: t for c, t in CHANNEL_LABELS.items() if c in SITE_CHANNELS},
        "messages_allowed": {"1": YES, "0": NO},
        "control": {"1": YES, "0": NO},
    }
