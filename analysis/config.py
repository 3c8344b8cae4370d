"""Every tunable of a run, with a typed schema checked when it is loaded.

A run's parameters come from defaults, then ``oneclick.toml``, then command-line
flags. Everything is checked here, before any computation, and refused with a
message naming the key (and the file):

- unknown keys and wrong types;
- ranges, per key, in the ``Field`` declarations below; no number anywhere may
  be NaN or infinite;
- the model families, against :data:`FAMILY_NAMES`;
- ``segments.offer_rules``: an existing regular file (or empty for the packaged one);
- relations between keys, in :data:`_RELATIONS` (``risk_medium`` below ``risk_high``, …).

``model.seed`` lies in ``0 … 2**31 − 1`` (:data:`MAX_SEED`): numpy and
scikit-learn take seeds up to ``2**32 − 1``, and the run derives further seeds by
adding small offsets (the repeat of a CV, the family of a search), which must
stay in their range.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from analysis.errors import InputError

__all__ = ["FAMILY_NAMES", "MAX_SEED", "Config", "ConfigError", "DecisionParams",
           "SegmentParams", "default_toml", "load_config"]

MAX_SEED = 2**31 - 1
"""Largest ``model.seed``; derived seeds (seed + a small offset) stay below ``2**32``."""

FamilyName = Literal["dummy", "knn", "tree", "logreg", "svc_linear", "svc_rbf", "hgb", "forest"]
FAMILY_NAMES: tuple[str, ...] = get_args(FamilyName)
"""The model families ``analysis.model.search.FAMILIES`` defines (a test keeps them equal)."""

_MAX_CONFIG_BYTES = 1_000_000


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"повторяются: {', '.join(repeated)}")
    return names


Families = Annotated[tuple[FamilyName, ...], Field(min_length=1)]


def _regular_file(path: Path) -> None:
    """Refuse (ValueError) anything but an existing regular file; ``stat`` only, never opened."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ValueError(f"файл {path} не найден") from None
    except OSError as exc:
        raise ValueError(f"файл {path} не читается ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"{path} — папка, а не файл")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} — не обычный файл (канал или устройство)")


class DataParams(_Section):
    """Validation and repair of the export."""

    min_clients: int = Field(100, ge=10, description="fewest usable clients to train a model")
    min_class_clients: int = Field(20, ge=5, description="fewest clients of each target class")
    max_missing_share: float = Field(
        0.05, ge=0, le=1, description="share of clients with gaps that may be excluded")
    outlier_factor: float = Field(
        8.0, gt=1, description="revenue above factor × month median is an entry error")


class ModelParams(_Section):
    """Model selection and evaluation."""

    seed: int = Field(
        20240601, ge=0, le=MAX_SEED, description="seed of every random draw, 0 … 2147483647")
    test_size: float = Field(0.25, gt=0.05, lt=0.5)
    cv_folds: int = Field(5, ge=2, le=20)
    cv_repeats: int = Field(3, ge=1, le=20)
    search_iter: int = Field(8, ge=1, le=200, description="configurations tried per family")
    search_sample: int = Field(20000, ge=200, description="most clients used in the search")
    bootstrap: int = Field(1000, ge=100, le=20000)
    threshold_rule: str = Field("f1", pattern="^(f1|cost)$")
    miss_cost: float = Field(5.0, gt=0, description="cost of a missed client / cost of an offer")
    families: Families = Field(
        ("dummy", "knn", "tree", "logreg", "svc_linear", "svc_rbf", "hgb", "forest"),
        description=f"model families compared, one or more of: {', '.join(FAMILY_NAMES)}")
    calibration: str = Field(
        "sigmoid", pattern="^(sigmoid|isotonic)$",
        description="CalibratedClassifierCV method; isotonic only for large exports")
    n_jobs: int = Field(2, ge=1, le=64, description="parallel fits in search and calibration")
    # Large exports (analysis.model.fit, «Large exports»): cost grows at most linearly.
    large_export_clients: int = Field(
        20000, ge=100,
        description="above this many modelled clients only `large_export_families` compete")
    large_export_families: Families = Field(
        ("dummy", "tree", "logreg", "svc_linear", "hgb", "forest"),
        description="families whose fitting and scoring stay cheap on any number of clients")
    fit_sample: int = Field(
        20000, ge=200,
        description="most clients the hold-out and final models are fitted on (all are scored)")
    large_export_cv_repeats: int = Field(
        1, ge=1, le=20,
        description="repeats of the search's cross-validation above `large_export_clients`")

    _distinct_families = field_validator("families", "large_export_families")(_distinct)


