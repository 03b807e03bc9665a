"""How often the advisor agrees with the decision-quality corpus.

Every `tests/corpus/*.yaml` holds a realistic assessment and the answer an experienced integration
architect would give (the recommendation, each flow's style and the broker), written from the
criteria and public practice before the advisor was run on it. This script assesses each case in
process and reports where the advisor agrees and where it does not.

    python tests/corpus/agreement.py                  # a table, the totals, the disagreements
    python tests/corpus/agreement.py --json           # the same as JSON
    python tests/corpus/agreement.py --baseline-strip # drop inputs older code does not know

The advisor package is the one Python imports (set PYTHONPATH to measure another checkout), and
its default rules are the ones that package finds (advisor/paths.py).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parents[1]
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Flow inputs added after the original engine; `--baseline-strip` removes them.
NEW_FLOW_KEYS = ("initiator", "items_polled_one_by_one")


@dataclass(frozen=True)
class Case:
    id: str
    path: Path
    meta: dict[str, Any]
    expect: dict[str, Any]
    assessment: dict[str, Any]

    @property
    def domain(self) -> str:
        return str(self.meta.get("domain", ""))

    @property
    def borderline(self) -> bool:
        return bool(self.meta.get("borderline", False))


@dataclass
class FlowOutcome:
    id: str
    expected: str | list[str]
    got: str | None
    agree: bool


@dataclass
class Outcome:
    id: str
    domain: str
    borderline: bool
    expected: str | list[str]
    got: str | None
    agree_overall: bool
    agree_flows: bool
    agree_broker: bool
    expected_broker: str | list[str]
    got_broker: str | None
    flows: list[FlowOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def agrees(self) -> bool:
        return self.agree_overall and self.agree_flows and self.agree_broker


def load_cases(folder: Path = CORPUS) -> list[Case]:
    """Every case of the corpus, in file name order."""
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        # as yaml.safe_load reads it, with libyaml's parser where there is one (faster)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        cases.append(
            Case(
                id=path.stem,
                path=path,
                meta=data["case"],
                expect=data["expect"],
                assessment=data["assessment"],
            )
        )
    return cases


def accepts(expected: Any, got: str | None) -> bool:
    """Whether `got` is an accepted answer: one value, a list of values, or `any`."""
    if expected == "any":
        return True
    if isinstance(expected, list):
        return got in expected
    return bool(got == expected)


def stripped(assessment: dict[str, Any]) -> dict[str, Any]:
    """The assessment without the flow inputs the original engine does not know."""
    data = copy.deepcopy(assessment)
    for flow in data.get("flows", []):
        for key in NEW_FLOW_KEYS:
            flow.pop(key, None)
    return data


def broker_of(result: Any) -> str:
    """The broker the advisor chose, `none` when it chose none."""
    broker = getattr(result, "broker", None)
    choice = getattr(broker, "choice", None) if broker is not None else None
    return str(choice) if choice else "none"


def load_ruleset() -> Any:
    """The default rules of the advisor package Python imports (as tests/conftest.py does)."""
    return importlib.import_module("advisor.loader").load_rules()


def evaluate(case: Case, ruleset: Any, *, strip: bool = False) -> Outcome:
    """Assess one case (without the what-if analysis) and compare with its expectations."""
    try:  # the one entry point; older versions of the code assessed in the engine
        engine = importlib.import_module("advisor.advice")
    except ImportError:
        engine = importlib.import_module("advisor.engine")
    models = importlib.import_module("advisor.models")
    expect = case.expect
    data = stripped(case.assessment) if strip else case.assessment
    outcome = Outcome(
        id=case.id,
        domain=case.domain,
        borderline=case.borderline,
        expected=expect["recommendation"],
        got=None,
        agree_overall=False,
        agree_flows=False,
        agree_broker=False,
        expected_broker=expect.get("broker", "any"),
        got_broker=None,
    )
    try:
        assessment = models.Assessment.model_validate(data)
    except Exception as error:  # a refused assessment is reported, not raised
        outcome.error = " ".join(str(error).split())
        outcome.flows = [
            FlowOutcome(flow_id, style, None, False) for flow_id, style in expect["flows"].items()
        ]
        return outcome
    result = engine.assess(assessment, ruleset, what_if=False)
    styles = {flow.id: flow.style for flow in result.flows}
    outcome.got = result.recommendation
    outcome.agree_overall = accepts(expect["recommendation"], result.recommendation)
    outcome.flows = [
        FlowOutcome(flow_id, style, styles.get(flow_id), accepts(style, styles.get(flow_id)))
        for flow_id, style in expect["flows"].items()
    ]
    outcome.agree_flows = all(flow.agree for flow in outcome.flows)
    outcome.got_broker = broker_of(result)
    outcome.agree_broker = accepts(outcome.expected_broker, outcome.got_broker)
    return outcome


def run(cases: Iterable[Case], *, strip: bool = False) -> list[Outcome]:
    ruleset = load_ruleset()
    return [evaluate(case, ruleset, strip=strip) for case in cases]


def totals(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    cases = len(outcomes)
    flows = [flow for outcome in outcomes for flow in outcome.flows]

    def share(count: int, whole: int) -> dict[str, Any]:
        return {
            "count": count,
            "of": whole,
            "percent": round(100 * count / whole, 1) if whole else 0,
        }

    return {
        "cases": cases,
        "refused": sum(outcome.error is not None for outcome in outcomes),
        "overall": share(sum(outcome.agree_overall for outcome in outcomes), cases),
        "flows": share(sum(flow.agree for flow in flows), len(flows)),
        "cases_with_all_flows": share(sum(outcome.agree_flows for outcome in outcomes), cases),
        "broker": share(sum(outcome.agree_broker for outcome in outcomes), cases),
        "full": share(sum(outcome.agrees for outcome in outcomes), cases),
    }


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return str(value)


def _mark(flag: bool) -> str:
    return "Y" if flag else "n"


def report(outcomes: Sequence[Outcome], *, source: str) -> str:
    """The table, the totals and the disagreements, as text."""
    header = ("case", "domain", "bl", "expected", "got", "agree o/f/b")
    rows = [
        (
            outcome.id,
            outcome.domain,
            "yes" if outcome.borderline else "",
            _shown(outcome.expected),
            "REFUSED" if outcome.error else _shown(outcome.got),
            "/".join(
                _mark(flag)
                for flag in (outcome.agree_overall, outcome.agree_flows, outcome.agree_broker)
            ),
        )
        for outcome in outcomes
    ]
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = [f"advisor: {source}", ""]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    summary = totals(outcomes)
    lines += [
        "",
        f"cases: {summary['cases']}"
        + (
            f" ({summary['refused']} refused by the advisor's loader)" if summary["refused"] else ""
        ),
    ]
    for key, label in (
        ("overall", "overall recommendation"),
        ("flows", "flow styles"),
        ("cases_with_all_flows", "cases with every flow right"),
        ("broker", "broker"),
        ("full", "cases agreeing on all three"),
    ):
        part = summary[key]
        lines.append(f"{label}: {part['count']}/{part['of']} ({part['percent']}%)")
    lines += ["", "disagreements:"]
    for outcome in outcomes:
        if outcome.agrees:
            continue
        if outcome.error:
            lines.append(f"- {outcome.id}: refused: {outcome.error[:300]}")
            continue
        parts = []
        if not outcome.agree_overall:
            parts.append(f"overall expected {_shown(outcome.expected)}, got {outcome.got}")
        parts += [
            f"flow {flow.id} expected {_shown(flow.expected)}, got {flow.got}"
            for flow in outcome.flows
            if not flow.agree
        ]
        if not outcome.agree_broker:
            parts.append(
                f"broker expected {_shown(outcome.expected_broker)}, got {outcome.got_broker}"
            )
        lines.append(f"- {outcome.id}: " + "; ".join(parts))
    return "\n".join(lines)


def _advisor_source() -> str:
    advisor = importlib.import_module("advisor")
    paths = importlib.import_module("advisor.paths")
    return f"{Path(advisor.__file__).parent} (rules: {paths.rules_dir()})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument(
        "--baseline-strip",
        action="store_true",
        help=f"remove {', '.join(NEW_FLOW_KEYS)} from flows before validating (older code)",
    )
    args = parser.parse_args(argv)
    # Measure with the rules as they are now, without reading or filling the user's cache.
    os.environ.setdefault("ADVISOR_CACHE_DIR", "")
    try:
        importlib.import_module("advisor")
    except ImportError:
        sys.path.insert(0, str(ROOT))
    outcomes = run(load_cases(), strip=args.baseline_strip)
    source = _advisor_source()
    if args.json:
        document = {
            "advisor": source,
            "baseline_strip": args.baseline_strip,
            "totals": totals(outcomes),
            "cases": [asdict(outcome) | {"agrees": outcome.agrees} for outcome in outcomes],
        }
        print(json.dumps(document, indent=2))
    else:
        print(report(outcomes, source=source))
    return 1 if any(outcome.error for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
