"""`assess` with and without "what would change the answer", against parsing the same YAML.

Batch runs assess thousands of files and write the JSON, which holds the analysis, so assessing
a file (analysis included) must cost no more than twice parsing it with libyaml's CSafeLoader.
The floor is the parse alone; each example is timed best-of-N and the times are summed. The
analysis alone is also timed by each way the search scores candidate values (`whatif.explore`'s
`method`: the plain reference, by differences of points, and over columns), to show which pays.
And the analysis grows about in proportion to the flows: of 3,500 generated flows (350 systems)
it takes at most 15 times as long as of 350 (35 systems).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from _timing import ROOT, best_of, verdict

from advisor.advice import assess
from advisor.engine import score
from advisor.loader import load_rules, parse_assessment
from advisor.whatif import explore

METHODS = ("plain", "delta", "columns")

BUDGET = 2.0
GROWTH_BUDGET = 15.0  # for ten times the flows


def bench() -> bool:
    ruleset = load_rules()
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    parse = plain = full = 0.0
    methods = dict.fromkeys(METHODS, 0.0)
    for path in examples:
        text = path.read_text(encoding="utf-8")
        assessment = parse_assessment(text, path.name)
        assess(assessment, ruleset)  # warm the rule set's compiled form

        def parsed(text: str = text) -> object:
            return yaml.load(text, Loader=yaml.CSafeLoader)

        def without(assessment: object = assessment) -> object:
            return assess(assessment, ruleset, what_if=False)  # type: ignore[arg-type]

        def with_analysis(assessment: object = assessment) -> object:
            return assess(assessment, ruleset)  # type: ignore[arg-type]

        times = [_best(parsed), _best(without), _best(with_analysis)]
        print(
            f"   {path.stem:<28} parse {times[0] * 1e6:6.0f} us  assess {times[1] * 1e6:6.0f} us"
            f"  with analysis {times[2] * 1e6:6.0f} us",
            flush=True,
        )
        parse, plain, full = parse + times[0], plain + times[1], full + times[2]
        scored = score(assessment, ruleset)
        for method in METHODS:

            def analysis(
                method: str = method, assessment: object = assessment, scored: Any = scored
            ) -> object:
                return explore(
                    assessment,  # type: ignore[arg-type]
                    ruleset,
                    scored.result,
                    scored.facts,
                    scored.held,
                    method=method,  # type: ignore[arg-type]
                )

            methods[method] += _best(analysis)
    verdict("assess without the analysis", plain, parse, BUDGET)
    print(f"   the analysis adds {(full - plain) / parse:.2f}x the parse time", flush=True)
    print(
        "   the analysis alone, by method: "
        + ", ".join(f"{method} {seconds / parse:.2f}x" for method, seconds in methods.items())
        + " the parse time",
        flush=True,
    )
    ok = verdict("assess with the analysis", full, parse, BUDGET)
    return growth(ruleset) and ok


def growth(ruleset: Any) -> bool:
    """The analysis of 3,500 flows against that of 350, by each method."""
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.synthetic import generated_assessment

    ok = True
    for method in METHODS:
        times = []
        for flows in (350, 3500):
            assessment = generated_assessment(flows // 10, flows)
            scored = score(assessment, ruleset)

            def analysis(
                assessment: Any = assessment, scored: Any = scored, method: Any = method
            ) -> object:
                return explore(
                    assessment,
                    ruleset,
                    scored.result,
                    scored.facts,
                    scored.held,
                    method=method,
                )

            times.append(best_of(analysis, repeat=3))
        print(f"   {method}: 350 flows {times[0]:.2f} s, 3,500 flows {times[1]:.2f} s", flush=True)
        ok &= verdict(f"{method}: ten times the flows", times[1], times[0], GROWTH_BUDGET)
    return ok


def _best(function: Callable[[], object]) -> float:
    """The fastest of 400 calls: the one least disturbed by other work on the machine."""
    return best_of(function, repeat=400)
