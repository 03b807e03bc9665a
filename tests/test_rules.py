"""Rules are data: the defaults load, and a mistake names the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.advice import assess
from advisor.cli import main
from advisor.errors import InputError
from advisor.facts import FACTS
from advisor.loader import load_rules
from advisor.models import Assessment
from advisor.ruleset import DRAWN, Ruleset
from tests.conftest import ROOT, minimal


def test_default_rules_cover_every_criterion_and_both_sides(ruleset: Ruleset) -> None:
    criteria = {criterion.id for criterion in ruleset.criteria}
    assert criteria >= {
        "communication",
        "coupling",
        "real_time",
        "scalability",
        "error_handling",
        "complexity",
    }
    sides = {(rule.criterion, rule.favours) for rule in ruleset.rules}
    assert {criterion for criterion, _ in sides} == criteria
    assert {favours for _, favours in sides} == {"api", "event"}


def test_every_input_has_a_question(ruleset: Ruleset) -> None:
    flow_inputs = {
        f"flow.{name}"
        for name in Assessment.model_fields["flows"].annotation.__args__[0].model_fields
    }  # type: ignore[union-attr]
    assert flow_inputs <= set(ruleset.questions)


def test_rules_use_only_known_facts(ruleset: Ruleset) -> None:
    used = {fact for rule in ruleset.rules for fact in rule.when.facts_used()}
    assert used <= set(FACTS)


def write(tmp_path: Path, text: str, name: str = "ours.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refuse(paths: list[Path], defaults: bool = True) -> str:
    with pytest.raises(InputError) as caught:
        load_rules(paths, defaults=defaults)
    return str(caught.value)


RULE = """\
rules:
  - id: our-rule
    criterion: coupling
    favours: event
    points: 5
    when: {when}
    explanation: Ours.
