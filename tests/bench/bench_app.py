"""The web app's rerun after one answer changes, on a 10-flow assessment, against an empty script.

Both are run through Streamlit's AppTest in this process, so the floor holds Streamlit's own
cost of a rerun; the app's own work is the difference. Each rerun changes an answer to a value
not seen before. A new daily volume leaves the blueprint as it was (its rendering is cached by
its DOT text); a new flow id changes the blueprint, which must then be rendered again: the worst
case, and the one the budget is held to.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable

from _timing import ROOT

sys.path.insert(0, str(ROOT))

BUDGET_MS = 150.0
SYSTEMS = ["shop", "orders", "billing", "stock", "crm", "lake", "mail", "partners"]
TRIGGERS = ["user_action", "data_change", "schedule", "telemetry"]


def ten_flows() -> object:
    from advisor.models import Assessment

    flows = []
    for index in range(10):
        source = SYSTEMS[index % len(SYSTEMS)]
        others = [system for system in SYSTEMS if system != source]
        flows.append(
            {
                "id": f"flow-{index + 1}",
                "description": f"Flow number {index + 1}",
                "source": source,
                "targets": others[: 1 + index % 4],
                "trigger": TRIGGERS[index % 4],
                "needs_response": index % 3 == 0,
                "max_delay_seconds": [2, 30, 3600, 86400][index % 4],
                "events_per_day": 1000 * (index + 1),
                "consistency": "strong" if index % 2 else "eventual",
                "ordering": ["none", "per_key"][index % 2],
            }
        )
    return Assessment.model_validate(
        {
            "name": "Ten flows",
            "context": {"cloud": "aws", "goals": ["real_time", "decoupling"]},
            "systems": [
                {"id": system, "emits_events": index % 2 == 0, "owner": f"team-{index % 3}"}
                for index, system in enumerate(SYSTEMS)
            ],
            "flows": flows,
        }
    )


def _best(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times)


def bench() -> bool:
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from advisor.advice import assess
    from advisor.blueprint import blueprint_dot
    from advisor.loader import load_rules
    from advisor.questionnaire import answers_from, validate_answers
    from advisor.render import render
    from advisor.share import encode_link

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" notes from AppTest
    assessment = ten_flows()
    st.cache_data.clear()
    st.cache_resource.clear()

    empty = AppTest.from_string("import streamlit as st\n", default_timeout=60).run()
    floor = _best(empty.run, 15)

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["a"] = encode_link(assessment)  # type: ignore[arg-type]
    app.run()
    assert not app.exception, app.exception
    fresh = itertools.count(50_001)

    def answer(field: str, value: object) -> None:
        key = f"g{app.session_state['generation']}:flows.0.{field}"
        widget = app.number_input(key=key) if field == "events_per_day" else app.text_input(key=key)
        widget.set_value(value)
        app.run()
        assert app.session_state["answers"]["flows"][0][field] == value

    def new_volume() -> None:
        answer("events_per_day", next(fresh))

    def new_flow_id() -> None:
        answer("id", f"flow-renamed-{next(fresh)}")

    new_volume()
    volume_rerun = _best(new_volume, 15)
    new_flow_id()
    redraw_rerun = _best(new_flow_id, 15)
    assert not app.exception, app.exception

    ruleset = load_rules()
    answers = answers_from(assessment)  # type: ignore[arg-type]

    def core() -> None:
        answers["flows"][0]["id"] = f"flow-renamed-{next(fresh)}"
        checked = validate_answers(answers)
        assert checked.assessment is not None
        result = assess(checked.assessment, ruleset)
        encode_link(checked.assessment)
        render(blueprint_dot(checked.assessment, result, ruleset), "svg")

    core_time = _best(core, 15)
    print(f"   empty script rerun: {floor * 1000:.1f} ms", flush=True)
    for label, rerun in (("new daily volume", volume_rerun), ("new flow id", redraw_rerun)):
        print(
            f"   app rerun after a {label}: {rerun * 1000:.1f} ms = {rerun / floor:.1f}x the "
            f"empty script; the app's own work {(rerun - floor) * 1000:.1f} ms",
            flush=True,
        )
    print(
        "   the pure work of a rerun that redraws (validate, assess with what-would-change, "
        f"link, DOT, SVG): {core_time * 1000:.1f} ms",
        flush=True,
    )
    own = (redraw_rerun - floor) * 1000
    ok = own <= BUDGET_MS
    print(
        f"   app's own work: {own:.1f} ms (budget {BUDGET_MS:.0f} ms) {'ok' if ok else 'OVER'}",
        flush=True,
    )
    return ok
