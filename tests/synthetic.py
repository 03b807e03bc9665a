"""Large assessments built in memory, shaped like a real estate of systems: channels call core
services, core services publish changes to downstream systems, a few large documents go out as
thin events. Deterministic: the same arguments give the same assessment."""

from __future__ import annotations

import random
from typing import Any

from advisor.models import Assessment

_OWNERS = ("web", "commerce", "logistics", "finance", "data", "partners")
_CHANNELS = ("Web shop", "Mobile app", "Call centre desk", "Partner portal", "Kiosk")
_CORE = (
    "Order service",
    "Payment service",
    "Customer service",
    "Catalogue service",
    "Stock service",
    "Pricing service",
    "Returns service",
    "Loyalty service",
    "Shipping service",
    "Invoice service",
)
_DOWNSTREAM = (
    "Data warehouse",
    "CRM",
    "Email gateway",
    "SMS gateway",
    "Warehouse robots",
    "Courier A",
    "Courier B",
    "Accounting",
    "Fraud screening",
    "Search index",
    "Recommendations",
    "Marketing automation",
    "Audit archive",
    "Supplier portal",
    "Tax engine",
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
    names = [
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
            "owner": pick.choice(_OWNERS),
            # every third core service cannot publish its own changes (an outbox is needed)
            "emits_events": index in core and index % 3 != 0,
            **({"api_rate_limit_per_minute": 600} if index in core and index % 4 == 0 else {}),
        }
        for index, name in enumerate(names)
    ]
    flow_list: list[dict[str, Any]] = []
    for number in range(flows):
        kind = number % 5
        source = pick.choice(core)
        if kind in (0, 1):  # a channel (or a core service) calls a core service and waits
            if kind == 0:
                source = pick.choice(channels)
            targets = [pick.choice(core)]
            flow: dict[str, Any] = {
                "trigger": "user_action",
                "needs_response": True,
                "max_delay_seconds": 2,
                "consistency": "strong",
            }
        elif kind in (2, 3):  # a core service's changes fan out to downstream systems
            targets = pick.sample(downstream, min(len(downstream), pick.randint(1, 4)))
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


def _named(pool: tuple[str, ...], index: int) -> str:
    return (
        pool[index] if index < len(pool) else f"{pool[index % len(pool)]} {index // len(pool) + 1}"
    )


def generated_assessment(systems: int = 30, flows: int = 50) -> Assessment:
    return Assessment.model_validate(generated_data(systems, flows))
