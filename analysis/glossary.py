"""The one glossary: export column names, their Russian labels and feature groups.

Code keeps the export's own column names as feature names, so that every table,
SHAP ranking and test result can be traced back to the CSV. Russian labels are
for the reader of the report and live only here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATEGORICAL",
    "CHART",
    "GLOSSARY",
    "GROUPS",
    "MINUTES_COLUMNS",
    "NUMERIC",
    "REVENUE_COLUMNS",
    "TARGET",
    "ChartLabels",
    "Term",
    "label",
]

TARGET = "Покупательская активность"
DECLINED = "Снизилась"
STABLE = "Прежний уровень"
SERVICE = "Тип сервиса"
PERMISSION = "Разрешить сообщать"
CATEGORY = "Популярная_категория"
PROMO = "Акционные_покупки"
PROFIT = "Прибыль"

MONTHS = ("препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц")
TIME_MONTHS = ("предыдущий_месяц", "текущий_месяц")
REVENUE_COLUMNS = tuple(f"Выручка_{m}" for m in MONTHS)
MINUTES_COLUMNS = tuple(f"Минут_{m}" for m in TIME_MONTHS)
REVENUE_CHANGE = "Выручка_изменение"
MINUTES_CHANGE = "Минут_изменение"


@dataclass(frozen=True)
class Term:
    """A column as the reader sees it.

    Parameters
    ----------
    label
        Short Russian label for tables and charts.
    low, high
        How a low or a high value reads in a client's reasons
        («мало страниц за визит»). Empty for categorical columns.
    unit
        Unit shown after values, if any.
    """

    label: str
    low: str = ""
    high: str = ""
    unit: str = ""


GLOSSARY: dict[str, Term] = {
    TARGET: Term("Покупательская активность"),
    SERVICE: Term("Тип сервиса"),
    PERMISSION: Term("Согласие на сообщения"),
    "Маркет_актив_6_мес": Term(
        "Маркетинговых контактов в месяц (6 мес.)",
        "мало маркетинговых контактов", "много маркетинговых контактов"),
    "Маркет_актив_тек_мес": Term(
        "Маркетинговых контактов в текущем месяце",
        "мало контактов в этом месяце", "много контактов в этом месяце"),
    "Длительность": Term(
        "Дней с регистрации", "недавно зарегистрирован", "давно зарегистрирован", "дн."),
    PROMO: Term(
        "Доля покупок по акции", "мало покупок по акции", "много покупок по акции"),
    CATEGORY: Term("Любимая категория"),
    "Средний_просмотр_категорий_за_визит": Term(
        "Категорий за визит", "мало категорий за визит", "много категорий за визит"),
    "Неоплаченные_продукты_штук_квартал": Term(
        "Неоплаченных товаров в корзине за квартал",
        "мало неоплаченных товаров", "много неоплаченных товаров", "шт."),
    "Ошибка_сервиса": Term("Сбоев сервиса за визит", "мало сбоев сервиса", "много сбоев сервиса"),
    "Страниц_за_визит": Term(
        "Страниц за визит", "мало страниц за визит", "много страниц за визит"),
    REVENUE_COLUMNS[0]: Term(
        "Выручка, препредыдущий месяц", "низкая выручка 3 мес. назад",
        "высокая выручка 3 мес. назад", "₽"),
    REVENUE_COLUMNS[1]: Term(
        "Выручка, предыдущий месяц", "низкая выручка в прошлом месяце",
        "высокая выручка в прошлом месяце", "₽"),
    REVENUE_COLUMNS[2]: Term(
        "Выручка, текущий месяц", "низкая выручка в этом месяце",
        "высокая выручка в этом месяце", "₽"),
    REVENUE_CHANGE: Term(
        "Изменение выручки за месяц", "выручка падает", "выручка растёт", "₽"),
    MINUTES_COLUMNS[0]: Term(
        "Минут на сайте, предыдущий месяц", "мало времени на сайте в прошлом месяце",
        "много времени на сайте в прошлом месяце", "мин"),
    MINUTES_COLUMNS[1]: Term(
        "Минут на сайте, текущий месяц", "мало времени на сайте в этом месяце",
        "много времени на сайте в этом месяце", "мин"),
    MINUTES_CHANGE: Term(
        "Изменение минут на сайте", "время на сайте сокращается",
        "время на сайте растёт", "мин"),
    PROFIT: Term("Среднемесячная прибыль", "низкая прибыль", "высокая прибыль"),
}

CATEGORICAL: tuple[str, ...] = (SERVICE, PERMISSION, CATEGORY)
NUMERIC: tuple[str, ...] = (
    "Маркет_актив_6_мес",
    "Маркет_актив_тек_мес",
    "Длительность",
    PROMO,
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    "Страниц_за_визит",
    *REVENUE_COLUMNS,
    REVENUE_CHANGE,
    *MINUTES_COLUMNS,
    MINUTES_CHANGE,
)

GROUPS: dict[str, tuple[str, ...]] = {
    "Маркетинговые коммуникации": (
        SERVICE, PERMISSION, "Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность"),
    "Продуктовое поведение": (CATEGORY, PROMO, "Неоплаченные_продукты_штук_квартал"),
    "Финансовое поведение": (*REVENUE_COLUMNS, REVENUE_CHANGE, PROFIT),
    "Активность на сайте": (
        *MINUTES_COLUMNS, MINUTES_CHANGE, "Страниц_за_визит",
        "Средний_просмотр_категорий_за_визит", "Ошибка_сервиса"),
}


def label(column: str) -> str:
    """Russian label of a column; the column name itself when it is not in the glossary."""
    term = GLOSSARY.get(column)
    return term.label if term else column


# --- Chart labels -------------------------------------------------------------------------
# Words drawn inside the figures' PNGs: axis titles, legend entries, tick words and panel
# titles. They are labels, not findings: the figures' titles, takeaways and alt texts are
# written by ``report.text.figures``. Entries with ``{…}`` are ``str.format`` templates whose
# fields receive numbers already formatted with ``analysis.rutext``.


@dataclass(frozen=True)
class ChartLabels:
    """Every Russian word drawn inside a figure, by where it is drawn."""

    # classes of the target
    declined: str = "Снизилась"
    stable: str = "Прежний уровень"
    # behaviour
    category_axis: str = "Доля снизивших активность; пунктир — среднее, справа — клиентов"
    phik: str = "φk"
    revenue_panel: str = "Средняя выручка"
    minutes_panel: str = "Среднее время на сайте"
    # model
    chance: str = "Случайное угадывание"
    false_alarm_axis: str = "Доля ложных тревог"
    found_axis: str = "Доля найденных снизивших"
    recall_axis: str = "Полнота (доля найденных снизивших)"
    precision_axis: str = "Точность"
    base_rate: str = "Доля снизивших, {share}"
    roc_legend: str = "ROC AUC {auc}{ci}"
    ci: str = " (95 % ДИ {low}–{high})"
    pr_legend: str = "PR AUC {auc}"
    model: str = "Модель"
    roc_panel: str = "ROC-кривая"
    pr_panel: str = "Точность и полнота"
    predicted_axis: str = "Прогноз модели"
    actual_axis: str = "Фактически"
    confusion_panel: str = "Матрица ошибок (отложенная выборка)"
    perfect_calibration: str = "Идеальная калибровка"
    probability_axis: str = "Предсказанная вероятность снижения"
    observed_axis: str = "Фактическая доля снизивших"
    calibration_panel: str = "Калибровка (отложенная выборка)"
    class_share_axis: str = "Доля клиентов класса"
    spread_panel: str = "Прогнозы по фактическому классу"
    threshold: str = "Порог {value}"
    random_choice: str = "Случайный выбор"
    by_model: str = "По прогнозу модели"
    gain_note: str = "{clients} клиентов →\n{found} снизивших"
    contacted_axis: str = "Доля клиентов с предложением"
    gain_panel: str = "Охват при выборе по риску"
    # drivers
    shap_axis: str = "Вклад в риск снижения (SHAP): ← ниже риск | выше риск →"
    value_low: str = "низкое"
    value_high: str = "высокое"
    value_colour: str = "Значение признака"
    other_features: str = "Остальные признаки ({count})"
    example_column: str = "Клиент {id}\nвероятность {probability}"
    contributions_axis: str = ("В клетке: значение у клиента и его вклад (SHAP)\n"
                               "красный повышает риск снижения, синий снижает")
    above: str = "больше {value}"
    below: str = "меньше {value}"
    # segments
    outside_segments: str = "Вне сегментов"
    profit_line: str = "Порог высокой прибыли"
    risk_probability_axis: str = ("Вероятность снижения активности "
                                  "(шкала растянута у 0 и 100\u00a0%)")
    profit_axis: str = "Среднемесячная прибыль"
    profit_unit_axis: str = "Среднемесячная прибыль, {unit}"
    risk_medium: str = "средний риск от {value}"
    risk_high: str = "высокий риск от {value}"
    segment_vs_stable: str = "{segment} против {stable}"
    difference_axis: str = "← ниже, чем у стабильных | выше →"
    profit_unit: str = "тыс. ₽"
    """Unit of ``Прибыль`` when the bundle does not state one (the export's unit)."""
    exposure_winback: str = "Возврат: прибыль снизивших"
    exposure_prevention: str = "Профилактика: под угрозой у стабильных (оценка)"
    exposure_axis: str = "Прибыль в месяц, {unit}"
    # trend across months (page 1)
    trend_decline_panel: str = "Снизили активность"
    trend_exposure_panel: str = "Прибыль в месяц, {unit}"
    trend_uplift_panel: str = "Эффект предложений, п. п."
    trend_auc_panel: str = "Качество модели"
    """Page 1 speaks plain words: the measure (ROC AUC) is named in the trend section."""


CHART = ChartLabels()
"""The chart labels (:class:`ChartLabels`); figures read them from here."""