class ShapParams(_Section):
    """Explanations: SHAP values of every scored client, and the global ranking."""

    background: int = Field(
        2000, ge=10, le=100_000,
        description="clients in the SHAP background (all clients up to this number)")
    permutation_background: int = Field(
        20, ge=5, le=2000,
        description="background rows drawn for each client by the permutation explainer")
    large_export_background: int = Field(
        10, ge=1, le=2000,
        description="background rows drawn per client above `model.large_export_clients` clients")
    permutations: int = Field(
        1, ge=1, le=20, description="antithetic pairs of player orders per client (permutation)")
    explain_sample: int = Field(2000, ge=50, description="clients shown in the beeswarm at most")
    example_clients: int = Field(3, ge=0, le=10)
    rank_resamples: int = Field(
        1000, ge=100, le=20000, description="bootstrap resamples of clients for rank intervals")
    rank_level: float = Field(0.95, gt=0.5, lt=1, description="coverage of a rank interval")


class SegmentParams(_Section):
    """Risk tiers, the two study segments and the offer tests."""

    risk_high: float = Field(0.6, gt=0, lt=1)
    risk_medium: float = Field(0.3, gt=0, lt=1)
    profit_high_quantile: float = Field(0.5, gt=0, lt=1)
    promo_high: float = Field(0.5, gt=0, lt=1, description="high share of promo purchases")
    probability_high: float = Field(0.6, gt=0, lt=1)
    electronics_categories: tuple[str, ...] = (
        "Мелкая бытовая техника и электроника", "Техника для красоты и здоровья")
    offer_rules: str = Field(
        "", description="TOML catalogue of offer rules; empty: the packaged one")
    uplift: float = Field(0.05, gt=0, lt=1, description="uplift of retained share to detect")
    control_share: float = Field(0.2, gt=0, lt=1)
    power: float = Field(0.8, gt=0.5, lt=1)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    sensitivity_step: float = Field(0.1, gt=0, lt=0.5)
    sensitivity_limit: float = Field(
        0.25, gt=0, lt=1, description="relative change of size that makes a segment sensitive")
    offer_min_effect: float = Field(
        0.1, ge=0, lt=1, description="smallest |rank-biserial| for a feature offer rule to apply")
    offer_flag_min_share: float = Field(
        0.2, gt=0, le=1, description="smallest share of a segment meeting a flag offer rule")
    max_offers: int = Field(4, ge=2, le=8, description="most offers per segment")
    profile_features: int = Field(5, ge=1, le=20, description="differences shown per segment")

    @field_validator("offer_rules")
    @classmethod
    def _rules_file(cls, value: str) -> str:
        if value:
            _regular_file(Path(value))
        return value


class DecisionParams(_Section):
    """Who gets an offer: expected value = p × profit × uplift − cost (in profit units)."""

    prevention_uplift: float = Field(
        0.1, gt=0, le=1,
        description="assumed share of a stable client's expected loss that an offer saves")
    winback_uplift: float = Field(
        0.05, gt=0, le=1,
        description="assumed share of already declined clients an offer brings back (p = 1)")
    winback_baseline: float = Field(
        0.05, gt=0, lt=1,
        description="assumed share of declined clients who return without an offer")
    offer_cost: float = Field(
        0.1, ge=0, description="cost of the incentive of one offer, in profit units")
    cost_email: float = Field(0.01, ge=0, description="cost of one contact, in profit units")
    cost_sms: float = Field(0.03, ge=0)
    cost_push: float = Field(0.005, ge=0)
    cost_newsletter: float = Field(0.005, ge=0)
    cost_site: float = Field(0.0, ge=0)
    cost_personal_account: float = Field(0.0, ge=0)
    cost_call: float = Field(0.15, ge=0)
    sensitivity_factors: tuple[Annotated[float, Field(gt=0, le=100)], ...] = Field(
        (0.5, 2.0), min_length=1,
        description="each assumption is multiplied by these in the sensitivity table")
    similar_bins: int = Field(
        10, ge=2, le=50,
        description="probability bins for the observed baseline of similar clients")
    interval_level: float = Field(0.9, gt=0.5, lt=1, description="level of exposure intervals")
    learn_from_outcome: bool = Field(
        False, description="replace prevention_uplift and winback_uplift by last month's "
                           "measured uplift of the group when the report confirms it")


