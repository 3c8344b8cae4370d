"""This month's plan in one call: segments, the action list with its decision, the tests.

:func:`monthly_plan` is what :mod:`analysis.run` calls; the order matters:
the segments choose the offers, the action list applies the decision rule and
the control draw, and the tests are sized on the clients who receive each offer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.config import Config
from analysis.segments import actions, decision, test_design
from analysis.segments.build import build_segments, json_ready
from analysis.segments.offers import load_rules

__all__ = ["monthly_plan"]


def monthly_plan(clients: pd.DataFrame, probability: pd.Series, shap_by_feature: pd.DataFrame,
                 reasons: pd.DataFrame, config: Config, period: str | None
                 ) -> tuple[dict[str, Any], pd.DataFrame]:
    """The ``segments`` part of results.json and the action list (``scores``).

    ``segments["decision"]`` holds the groups, the rule, the sensitivity table
    and the control draw (seed and period); ``segments["tests"]`` the offer tests.
    """
    seed = decision.run_seed(config.model.seed, period)
    seg = build_segments(clients, probability, shap_by_feature, config.segments)
    scores = actions.action_list(clients, probability, reasons, seg, config.segments,
                                 config.decision, seed)
    seg["decision"] = json_ready(decision.decision_section(
        scores, config.decision, config.segments.control_share, seed, period))
    tests = test_design.offer_tests(scores, clients, probability, config.segments,
                                    config.decision)
    actions_by_rule = {r.id: r.action for r in load_rules(config.segments.offer_rules)}
    for test in tests["tests"]:
        test["action"] = actions_by_rule.get(test["rule"], test["rule"])
    seg["tests"] = json_ready(tests)
    return seg, scores.drop(columns=["contact_cost"])
