"""The offer rule catalogue: the packaged file, validation errors, channels, titles."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis import glossary as g
from analysis.errors import InputError
from analysis.rutext import RussianFormatter
from analysis.segments.offers import (
    MESSAGE_CHANNELS,
    client_matches,
    delivery_channel,
    fill_title,
    load_rules,
    parse_rules,
)

GOOD_RULE: dict[str, Any] = {
    "id": "few_pages",
    "title": "Рекомендации: {segment_median:.0f} стр. против {stable_median:.0f}",
    "action": "Рекомендации на главной",
    "channel": "site",
    "condition": {"feature": "Страниц_за_визит", "direction": "low"},
    "priority": 1,
}


def _with(**changes: Any) -> dict[str, Any]:
    rule = copy.deepcopy(GOOD_RULE)
    for key, value in changes.items():
        if value is None:
            rule.pop(key)
        else:
            rule[key] = value
    return rule


def test_packaged_catalogue_has_the_required_offers() -> None:
    rules = {r.id: r for r in load_rules()}
    assert [r.priority for r in load_rules()] == sorted(r.priority for r in rules.values())
    assert rules["few_pages"].channel == "site"
    assert rules["few_pages"].condition.feature == "Страниц_за_визит"
    assert rules["promo_calendar"].condition.direction == "high"
    assert {rules["promo_calendar"].channel, rules["loyalty_points"].channel} <= {"email", "push"}
    assert rules["service_apology"].channel == "email"
    assert rules["premium_manager_call"].condition.equals == {
        g.SERVICE: "премиум", g.PERMISSION: "да"}
    assert rules["premium_manager_call"].channel == "call"
    assert rules["short_visits"].condition.direction == "low"
    assert rules["basket_reminder"].condition.feature == "Неоплаченные_продукты_штук_квартал"


@pytest.mark.parametrize(("rule", "needle"), [
    (_with(channel="telegram"), "channel"),
    (_with(condition={"feature": "Любимый_цвет", "direction": "low"}), "Любимый_цвет"),
    (_with(condition={"feature": "Страниц_за_визит", "direction": "sideways"}), "direction"),
    (_with(condition={"equals": {"Город": "Москва"}}), "Город"),
    (_with(condition={"equals": {g.SERVICE: "люкс"}}), "люкс"),
    (_with(title=None), "title"),
    (_with(title="Рекомендации: {pages}"), "{pages}"),
    (_with(title="Рекомендации: {segment_median:.0q}"), "формат"),
    (_with(title="Рекомендации: {segment_median"), "title"),
    (_with(title="Рекомендации: {}"), "подстановка"),
    (_with(fallback_channel="email"), "fallback_channel"),
    (_with(colour="red"), "colour"),
    (_with(priority=0), "priority"),
])
def test_malformed_rule_is_refused_naming_it(rule: dict[str, Any], needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_rules({"rule": [GOOD_RULE | {"id": "first"}, rule]}, "offers.toml")
    message = caught.value.message
    assert "правило «few_pages»" in message
    assert needle in message
    assert "offers.toml" in message


def test_flag_rule_may_not_use_feature_placeholders() -> None:
    rule = _with(condition={"equals": {g.SERVICE: "премиум"}})
    with pytest.raises(InputError, match="segment_median"):
        parse_rules({"rule": [rule]}, "offers.toml")


def test_rule_without_id_is_named_by_its_number() -> None:
    with pytest.raises(InputError, match=r"правило №2 \(без id\)"):
        parse_rules({"rule": [GOOD_RULE, _with(id=None)]}, "offers.toml")


def test_duplicate_ids_and_empty_catalogue_are_refused() -> None:
    with pytest.raises(InputError, match="повторяется"):
        parse_rules({"rule": [GOOD_RULE, GOOD_RULE]}, "offers.toml")
    with pytest.raises(InputError, match="rule"):
        parse_rules({}, "offers.toml")
    with pytest.raises(InputError, match="неизвестные ключи"):
        parse_rules({"rule": [GOOD_RULE], "rules": []}, "offers.toml")


def test_catalogue_path_is_overridable(tmp_path: Path) -> None:
    path = tmp_path / "my_offers.toml"
    path.write_text(
        '[[rule]]\nid = "only"\ntitle = "Звонок: {matched} клиентов ({share:.0%})"\n'
        'action = "Звонок"\nchannel = "call"\npriority = 3\n'
        'condition = { equals = { "Тип сервиса" = "премиум" } }\n', encoding="utf-8")
    (rule,) = load_rules(path)
    assert rule.id == "only" and rule.fallback_channel == "personal_account"
    with pytest.raises(InputError, match="не найден"):
        load_rules(tmp_path / "missing.toml")
    path.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(InputError, match="TOML"):
        load_rules(path)


def test_titles_are_filled_the_russian_way() -> None:
    (rule,) = parse_rules({"rule": [_with(
        title="{segment_median:.1f} против {stable_median:,.0f}, {share:.0%}")]}, "x")
    text = fill_title(rule, {"segment_median": 4.25, "stable_median": 12345.0, "share": 0.456})
    assert text == "4,2 против 12\u202f345, 46\u00a0%"
    assert RussianFormatter().format("{n} / {s}", n=7, s="текст") == "7 / текст"


def test_message_channels_fall_back_without_consent() -> None:
    rules = {r.id: r for r in load_rules()}
    for rule in rules.values():
        assert delivery_channel(rule, messages_allowed=True) == rule.channel
        fallback = delivery_channel(rule, messages_allowed=False)
        assert fallback not in MESSAGE_CHANNELS
        assert fallback in {"site", "personal_account"}
    assert "call" in MESSAGE_CHANNELS
    assert delivery_channel(rules["premium_manager_call"], False) == "personal_account"
    assert delivery_channel(rules["few_pages"], False) == "site"


def test_client_matches_feature_and_flag_rules() -> None:
    clients = pd.DataFrame({
        "Страниц_за_визит": [3.0, 9.0, None],
        g.SERVICE: ["премиум", "стандарт", "премиум"],
        g.PERMISSION: ["да", "да", "нет"]}, index=pd.Index([1, 2, 3], name="id"))
    rules = {r.id: r for r in load_rules()}
    medians = pd.Series({"Страниц_за_визит": 8.0})
    assert client_matches(rules["few_pages"], clients, medians).tolist() == [True, False, False]
    call = client_matches(rules["premium_manager_call"], clients, medians)
    assert call.tolist() == [True, False, False]
    assert not client_matches(rules["short_visits"], clients, medians).any()
