"""The offer rule catalogue: loading, validation and matching.

The catalogue (``analysis/offers.toml`` by default, or the file named by
``SegmentParams.offer_rules``) is data. Each ``[[rule]]`` has

- ``id`` — stable machine name (``few_pages``);
- ``title`` — the offer as the report states it, a ``str.format`` template whose
  named placeholders are filled from computed numbers (see :data:`PLACEHOLDERS`);
- ``action`` — the short offer text for the action list, no placeholders;
- ``channel`` — one of :data:`CHANNELS`;
- ``fallback_channel`` — ``site`` or ``personal_account`` (default), used for
  clients who do not allow messages when ``channel`` is a message channel;
- ``condition`` — either ``{feature = "<export column>", direction = "low"|"high"}``
  (the feature is lower/higher than among stable clients) or
  ``{equals = {"<categorical column>" = "<value>", ...}}`` (all must hold);
- ``priority`` — integer, 1 is the most important; ties are broken by ``id``.

Message permission: ``email``, ``sms``, ``push``, ``newsletter`` and ``call`` need
the client's consent (``Разрешить сообщать`` = да). A call counts as a message
because a marketing call is direct advertising over a telephone network, which
needs prior consent just like an SMS. Without consent the same offer goes
through the rule's ``fallback_channel``.

Who executes an offer: a CRM sends messages (:data:`CRM_CHANNELS`, the
message channels); ``site`` and ``personal_account`` (:data:`SITE_CHANNELS`)
are shown by the site's personalisation, which a CRM cannot do. The action list
keeps the two apart (:mod:`analysis.segments.actions`): its offer column holds
only what a CRM can send, and site personalisation has its own column.
"""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
)

from analysis import glossary as g
from analysis.errors import InputError
from analysis.paths import OFFER_RULES_PATH
from analysis.rutext import RussianFormatter

__all__ = [
    "CHANNELS",
    "CRM_CHANNELS",
    "MESSAGE_CHANNELS",
    "PLACEHOLDERS",
    "SITE_CHANNELS",
    "FeatureCondition",
    "FlagCondition",
    "OfferRule",
    "client_matches",
    "delivery_channel",
    "fill_title",
    "load_rules",
    "parse_rules",
]

CHANNELS = ("email", "sms", "push", "newsletter", "site", "personal_account", "call")
MESSAGE_CHANNELS = frozenset({"email", "sms", "push", "newsletter", "call"})
CRM_CHANNELS = MESSAGE_CHANNELS
"""Channels a CRM executes: messages (and the manager's call list)."""
SITE_CHANNELS = frozenset({"site", "personal_account"})
"""Channels the site's personalisation shows: no message, no consent needed."""
Channel = Literal["email", "sms", "push", "newsletter", "site", "personal_account", "call"]

_NUMBERS = ("segment_median", "stable_median", "segment_mean", "stable_mean", "effect")
_COUNTS = ("matched", "size")
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "feature": frozenset({*_NUMBERS, "share", *_COUNTS}),
    "flag": frozenset({"share", *_COUNTS}),
}
"""Placeholders a title may use, by condition kind.

``segment_median``/``stable_median``/``segment_mean``/``stable_mean`` — the
feature in the segment and among stable clients; ``effect`` — rank-biserial
correlation (segment vs stable, positive = higher in the segment); ``share`` and
``matched`` — share and number of segment clients the condition holds for
(for a feature: on the unfavourable side of the stable median); ``size`` —
clients in the segment.
"""

