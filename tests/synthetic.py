"""Large assessments built in memory, shaped like a real estate of systems: channels call core
services, core services call one another and publish their changes to downstream systems, a few
downstream systems pull a nightly extract, a few large documents go out as thin events. Each
system is owned by the team of its domain (a few downstream systems have no known owner), as in
an estate where a team owns a service and the systems around it. Deterministic: the same
arguments give the same assessment."""

from __future__ import annotations

import random
from typing import Any

from advisor.models import Assessment

# (name, owner) by role; numbered copies ("Courier A 2") beyond the list keep the owner.
_CHANNELS = (
    ("Web shop", "digital"),
    ("Mobile app", "digital"),
    ("Call centre desk", "customer care"),
    ("Partner portal", "partners"),
    ("Kiosk", "digital"),
)
_CORE = (
    ("Order service", "commerce"),
    ("Payment service", "payments"),
    ("Customer service", "customer"),
    ("Catalogue service", "commerce"),
    ("Stock service", "logistics"),
    ("Pricing service", "commerce"),
    ("Returns service", "logistics"),
    ("Loyalty service", "customer"),
    ("Shipping service", "logistics"),
    ("Invoice service", "finance"),
)
_DOWNSTREAM = (
    ("Data warehouse", "data"),
    ("CRM", "customer"),
    ("Email gateway", "messaging"),
    ("SMS gateway", "messaging"),
    ("Warehouse robots", "logistics"),
    ("Courier A", None),
    ("Courier B", None),
    ("Accounting", "finance"),
    ("Fraud screening", "payments"),
    ("Search index", "commerce"),
    ("Recommendations", "data"),
    ("Marketing automation", "marketing"),
    ("Audit archive", "finance"),
    ("Supplier portal", "partners"),
    ("Tax engine", "finance"),
)


def generated_data(systems: int = 30, flows: int = 50) -> dict[str, Any]:
    """An assessment as plain data: `systems` systems (at least 3) and `flows` flows."""
    if systems < 3:
        raise ValueError("a generated estate needs at least 3 systems")
    channel_count = max(1, systems // 6)
    core_count = max(1, systems // 3)
    channels = list(range(channel_count))
    core = list(range(channel_count, channel_count + core_count))
    downstream = list(range(channel_count + core_count, systems))
    named = [
        _named(pool, index)
        for pool, count in (
            (_CHANNELS, channel_count),
            (_CORE, core_count),
            (_DOWNSTREAM, len(downstream)),
        )
        for index in range(count)
    ]
    pick = random.Random(systems * 1000 + flows)
    system_list = [
        {
            "id": f"s{index:02d}",
            "name": name,
            **({"owner": owner} if owner else {}),
            # every third core service cannot publish its own changes (an outbox is needed)
            "emits_events": index in core and index % 3 != 0,
            **({"api_rate_limit_per_minute": 600} if index in core and index % 4 == 0 else {}),
        }
        for index, (name, owner) in enumerate(named)
    ]
    flow_list: list[dict[str, Any]] = []
    for number in range(flows):
        kind = number % 5
        source = pick.choice(core)
        if kind == 0 or (kind == 1 and number % 10 == 1):
            # a channel (or a core service) calls a core service and waits
            if kind == 0:
                source = pick.choice(channels)
            targets = [pick.choice(core)]
            flow: dict[str, Any] = {
                "trigger": "user_action",
                "needs_response": True,
                "max_delay_seconds": 2,
                "consistency": "strong",
            }
        elif kind == 1:  # a downstream system pulls a nightly extract from a core service
            targets = [pick.choice(downstream)] if downstream else [pick.choice(core)]
            flow = {"trigger": "schedule", "max_delay_seconds": 86_400, "events_per_day": 1}
        elif kind in (2, 3):  # a core service's changes fan out to downstream systems
            targets = pick.sample(downstream, min(len(downstream), pick.randint(1, 3)))
            flow = {
                "trigger": "data_change",
                "max_delay_seconds": 30,
                "events_per_day": 20_000 + 1000 * number,
                "ordering": "per_key" if number % 2 else "none",
            }
        else:  # a large document announced by a thin event, fetched through the API
            targets = pick.sample(downstream, min(len(downstream), 2))
            flow = {
                "trigger": "data_change",
                "max_delay_seconds": 60,
                "events_per_day": 3000,
                "payload_kb": 4000,
            }
        chosen = sorted(set(targets) - {source}) or [(source + 1) % systems]
        flow_list.append(
            {
                "id": f"flow-{number + 1:02d}",
                "source": f"s{source:02d}",
                "targets": [f"s{target:02d}" for target in chosen],
                **flow,
            }
        )
    return {
        "name": f"Generated estate: {systems} systems, {flows} flows",
        "context": {"stage": "scaling", "cloud": "aws", "goals": ["decoupling", "real_time"]},
        "systems": system_list,
        "flows": flow_list,
    }


def _named(pool: tuple[tuple[str, str | None], ...], index: int) -> tuple[str, str | None]:
    name, owner = pool[index % len(pool)]
    return (name if index < len(pool) else f"{name} {index // len(pool) + 1}"), owner


def generated_assessment(systems: int = 30, flows: int = 50) -> Assessment:
    return Assessment.model_validate(generated_data(systems, flows))


# The estates the layout is held to: a flow count and the number of systems such an estate has.
ESTATES = {5: 6, 20: 12, 40: 20}


def generated_estate(flows: int) -> Assessment:
    """A realistic estate of `flows` flows (5, 20 or 40), with as many systems as is usual."""
    return generated_assessment(ESTATES[flows], flows)