"""


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        pytest.param(
            "{fact: flow.consumer, op: ge, value: 3}",
            ":6:11: rules[0] (id: our-rule).when: unknown fact 'flow.consumer'; "
            "did you mean 'flow.consumers'?",
            id="unknown-fact",
        ),
        pytest.param(
            "{fact: flow.trigger, op: ge, value: 3}",
            "rules[0] (id: our-rule).when: operator 'ge' does not apply to flow.trigger",
            id="operator-for-kind",
        ),
        pytest.param(
            "{fact: flow.trigger, op: eq, value: data_changes}",
            "'data_changes' is not a value of flow.trigger; expected one of: user_action, "
            "data_change, schedule, telemetry; did you mean 'data_change'?",
            id="enum-value",
        ),
        pytest.param(
            "{fact: flow.consumers, op: ge, value: many}",
            "flow.consumers is a number; 'many' is not",
            id="number-value",
        ),
        pytest.param(
            "{fact: flow.consumers, op: ge, value: 3, all: []}",
            "a condition is exactly one of",
            id="two-forms",
        ),
        pytest.param(
            '"flow.consumers >= 3"',
            "rules[0] (id: our-rule).when: expected a mapping (`key: value` lines)",
            id="code-as-text",
        ),
        pytest.param(
            "{all: [{fact: flow.style, op: eq, value: api}]}",
            "fact 'flow.style' cannot be used in scoring and hybrid rules",
            id="style-in-scoring",
        ),
        pytest.param(
            "{any: [{fakt: flow.consumers}]}",
            "rules[0] (id: our-rule).when.any[0].fakt: unknown key 'fakt'; did you mean 'fact'?",
            id="nested-unknown-key",
        ),
    ],
)
def test_condition_mistakes_name_file_rule_and_field(
    tmp_path: Path, when: str, expected: str
) -> None:
    path = write(tmp_path, RULE.format(when=when))
    message = refuse([path])
    assert f"{path}:" in message
    assert expected in message, message


def test_unknown_rule_field_suggests(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        RULE.format(when="{fact: flow.consumers, op: ge, value: 3}").replace("points:", "pionts:"),
    )
    message = refuse([path])
    assert "rules[0] (id: our-rule).pionts: unknown key 'pionts'; did you mean 'points'?" in message


def test_unknown_criterion_names_file_and_rule(tmp_path: Path) -> None:
    text = RULE.format(when="{fact: flow.consumers, op: ge, value: 3}").replace(
        "criterion: coupling", "criterion: coupled"
    )
    path = write(tmp_path, text)
    message = refuse([path])
    assert (
        f"{path}:3:16: rules (id: our-rule): criterion: unknown criterion 'coupled'; "
        "did you mean 'coupling'?"
    ) in message


def test_unknown_broker_is_placed_on_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broker_selection:\n  - id: ours\n    choose: kafkaa\n    why: Ours.\n"
        "    when: {fact: context.cloud, op: eq, value: aws}\n",
    )
    assert (
        f"{path}:3:13: broker_selection (id: ours): choose: unknown broker 'kafkaa'; "
        "did you mean 'kafka'?"
    ) in refuse([path])


def test_placeholders_must_be_facts(tmp_path: Path) -> None:
    text = RULE.format(when="{fact: flow.consumers, op: ge, value: 3}").replace(
        "explanation: Ours.", "explanation: With {flow.consumer} consumers."
    )
    message = refuse([write(tmp_path, text)])
    assert "unknown placeholder {flow.consumer}" in message
    assert "did you mean 'flow.consumers'?" in message


def test_own_rules_replace_and_add(tmp_path: Path) -> None:
    base = Assessment.model_validate(minimal(needs_response=True))
    default = assess(base, load_rules())
    heavier = write(
        tmp_path,
        "rules:\n"
        "  - id: needs-response\n"
        "    criterion: communication\n"
        "    favours: api\n"
        "    points: 50\n"
        "    when: {fact: flow.needs_response, op: eq, value: true}\n"
        "    explanation: Heavier.\n",
    )
    ours = assess(base, load_rules([heavier]))
    assert ours.flows[0].scores.api == default.flows[0].scores.api + 20
    explanation = next(r for r in ours.flows[0].reasons if r.rule == "needs-response")
    assert explanation.explanation == "Heavier."


def test_disable_drops_a_rule_and_names_unknown_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "disable: [needs-response]\n")
    ruleset = load_rules([path])
    assert "needs-response" not in {rule.id for rule in ruleset.rules}
    bad = write(tmp_path, "disable: [needs-respons]\n", "bad.yaml")
    assert f"{bad}:1:11: disable: no earlier rule has the id 'needs-respons'; did you mean " in (
        refuse([bad])
    )


def test_rules_alone_must_be_complete(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.format(when="{fact: flow.consumers, op: ge, value: 3}"))
    message = refuse([path], defaults=False)
    assert "scoring: no file sets saturation" in message
    assert "criteria: no criterion is defined" in message


def test_rules_alone_need_scoring_rules_and_broker_choices(tmp_path: Path) -> None:
    criteria = (ROOT / "rules" / "00-criteria.yaml").read_text(encoding="utf-8")
    message = refuse([write(tmp_path, criteria)], defaults=False)
    assert "rules: no scoring rule is defined" in message
    assert "broker_selection: no broker choice is defined" in message


def test_an_id_used_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    rule = RULE.format(when="{fact: flow.consumers, op: ge, value: 3}")
    twice = rule + rule.replace("rules:\n", "", 1)
    path = write(tmp_path, twice)
    message = refuse([path])
    assert f"{path}:2:3: rules: the id 'our-rule' is used twice, by items 0 and 1" in message


def test_questions_name_known_inputs(tmp_path: Path) -> None:
    path = write(tmp_path, "questions:\n  flow.trigger_kind: {label: What?, help: Help.}\n")
    message = refuse([path])
    assert "no input is called 'flow.trigger_kind'; did you mean 'flow.trigger'?" in message


def test_a_rules_folder_without_rules_is_refused(tmp_path: Path) -> None:
    message = refuse([tmp_path])
    assert f"{tmp_path}: holds no *.yaml or *.yml rules file" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty; a rules file starts with `rules:`"),
        ("- a\n", "expected a mapping of keys such as `rules:`"),
    ],
)
def test_refusals_speak_of_a_rules_file(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refuse([write(tmp_path, text)])


def test_a_copy_of_the_defaults_works_alone(tmp_path: Path) -> None:
    for source in (ROOT / "rules").glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rules([tmp_path], defaults=False).rules == load_rules().rules


KAFKA_ON_PREM = {
    "name": "On premises",
    "context": {"cloud": "on_prem", "existing_broker": "kafka"},
    "systems": [{"id": "a", "emits_events": True}, {"id": "b"}, {"id": "c"}, {"id": "d"}],
    "flows": [
        {
            "id": "f",
            "source": "a",
            "targets": ["b", "c", "d"],
            "trigger": "data_change",
            "max_delay_seconds": 1,
        }
    ],
}


def test_an_organisation_s_broker_choices_are_reached(tmp_path: Path) -> None:
    """Replaced choices keep their place, new ones stand ahead of the defaults' fallback: the
    first choice that holds wins, so behind the fallback they would never be reached."""
    cases = [
        ("keep-existing-broker", "existing", "kafka", "kafka"),
        ("our-own-choice", "other", "none", "other"),
    ]
    for choice_id, choose, running, chosen in cases:
        path = write(
            tmp_path,
            f"broker_selection:\n  - id: {choice_id}\n    choose: {choose}\n"
            "    when: {fact: context.cloud, op: eq, value: on_prem}\n"
            "    why: On premises we decide.\n",
        )
        ruleset = load_rules([path])
        ids = [choice.id for choice in ruleset.broker_selection]
        assert ids.index(choice_id) < ids.index("self-hosted-default"), ids
        data = {**KAFKA_ON_PREM, "context": {"cloud": "on_prem", "existing_broker": running}}
        broker = assess(Assessment.model_validate(data), ruleset, what_if=False).broker
        assert broker is not None
        assert (broker.rule, broker.choice) == (choice_id, chosen)


def test_keeping_the_existing_broker_when_none_runs_falls_through(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broker_selection:\n  - id: self-hosted-default\n    choose: existing\n"
        "    why: Whatever runs already.\n  - id: ours-last\n    choose: rabbitmq\n"
        "    why: Ours.\n",
    )
    data = {**KAFKA_ON_PREM, "context": {"cloud": "on_prem", "existing_broker": "none"}}
    broker = assess(Assessment.model_validate(data), load_rules([path]), what_if=False).broker
    assert broker is not None
    assert broker.choice != "none"


def test_a_risk_names_a_mitigation_the_blueprint_draws(tmp_path: Path) -> None:
    risk = (
        "risks:\n  - id: ours\n    title: Ours\n    mitigation: Do it.\n"
        "    when: {fact: flow.style, op: eq, value: event}\n"
    )
    drawn = load_rules([write(tmp_path, risk + "    blueprint: dead-letter\n")])
    assert next(rule for rule in drawn.risks if rule.id == "ours").blueprint == "dead-letter"
    message = refuse([write(tmp_path, risk + "    blueprint: dead-letters\n")])
    assert (
        ":6:16: risks[0] (id: ours).blueprint: 'dead-letters' is not allowed; expected one of: "
        "idempotent-consumer, outbox, retries, dead-letter; did you mean 'dead-letter'?"
    ) in message
    defaults = {rule.id: rule.blueprint for rule in load_rules().risks if rule.blueprint}
    assert defaults == {
        "idempotency": "idempotent-consumer",
        "dual-write": "outbox",
        "poison-messages": "dead-letter",
        "tight-coupling": "retries",
        "rate-limit": "retries",
    }


def test_rules_check_names_the_mitigations_the_blueprint_draws(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "check", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "`blueprint:` one of " + ", ".join(DRAWN[:-1]) + f" or {DRAWN[-1]}" in text


def test_a_style_margin_of_zero_is_refused(tmp_path: Path) -> None:
    message = refuse([write(tmp_path, "scoring: {style_margin: 0}\n")])
    assert "scoring.style_margin: must be more than 0 (got 0)" in message


def test_the_default_rules_quote_numbers_never_the_ids_of_choices(ruleset: Ruleset) -> None:
    """An explanation is read by people: it quotes the user's numbers, and names a choice in
    words of its own rather than by its id (`service_bus`, `other`)."""
    from advisor.ruleset import placeholders

    texts = [rule.explanation for rule in (*ruleset.rules, *ruleset.hybrid)]
    texts += [choice.why for choice in ruleset.broker_selection]
    quoted = {name for text in texts for name in placeholders(text)}
    assert quoted, "the rules quote some facts"
    assert {FACTS[name].kind for name in quoted if name in FACTS} == {"number"}


@pytest.mark.parametrize(
    ("calls", "said"),
    [(1.0, "only 1 call a day"), (24.0, "only 24 calls a day"), (1.5, "only 1.5 calls a day")],
)
def test_a_count_of_one_takes_its_noun_in_the_singular(calls: float, said: str) -> None:
    from advisor.ruleset import fill

    text = (
        "Polling takes only {polling.calls_per_day} calls a day, {flow.max_delay_seconds} behind."
    )
    facts = {"polling.calls_per_day": calls, "flow.max_delay_seconds": 1.0}
    assert fill(text, facts) == f"Polling takes {said}, 1 second behind."


def test_a_size_written_in_kb_reads_in_its_largest_unit() -> None:
    from advisor.ruleset import fill

    text = "Messages of {flow.payload_kb} KB travel as files."
    assert fill(text, {"flow.payload_kb": 5000.0}) == "Messages of 4.9 MB travel as files."
    assert fill(text, {"flow.payload_kb": 300.0}) == "Messages of 300 KB travel as files."
