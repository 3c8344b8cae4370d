"""Words of the action list (``scores.csv``, ``scores.xlsx``): its column headers and meanings.

The one list of the action list's columns: :mod:`report.actionlist` takes its
Russian headers from :func:`headers`, and the glossary of the report's appendix
(:mod:`report.text.columns`) explains every column from :data:`COLUMN_NOTES`, so
a renamed or added column reaches both.
"""

from __future__ import annotations

__all__ = ["CODE_COLUMNS", "COLUMN_NOTES", "headers"]

_HEADERS = {
    "id": "id клиента",
    "group": "Группа",
    "decline_probability": "Вероятность снижения активности",
    "risk_level": "Уровень риска",
    "segment": "Сегмент",
    "profit": "Среднемесячная прибыль",
    "exposure": "Прибыль под угрозой (оценка)",
    "expected_value": "Ожидаемая выгода предложения",
    "reason_1": "Причина 1",
    "reason_2": "Причина 2",
    "reason_3": "Причина 3",
    "offer": "Предложение",
    "messages_allowed": "Согласие на сообщения",
    "channel": "Канал",
    "tested_offer": "Проверяемое предложение",
    "arm": "Группа эксперимента",
}
"""Russian header of each column of the list, in the list's order (``{unit}``: profit unit)."""

CODE_COLUMNS = {code: code for code in _HEADERS}
"""The header of each column in ``scores.csv`` (English codes for programs)."""

COLUMN_NOTES = {
    "id": "идентификатор клиента из выгрузки",
    "group": "возврат — активность уже снизилась; профилактика — пока стабилен",
    "decline_probability": "оценка модели: вероятность, что активность клиента снизится "
                           "(для группы возврата снижение уже произошло); доля от 0 до 1",
    "risk_level": "высокий, средний или низкий по порогам вероятности (segments.risk_high, "
                  "segments.risk_medium)",
    "segment": "сегмент клиента (один, по приоритету); пусто — вне сегментов",
    "profit": "средняя прибыль клиента за месяц (money.csv) в единице прибыли отчёта",
    "exposure": "прибыль, которую можно потерять за месяц: для профилактики — вероятность × "
                "прибыль, для возврата — вся прибыль",
    "expected_value": "вероятность × прибыль × ожидаемый эффект − стоимость предложения и "
                      "контакта; предложение делается, когда выгода больше нуля",
    "reason_1": "признак, сильнее всего повышающий риск клиента (по SHAP), и его значение "
                "против типичного стабильного клиента",
    "reason_2": "второй по силе признак, повышающий риск",
    "reason_3": "третий по силе признак, повышающий риск",
    "offer": "что предложить клиенту в этом месяце; пусто — ничего не предлагать",
    "messages_allowed": "согласие клиента на сообщения (Разрешить сообщать)",
    "channel": "канал, по которому сделать предложение (сообщения — только с согласия клиента)",
    "tested_offer": "предложение, эффект которого проверяется на клиенте (и у тех, кому "
                    "отправлено, и у контрольной группы)",
    "arm": "тест — отправить проверяемое предложение; контроль — не отправлять, чтобы "
           "измерить его эффект; пусто — клиент не участвует в проверке",
}
"""What each column means: the glossary of the report's appendix."""


def headers(unit: str) -> dict[str, str]:
    """Russian header of each column, the profit ``unit`` in the money columns."""
    return {code: text.format(unit=unit) for code, text in _HEADERS.items()}
