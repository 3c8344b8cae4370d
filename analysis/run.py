"""The wiring of the analysis: validated data in, one results bundle out.

Each stage is a subpackage of pure functions; this module only says which feeds
which, times them, and assembles the :class:`~analysis.results.contract.Bundle`
that every later stage reads (in memory within a run, from
:mod:`analysis.results.store` across runs). ``oneclick analyse`` and
``oneclick report`` get the same bundle shape: the comparison with an earlier
revision is part of it (``None`` when there is none).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import glossary as g
from analysis.behaviour import stats
from analysis.comparison import compare_runs, previous_outcome
from analysis.config import Config
from analysis.data.clients import ClientData
from analysis.explain.fitted import fit_and_explain
from analysis.progress import Progress, no_progress
from analysis.results.contract import SCHEMA_VERSION, Bundle, plain
from analysis.sampling import stratified_sample
from analysis.segments.monthly import monthly_plan
from analysis.segments.outcome import LEARNED, learned_assumptions
from analysis.trend import History, build_trend

__all__ = ["run_analysis"]

SAMPLE_ROWS = 5000
"""At most this many clients go into ``tables/clients_sample.csv`` (stratified by the target)."""


def _behaviour(data: ClientData, config: Config) -> dict[str, Any]:
    tests = stats.behaviour_tests(data.modelled, config.stats)
    return {
        "tests": stats.behaviour_records(tests),
        "breakdowns": stats.breakdowns(data.clients),
        "monthly": stats.monthly_profile(data.modelled),
        "phik": stats.phik_matrix(data.modelled, config.stats, config.model.seed,
                                   config.model.n_jobs),
    }


def _actions_summary(scores: pd.DataFrame) -> dict[str, Any]:
    """Counts of the action list; ``by_segment``/``by_group`` count clients sent an offer."""
    with_offer = scores[scores["offer"].fillna("") != ""]
    tested = scores[scores["tested_offer"] != ""]

    def counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in
                frame[column].fillna("").value_counts().sort_index().items()}

    return {
        "clients": len(scores),
        "clients_with_offer": len(with_offer),
        "clients_selected": len(tested),
        "clients_control": int(tested["arm"].eq("control").sum()),
        "by_channel": counts(with_offer, "channel"),
        "by_segment": counts(with_offer, "segment"),
        "by_group": counts(with_offer, "group"),
        "clients_by_group": counts(scores, "group"),
        "clients_by_segment": counts(scores, "segment"),
    }


def _comparison(previous: Path | None, results: dict[str, Any], data: ClientData,
                scores: pd.DataFrame, config: Config) -> dict[str, Any] | None:
    """The change since ``previous`` (``ARCHIVE/PERIOD/rN``), or None without one.

    The previous revision is an input of the run like the export: its path is
    stored relative to the archive, so the same export and the same previous
    revision give the same bytes wherever the archive lives.
    """
    if previous is None:
        return None
    comparison = compare_runs(previous, plain(results), data.modelled, scores, config.compare)
    comparison["previous"]["path"] = previous.relative_to(previous.parent.parent).as_posix()
    return comparison


def _outcome(previous: Path | None, period: str | None, data: ClientData,
             config: Config) -> dict[str, Any] | None:
    """Last month's offers measured on this export's labels; None without an earlier revision."""
    if previous is None:
        return None
    return previous_outcome(previous, period, data.clients[g.TARGET], config.segments.alpha,
                            config.segments.power)


def _learning(outcome: dict[str, Any] | None, config: Config
              ) -> tuple[Config, dict[str, Any]]:
    """The configuration the decision rule uses, and where its uplifts come from.

    With ``decision.learn_from_outcome`` the assumed uplifts are replaced by
    last month's confirmed measurement (:func:`learned_assumptions`); the
    ``learning`` record says, per assumption, ``measured`` or ``assumed``.
    """
    assumed = {name: getattr(config.decision, name) for name in LEARNED.values()}
    found = learned_assumptions(outcome, assumed) if config.decision.learn_from_outcome else {}
    values = {name: entry["value"] for name, entry in found.items()
              if entry["value"] is not None}
    measured = (outcome or {}).get("status") == "measured"
    record = {"enabled": config.decision.learn_from_outcome,
              "period": outcome["assignment"]["period"] if measured else None,
              "sources": {name: "measured" if name in values else "assumed" for name in assumed},
              "assumptions": found}
    if not values:
        return config, record
    decision = config.decision.model_copy(update=values)
    return config.model_copy(update={"decision": decision}), record


def run_analysis(data: ClientData, config: Config, previous: Path | None = None,
                 period: str | None = None,
                 skipped_previous: list[dict[str, str]] | None = None,
                 history: History | None = None,
                 progress: Progress = no_progress) -> Bundle:
    """Run every analysis stage on validated data and collect the results bundle.

    Parameters
    ----------
    data
        The validated client table and its data-quality log.
    config
        Parameters of the run.
    previous
        The latest earlier revision of the archive, compared with this run
        (``results["comparison"]``) and whose offers are measured on this
        export's labels when it is of an earlier month (``results["outcome"]``);
        ``None`` when there is none.
    period
        The report's month (``YYYY-MM``): with ``config.model.seed`` it seeds the
        control draw of the action list (recorded in ``segments.decision.control``).
    skipped_previous
        Damaged earlier revisions passed over when ``previous`` was chosen
        (``revision``, ``problem``), kept in ``results["history"]["skipped"]``.
    history
        The newest intact revision of every earlier period: with this run's own
        figures as the last point they make ``results["trend"]``
        (:func:`analysis.trend.build_trend`); ``None`` (no archive, as for
        ``oneclick analyse``) leaves ``trend`` None.
    progress
        Told how far the long loops have got (model search, cross-fitting,
        SHAP; :mod:`analysis.progress`); silent by default.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    outcome = _outcome(previous, period, data, config)
    timings["outcome"] = time.perf_counter() - start

    start = time.perf_counter()
    behaviour = _behaviour(data, config)
    timings["behaviour"] = time.perf_counter() - start

    start = time.perf_counter()
    fitted = fit_and_explain(data.modelled, config, data.groups, progress)
    timings["model"] = time.perf_counter() - start
    timings.update({f"model.{step}": seconds for step, seconds in fitted.timings.items()})

    start = time.perf_counter()
    plan_config, learning = _learning(outcome, config)
    seg, scores = monthly_plan(data.modelled, fitted.probability, fitted.shap_by_feature,
                               fitted.reasons, plan_config, period)
    seg["decision"]["learning"] = learning
    timings["segments"] = time.perf_counter() - start

    results = {
        "schema_version": SCHEMA_VERSION,
        "facts": {**stats.facts(data.clients, data.modelled),
                  "money": stats.money_scale(data.modelled, config.profit_unit)},
        "quality": data.quality.to_dict(),
        "leakage": stats.id_leakage(data.clients),
        "behaviour": behaviour,
        "model": fitted.summary,
        "drivers": fitted.drivers,
        "shap": fitted.shap_summary,
        "segments": seg,
        "actions": _actions_summary(scores),
        "outcome": outcome,
        "params": config.model_dump(mode="json"),
    }
    start = time.perf_counter()
    results["comparison"] = _comparison(previous, results, data, scores, config)
    results["history"] = {"skipped": list(skipped_previous or [])}
    results["trend"] = (None if history is None
                        else build_trend(history, plain(results), period))
    timings["compare"] = time.perf_counter() - start
    rows = stratified_sample(data.modelled[g.TARGET], data.groups, SAMPLE_ROWS, config.model.seed)
    sample = data.modelled.iloc[rows]
    sample = sample.assign(decline_probability=fitted.probability.reindex(sample.index),
                           segment=scores.set_index("id")["segment"].reindex(sample.index))
    tables = {"clients_sample": sample, **fitted.tables}
    return Bundle(results=plain(results), scores=scores, tables=tables, model=fitted.model,
                  timings=timings)


