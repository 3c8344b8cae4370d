"""Words of the behaviour section: group summaries, test rows, the id-leakage check."""

from __future__ import annotations

from analysis.behaviour.stats import MAGNITUDES
from analysis.glossary import GROUPS, label
from analysis.rutext import num, pct
from report.text.common import R, feature_value, p_value
from report.text.words import TERMS, correction_word, count, effect_word

__all__ = ["behaviour_row", "behaviour_section", "group_summaries", "group_summary", "leakage_text"]

_RANK = {code: i for i, code in enumerate(MAGNITUDES)}


def _quoted(labels: list[str]) -> str:
    return ", ".join(f"«{text}»" for text in labels)


def _driver(t: R) -> str:
    if t["kind"] == "categorical":
        more = t["top_category_share"] > t["base_share"]
        detail = (f"снижение {'чаще' if more else 'реже'} всего среди клиентов со значением "
                  f"«{t['top_category']}»")
    else:
        detail = f"у {TERMS['declined_gen']} {'выше' if t['effect_size'] > 0 else 'ниже'}"
    return f"«{t['label']}» (эффект {effect_word(t['effect_magnitude'])}, {detail})"


def _verb(rows: list[R]) -> str:
    return "различается" if len(rows) == 1 else "различаются"


def group_summary(tests: list[R]) -> str:
    """One sentence on what differs between declined and stable clients in a group of tests.

    ``tests`` are the records of ``results["behaviour"]["tests"]`` of one group.
    """
    def rank(t: R) -> int:
        return _RANK.get(t.get("effect_magnitude") or "", -1)

    ranked = sorted(tests, key=lambda t: (-rank(t), -abs(t.get("effect_size") or 0.0)))
    differ = [t for t in ranked if t["significant"] and rank(t) > 0]
    tiny = [t for t in ranked if t["significant"] and rank(t) <= 0]
    same = [t for t in tests if not t["significant"]]
    drivers = ", ".join(_driver(t) for t in differ)
    parts = [f"сильнее всего {_verb(differ)}: {drivers}" if differ
             else "заметных различий между снизившими и стабильными клиентами нет"]
    if tiny:
        parts.append(f"{_verb(tiny)}, но слишком слабо, чтобы это учитывать: "
                     + _quoted([t["label"] for t in tiny]))
    if same:
        parts.append(f"не {_verb(same)}: " + _quoted([t["label"] for t in same]))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def group_summaries(tests: list[R]) -> dict[str, str]:
    """Per glossary group with tests, its :func:`group_summary`."""
    by_group = {group: [t for t in tests if t["group"] == group] for group in GROUPS}
    return {group: group_summary(rows) for group, rows in by_group.items() if rows}


def leakage_text(leakage: R) -> str:
    """What the id-leakage check found (``results["leakage"]``)."""
    auc = num(leakage["separability"], 2)
    if leakage["leak"]:
        return (f"Номер клиента (id) сам по себе отделяет клиентов, снизивших активность, "
                f"от остальных с ROC AUC {auc}: в выгрузке клиенты идут блоками по id, "
                "упорядоченными по целевому признаку, поэтому id и порядок строк никогда "
                "не подаются в модель.")
    return (f"Номер клиента (id) почти не связан с целевым признаком (ROC AUC {auc}); "
            "id и порядок строк всё равно не подаются в модель.")


def behaviour_row(t: R) -> R:
    """A behaviour-test row for the tables."""
    name = "r" if t["effect_name"] == "rank_biserial" else "V"
    effect = f"{effect_word(t['effect_magnitude'])} ({name} = {num(t['effect_size'], 2)})"
    if t["kind"] == "numeric":
        declined = feature_value(t["feature"], t["declined_median"])
        stable = feature_value(t["feature"], t["stable_median"])
        test = "Манна — Уитни"
    else:
        top = t.get("top_category") or "—"
        declined = f"«{top}»: {pct(t.get('top_category_share'), 0)} снизились"
        stable = f"в среднем {pct(t.get('base_share'), 0)}"
        test = "хи-квадрат"
    return {"label": t["label"], "declined": declined, "stable": stable, "test": test,
            "p": p_value(t["p_adjusted"]), "effect": effect}


def behaviour_section(results: R) -> R:
    """Conclusion, grouped test rows, summaries, notes and the φK sentence."""
    tests = results["behaviour"]["tests"]
    significant = [t for t in tests if t["significant"]]
    strongest = sorted(significant, key=lambda t: -abs(t["effect_size"] or 0))[:3]
    names = ", ".join(f"«{t['label']}»" for t in strongest)
    groups = [(group, [behaviour_row(t) for t in tests if t["group"] == group]) for group in GROUPS]
    phik = results["behaviour"]["phik"]
    top_phik = sorted(phik["target_phik"].items(), key=lambda kv: -(kv[1] or 0))[:3]
    collinear = phik.get("collinear") or []
    return {
        "behaviour_conclusion": (
            f"Клиенты, {TERMS['declined']}, значимо отличаются от стабильных по "
            f"{len(significant)} из {count(len(tests), 'feature_gen')}; сильнее всего — {names}."),
        "test_groups": [(g, rows) for g, rows in groups if rows],
        "group_summaries": group_summaries(tests),
        "group_figures": {"Финансовое поведение": ["monthly_activity"]},
        "tests_note": (
            f"Числовые признаки сравнивались критерием Манна — Уитни (эффект — ранговая "
            f"бисериальная корреляция r: r < 0 — у {TERMS['declined_gen']} значения ниже), "
            "категориальные — "
            f"хи-квадрат (эффект — V Крамера). p-значения скорректированы на множественные "
            f"сравнения ({correction_word(results['params']['stats']['correction'])}) по всем "
            f"{len(tests)} тестам: скорректированное p-значение сравнивается с уровнем "
            f"значимости α = {num(results['params']['stats'].get('alpha', 0.05), 2)}."),
        "phik_sentence": (
            "Коэффициент связи φK (от 0 — нет связи до 1 — полная; подходит и для числовых, и "
            "для категориальных признаков). Сильнее всего с активностью связаны: " + ", ".join(
                f"«{label(c)}» ({num(v, 2)})" for c, v in top_phik) + ". " + (
                f"Пар почти дублирующих друг друга признаков (φK > "
                f"{num(phik['collinear_threshold'], 2)}): {len(collinear)}."
                if collinear else "Сильно дублирующих друг друга признаков нет.")),
        "leakage_text": leakage_text(results["leakage"]),
    }