class StatsParams(_Section):
    """Behaviour tests."""

    correction: str = Field("holm", pattern="^(holm|fdr_bh)$")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    collinear_phik: float = Field(0.9, gt=0, le=1)
    phik_sample: int = Field(20000, ge=200)


class CompareParams(_Section):
    """Drift thresholds for the comparison with the previous report."""

    psi_warn: float = Field(0.1, gt=0, le=10, description="PSI from which a shift is moderate")
    psi_alert: float = Field(0.25, gt=0, le=10, description="PSI from which a shift is large")
    ks_alpha: float = Field(0.01, gt=0, lt=1, description="significance level of the KS test")


class EmailParams(_Section):
    """Delivery settings other than secrets (those come from the environment)."""

    to: tuple[str, ...] = ()
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    security: str = Field("none", pattern="^(none|starttls|ssl)$")
    sender: str = "oneclick-report@localhost"
    retries: int = Field(3, ge=0, le=10)
    timeout: float = Field(
        20.0, gt=0, le=600,
        description="socket timeout, seconds; the whole delivery must end within "
                    "timeout × (retries + 1) + the waits between retries + 1 s")


class Config(_Section):
    """All parameters of a run."""

    data_dir: str = Field("", description="folder with the four exports (--data)")
    period: str = Field(
        "", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$",
        description="month the export covers, YYYY-MM (--period); empty: the export "
                    "folder's name when it is YYYY-MM")
    archive_dir: str = Field("reports", description="archive of revisions (--out)")
    renderer: str = Field("auto", pattern="^(auto|builtin|quarto)$",
                          description="auto: Quarto when on PATH, else the built-in renderer")
    profit_unit: str = Field("тыс. ₽", description="unit of Прибыль in money.csv, as shown")
    action_list_csv: str = Field(
        "excel", pattern="^(excel|plain)$",
        description="scores.csv: excel = UTF-8 with BOM, «;», decimal comma (Russian Excel "
                    "opens it by double click); plain = UTF-8, «,», decimal point")
    data: DataParams = DataParams()
    model: ModelParams = ModelParams()
    shap: ShapParams = ShapParams()
    segments: SegmentParams = SegmentParams()
    decision: DecisionParams = DecisionParams()
    stats: StatsParams = StatsParams()
    compare: CompareParams = CompareParams()
    email: EmailParams = EmailParams()

    def with_overrides(self, **dotted: Any) -> Config:
        """A copy with values set by dotted keys (``model.search_iter=4``)."""
        raw = self.model_dump()
        for key, value in dotted.items():
            if value is None:
                continue
            *parents, leaf = key.split(".")
            node = raw
            for part in parents:
                node = node[part]
            node[leaf] = value
        return _validate(raw, "командная строка", noun="")

    @model_validator(mode="after")
    def _relations(self) -> Config:
        for low, high, rule, holds in _RELATIONS:
            if not holds(_get(self, low), _get(self, high)):
                raise PydanticCustomError(
                    "relation", "{low} = {low_value} и {high} = {high_value}: {rule}",
                    {"key": low, "low": low, "high": high, "rule": rule,
                     "low_value": _get(self, low), "high_value": _get(self, high)})
        return self