_KNOWN_VALUES: dict[str, frozenset[str]] = {
    g.SERVICE: frozenset({"стандарт", "премиум"}),
    g.PERMISSION: frozenset({"да", "нет"}),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureCondition(_Strict):
    """The feature is lower (``low``) or higher (``high``) than among stable clients."""

    feature: str
    direction: Literal["low", "high"]


class FlagCondition(_Strict):
    """Every listed categorical column equals the given value."""

    equals: dict[str, str] = Field(min_length=1)


def _condition_kind(value: Any) -> str:
    if isinstance(value, FlagCondition) or (isinstance(value, dict) and "equals" in value):
        return "flag"
    return "feature"


Condition = Annotated[
    Annotated[FeatureCondition, Tag("feature")] | Annotated[FlagCondition, Tag("flag")],
    Discriminator(_condition_kind),
]


class OfferRule(_Strict):
    """One rule of the catalogue (fields as in the module docstring)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    action: str = Field(min_length=1)
    channel: Channel
    fallback_channel: Literal["site", "personal_account"] = "personal_account"
    condition: Condition
    priority: int = Field(ge=1)

    @property
    def kind(self) -> str:
        """``feature`` or ``flag``."""
        return _condition_kind(self.condition)


def _sample(name: str) -> float | int:
    return 7 if name in _COUNTS else 1.5


def _check_title(rule: OfferRule) -> str | None:
    """The problem with the title template, or ``None``."""
    allowed = PLACEHOLDERS[rule.kind]
    try:
        fields = list(string.Formatter().parse(rule.title))
    except ValueError as exc:
        return f"шаблон title не разбирается ({exc})"
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            return f"неизвестная подстановка {{{name}}} в title (допустимы: {known})"
        if conversion is not None:
            return f"преобразование !{conversion} в подстановке {{{name}}} не допускается"
        try:
            format(_sample(name), spec or "")
        except (ValueError, TypeError):
            return f"неверный формат «{spec}» в подстановке {{{name}}}"
    return None


def _check_condition(rule: OfferRule) -> str | None:
    """The problem with the condition, or ``None``."""
    condition = rule.condition
    if isinstance(condition, FeatureCondition):
        if condition.feature not in g.NUMERIC:
            return (f"признак «{condition.feature}» не из глоссария числовых признаков "
                    f"({', '.join(g.NUMERIC)})")
        return None
    for column, value in condition.equals.items():
        if column not in g.CATEGORICAL:
            return (f"столбец «{column}» в equals не из категориальных признаков глоссария "
                    f"({', '.join(g.CATEGORICAL)})")
        known = _KNOWN_VALUES.get(column)
        if known is not None and value not in known:
            return f"значение «{value}» столбца «{column}» не из {sorted(known)}"
    return None


def _rule_name(raw: Any, index: int) -> str:
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    return f"правило «{rule_id}»" if isinstance(rule_id, str) and rule_id else \
        f"правило №{index + 1} (без id)"


def _validation_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = list(first["loc"])
    if loc[:1] == ["condition"] and len(loc) > 1 and loc[1] in ("feature", "flag"):
        del loc[1]
    where = ".".join(str(part) for part in loc)
    return f"поле «{where}»: {first['msg']}" if where else str(first["msg"])


def parse_rules(raw: dict[str, Any], source: str) -> tuple[OfferRule, ...]:
    """Validate a parsed catalogue; rules sorted by priority, then id.

    Raises
    ------
    InputError
        Naming ``source``, the rule (its id, or its number when the id is
        missing) and the problem.
    """
    expected = "правила по схеме analysis/offers.toml (id, title, action, channel, " \
               "condition, priority)"
    extra = sorted(set(raw) - {"rule"})
    if extra or not isinstance(raw.get("rule"), list) or not raw["rule"]:
        problem = f"неизвестные ключи {extra}" if extra else "нет ни одного [[rule]]"
        raise InputError(source, problem, expected)
    rules: list[OfferRule] = []
    for index, item in enumerate(raw["rule"]):
        name = _rule_name(item, index)
        try:
            rule = OfferRule.model_validate(item)
        except ValidationError as exc:
            raise InputError(source, f"{name}: {_validation_problem(exc)}", expected) from None
        problem = _check_condition(rule) or _check_title(rule)
        if problem:
            raise InputError(source, f"{name}: {problem}", expected)
        if any(r.id == rule.id for r in rules):
            raise InputError(source, f"{name}: id повторяется", "уникальные id правил")
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: (r.priority, r.id)))


def load_rules(path: str | Path = "") -> tuple[OfferRule, ...]:
    """Read and validate the catalogue; the packaged default when ``path`` is empty."""
    path = Path(path) if str(path) else OFFER_RULES_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path), "файл правил предложений не найден",
                         "путь к TOML-каталогу правил") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"не читается как TOML ({exc})", "файл TOML") from None
    return parse_rules(raw, str(path))


def fill_title(rule: OfferRule, values: dict[str, float | int]) -> str:
    """The rule's title with its placeholders filled, numbers in Russian format."""
    return RussianFormatter().format(rule.title, **values)


def client_matches(rule: OfferRule, clients: pd.DataFrame,
                   stable_medians: pd.Series) -> pd.Series:
    """Whether the rule fits each client individually.

    A feature rule fits when the client's value is below (``low``) or above
    (``high``) the median of stable clients; a flag rule when all its
    equalities hold. Missing columns or values never fit.
    """
    condition = rule.condition
    if isinstance(condition, FeatureCondition):
        median = stable_medians.get(condition.feature)
        if condition.feature not in clients.columns or median is None or pd.isna(median):
            return pd.Series(False, index=clients.index)
        values = clients[condition.feature]
        hit = values < median if condition.direction == "low" else values > median
        return hit.fillna(False).astype(bool)
    hit = pd.Series(True, index=clients.index)
    for column, value in condition.equals.items():
        if column not in clients.columns:
            return pd.Series(False, index=clients.index)
        hit &= clients[column].astype("string").eq(value).fillna(False).astype(bool)
    return hit


def delivery_channel(rule: OfferRule, messages_allowed: bool) -> str:
    """The channel the offer uses for a client with or without message consent."""
    if rule.channel in MESSAGE_CHANNELS and not messages_allowed:
        return rule.fallback_channel
    return rule.channel
