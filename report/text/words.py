"""The report's vocabulary: the Russian word for every code the analysis returns.

Each cut-off that turns a number into a word (AUC quality) is defined here once;
codes (effect sizes, sensitivity verdicts, risk tiers, channels, drift levels)
are worded here once. Figures cannot import ``report``: the figure texts built in
``report.text`` use these functions and hand the words over.
"""

from __future__ import annotations

from analysis.rutext import quantity

__all__ = [
    "AUC_WORDS",
    "CHANNEL_LABELS",
    "COMPARISON_PROBLEMS",
    "CORRECTION_WORDS",
    "DRIFT_WORDS",
    "EFFECT_WORDS",
    "GROUP_NOUNS",
    "PREVIOUS_MODEL_ERRORS",
    "PROFIT_LABELS",
    "RISK_LABELS",
    "SENSITIVITY_WORDS",
    "TERMS",
    "auc_quality",
    "auc_separation",
    "channel_label",
    "correction_word",
    "count",
    "effect_word",
    "lower_first",
]

AUC_WORDS = ((0.9, "высокое", "очень хорошо"), (0.8, "хорошее", "хорошо"),
             (0.7, "умеренное", "умеренно"), (0.0, "слабое", "слабо"))
"""(lowest ROC AUC, quality, how the model separates the classes) from the best down.

The one vocabulary of model quality: «качество высокое» and «модель очень хорошо
отделяет …» name the same band. A value's words are those of the first cut-off it meets."""

TERMS: dict[str, str] = {
    "declined": "снизившие активность",
    "declined_gen": "снизивших активность",
    "stable": "стабильные",
    "stable_gen": "стабильных",
    "at_risk": "под угрозой",
    "cv": "перекрёстная проверка",
    "cv_prep": "на перекрёстной проверке",
    "brier": "оценка Брайера",
    "brier_explained": ("оценка Брайера (средний квадрат разности между предсказанной "
                        "вероятностью и исходом: 0 — идеально, 0,25 — не лучше монетки)"),
    "phik": "φK",
    "std": "ст. откл.",
    "std_explained": "стандартное отклонение (ст. откл.)",
    "ci": "доверительный интервал",
    "calibration": ("вероятности модели откалиброваны: пересчитаны по отдельной части "
                    "обучающих данных так, чтобы совпадать с наблюдаемой долей"),
}
"""One word per concept of the report: the wording layer takes each term from here.

The declined class is «снизившие активность» (never «снижающиеся», «со сниженной»),
the other «стабильные»; the money a stable client may take away is «под угрозой»
(never «под риском»); cross-validation is «перекрёстная проверка»; the Brier score
is «оценка Брайера»; φ_K is «φK». A ``*_explained`` entry is the first use, with
the meaning in Russian."""

CORRECTION_WORDS = {"holm": "поправка Холма", "bonferroni": "поправка Бонферрони",
                    "fdr_bh": "поправка Бенджамини — Хохберга", "none": "без поправки"}
"""Multiple-comparison corrections (``stats.correction``) in Russian."""

GROUP_NOUNS = {
    "client": ("клиент", "клиента", "клиентов"),
    "client_gen": ("клиента", "клиентов", "клиентов"),
    "value": ("значение", "значения", "значений"),
    "row": ("строка", "строки", "строк"),
    "feature": ("признак", "признака", "признаков"),
    "feature_gen": ("признака", "признаков", "признаков"),
    "kind": ("вид", "вида", "видов"),
    "warning": ("предупреждение", "предупреждения", "предупреждений"),
    "repair": ("исправление", "исправления", "исправлений"),
    "segment": ("сегмент", "сегмента", "сегментов"),
    "median_gen": ("медианы", "медиан", "медиан"),
    "symbol_gen": ("символа", "символов", "символов"),
    "test": ("тест", "теста", "тестов"),
    "tested_offer": ("проверенное предложение", "проверенных предложения",
                     "проверенных предложений"),
    "pair": ("пара", "пары", "пар"),
}
"""The forms (1, 2–4, 5+) of every noun the report counts; :func:`count` agrees them."""

EFFECT_WORDS = {"negligible": "пренебрежимый", "small": "слабый", "medium": "средний",
                "large": "сильный"}

COMPARISON_PROBLEMS: dict[str, str] = {
    "no_clients_sample": "в прошлой ревизии нет tables/clients_sample.csv: сдвиг признаков "
                         "не посчитан",
    "no_scores": "в прошлой ревизии нет scores.csv: переходы в высокий риск не посчитаны",
}
"""What could not be compared with the previous revision (``comparison.problems`` codes)."""

PREVIOUS_MODEL_ERRORS: dict[str, str] = {
    "no_model_file": "в прошлой ревизии нет файла модели",
    "single_class": "в текущих данных только один класс целевого признака",
    "non_finite_probability": "модель вернула нечисловые вероятности",
    "failed": "ошибка при применении модели",
}
"""Why last month's model could not score this month's clients (``error`` codes)."""
SENSITIVITY_WORDS = {"sensitive": "чувствителен к порогу", "stable": "устойчив"}
DRIFT_WORDS = {"stable": "стабилен", "moderate": "умеренный сдвиг", "strong": "сильный сдвиг",
               "unknown": "нет данных"}
RISK_LABELS = {"high": "высокий", "medium": "средний", "low": "низкий"}
PROFIT_LABELS = {"high": "высокая прибыль", "low": "низкая прибыль"}
CHANNEL_LABELS = {
    "email": "электронное письмо", "sms": "SMS", "push": "push-уведомление",
    "newsletter": "рассылка", "site": "сайт", "personal_account": "личный кабинет",
    "call": "звонок", "": ""}


def count(n: int, noun: str) -> str:
    """``count(103, "client")`` → «103 клиента», through :func:`analysis.rutext.quantity`."""
    return quantity(n, *GROUP_NOUNS[noun])


def correction_word(code: str) -> str:
    """``holm`` → «поправка Холма» (unknown codes as they are)."""
    return CORRECTION_WORDS.get(code, code)


def _auc_band(auc: float) -> tuple[float, str, str]:
    return next((band for band in AUC_WORDS if auc >= band[0]), AUC_WORDS[-1])


def auc_quality(auc: float) -> str:
    """ROC AUC in one word: «высокое» (≥ 0.9), «хорошее», «умеренное», «слабое» (< 0.7)."""
    return _auc_band(auc)[1]


def auc_separation(auc: float) -> str:
    """How well the model separates the classes: «очень хорошо» (≥ 0.9) … «слабо» (< 0.7)."""
    return _auc_band(auc)[2]


def effect_word(code: str | None) -> str:
    """Effect-size code of :mod:`analysis.behaviour.stats` → «слабый» …; unknown → «—»."""
    return EFFECT_WORDS.get(code or "", "—")


def channel_label(code: str) -> str:
    """Channel code of the offer catalogue → its Russian name (unknown codes as they are)."""
    return CHANNEL_LABELS.get(code, code)


def lower_first(text: str) -> str:
    """«Страниц за визит» → «страниц за визит»."""
    return text[:1].lower() + text[1:]