def _get(config: BaseModel, dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


_RELATIONS: tuple[tuple[str, str, str, Callable[[Any, Any], bool]], ...] = (
    ("segments.risk_medium", "segments.risk_high",
     "средний риск должен начинаться ниже высокого", lambda lo, hi: lo < hi),
    ("compare.psi_warn", "compare.psi_alert",
     "порог предупреждения PSI должен быть ниже порога тревоги", lambda lo, hi: lo < hi),
    ("data.min_class_clients", "data.min_clients",
     "в каждом классе не больше половины всех клиентов", lambda lo, hi: 2 * lo <= hi),
    ("decision.winback_baseline", "segments.uplift",
     "доля вернувшихся вместе с эффектом предложения должна быть меньше 1",
     lambda lo, hi: lo + hi < 1),
)
"""Relations between keys: (key, other key, what must hold, test); the first key is named."""


class ConfigError(InputError):
    """The configuration file is malformed."""


# pydantic's messages in Russian for the error types a hand-edited file or a flag can cause;
# any other type keeps pydantic's own message
_PROBLEMS: dict[str, str] = {
    "greater_than": "должно быть больше {gt}",
    "greater_than_equal": "должно быть не меньше {ge}",
    "less_than": "должно быть меньше {lt}",
    "less_than_equal": "должно быть не больше {le}",
    "string_pattern_mismatch": "не подходит под образец {pattern}",
    "int_parsing": "должно быть целым числом",
    "int_type": "должно быть целым числом",
    "int_from_float": "должно быть целым числом",
    "float_parsing": "должно быть числом",
    "float_type": "должно быть числом",
    "finite_number": "должно быть конечным числом",
    "bool_parsing": "должно быть true или false",
    "bool_type": "должно быть true или false",
    "string_type": "должно быть строкой",
    "extra_forbidden": "неизвестный параметр",
    "literal_error": "допустимые значения: {expected}",
}


def _problem(error: Any) -> str:
    """The first validation error in Russian (pydantic's English for a rare type)."""
    template = _PROBLEMS.get(error["type"])
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            pass
    return str(error["msg"]).removeprefix("Value error, ")


def _validate(raw: dict[str, Any], source: str, noun: str = "файл") -> Config:
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = (first["ctx"]["key"] if first["type"] == "relation"
               else ".".join(str(p) for p in first["loc"]))
        problem = _problem(first)
        raise ConfigError(
            source, f"параметр «{key}»: {problem}", "ключи, типы и диапазоны из `oneclick init`",
            noun=noun) from None


def load_config(path: Path | None) -> Config:
    """Read and validate a TOML configuration; defaults when ``path`` is None."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(_read_regular(Path(path)).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "файл не найден", "путь к oneclick.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"не читается как TOML ({exc})", "файл TOML") from None
    except ValueError as exc:  # a folder, a FIFO, a device
        raise ConfigError(str(path), str(exc), "путь к файлу oneclick.toml") from None
    except OSError as exc:
        raise ConfigError(str(path), f"не читается ({exc.strerror or exc})",
                          "читаемый файл oneclick.toml") from None
    return _validate(raw, str(path))


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file; never blocks on a FIFO (opened non-blocking, then checked).

    Raises
    ------
    ValueError
        ``path`` is a folder, a FIFO, a device, or larger than a configuration can be.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise ValueError("это папка, а не файл настроек") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ValueError("это папка, а не файл настроек")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("это не обычный файл (канал или устройство)")
        if info.st_size > _MAX_CONFIG_BYTES:
            raise ValueError(f"файл больше {_MAX_CONFIG_BYTES} байт — это не файл настроек")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(fd)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _toml_lines(model: BaseModel) -> list[str]:
    lines = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            continue
        if info.description:
            lines.append(f"# {info.description}")
        lines.append(f"{name} = {_toml_value(value)}")
    return lines


def default_toml() -> str:
    """A commented ``oneclick.toml`` with every default (``oneclick init``)."""
    config = Config()
    out = ["# oneclick.toml — settings of the monthly «В один клик» report.",
           "# Command-line flags override these values. Secrets (SMTP password) are never",
           "# kept here: set ONECLICK_SMTP_USER and ONECLICK_SMTP_PASSWORD in the environment.",
           "", *_toml_lines(config)]
    for name in type(config).model_fields:
        section = getattr(config, name)
        if isinstance(section, BaseModel):
            doc = (type(section).__doc__ or "").strip().splitlines()[0]
            out += ["", f"[{name}]", f"# {doc}", *_toml_lines(section)]
    return "\n".join(out) + "\n"
