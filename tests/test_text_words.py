"""The report's vocabulary: one word per code and one set of AUC cut-offs."""

from __future__ import annotations

from report.text.common import lift_row, lift_sentence
from report.text.words import AUC_WORDS, auc_quality, auc_separation, channel_label, effect_word

NB = "\u00a0"


def test_auc_quality_cut_offs() -> None:
    assert [auc_quality(v) for v in (0.95, 0.9, 0.85, 0.75, 0.6, float("nan"))] == [
        "высокое", "высокое", "хорошее", "умеренное", "слабое", "слабое"]
    assert [auc_separation(v) for v in (0.95, 0.85, 0.75, 0.6)] == [
        "очень хорошо", "хорошо", "умеренно", "слабо"]
    cuts = [cut for cut, *_ in AUC_WORDS]
    assert cuts == sorted(cuts, reverse=True) and cuts[-1] == 0.0


def test_codes_are_worded() -> None:
    assert effect_word("large") == "сильный" and effect_word(None) == "—"
    assert channel_label("personal_account") == "личный кабинет"
    assert channel_label("fax") == "fax"


def test_one_lift_sentence_at_the_nearest_share() -> None:
    model = {"lift": [{"top_share": s, "recall": r} for s, r in
                      ((0.1, 0.3), (0.2, 0.55), (0.3, 0.8), (0.5, 0.95))]}
    row = lift_row(model)
    assert row["top_share"] == 0.3
    assert lift_sentence(row) == (f"80{NB}% снижающихся клиентов — среди 30{NB}% клиентов, "
                                  "которых модель считает самыми рискованными")
    assert lift_row({"lift": []}) is None
