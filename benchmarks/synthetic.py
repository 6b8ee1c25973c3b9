"""Synthetic partnership records of any size, for benchmarks (deterministic for a seed)."""

from __future__ import annotations

import random
from typing import Any

KINDS = ["provider", "employer", "employer", "local-authority", "voluntary", "school", "health"]


def synthetic_record(partners: int = 20, seed: int = 0) -> dict[str, Any]:
    """A plausible record with ``partners`` partners and proportionate everything else."""
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(partners)]
    stakeholders = [
        {"id": "learners", "name": "Learners", "kind": "learners", "engagement": "involved"},
        {
            "id": "lep",
            "name": "Local enterprise partnership",
            "kind": "enterprise-partnership",
            "engagement": "consulted",
        },
    ]
    bodies = [
        {
            "id": "board",
            "name": "Board",
            "kind": "board",
            "members": ids[: max(2, partners // 2)] + ["learners"],
            "chair": ids[0],
            "terms_of_reference": True,
            "decision_rule": "consensus",
            "meets_every_days": 90,
        },
    ]
    for g in range(max(1, partners // 5)):
        members = rng.sample(ids, k=min(len(ids), 4))
        bodies.append(
            {
                "id": f"wg{g}",
                "name": f"Working group {g}",
                "kind": "working-group",
                "members": members,
                "chair": members[0],
                "terms_of_reference": rng.random() > 0.2,
                "decision_rule": rng.choice(["consensus", "majority", "unspecified"]),
                "meets_every_days": 30,
                "reports_to": "board",
            }
        )
    objectives, metrics, actions = [], [], []
    for o in range(max(2, partners // 2)):
        metric_id = f"m{o}"
        metrics.append(
            {
                "id": metric_id,
                "name": f"Metric {o}",
                "dimension": ["results", "process", "relationships"][o % 3],
                "kind": "quantitative" if o % 2 else "qualitative",
                "every_days": 90,
                "collected_by": rng.choice(ids),
                "readings": [{"date": "2016-03-01", "value": rng.randint(1, 100)}],
            }
        )
        objectives.append(
            {
                "id": f"o{o}",
                "statement": rng.choice(
                    [
                        "Improve outcomes where possible",
                        f"Raise completion from 60% to {70 + o}% by July 2016",
                    ]
                ),
                "owner": rng.choice(ids),
                "metrics": [metric_id] if rng.random() > 0.2 else [],
                "baseline": 60,
                "target": 70 + o if rng.random() > 0.3 else None,
                "due": "2016-07-31",
                "beneficiaries": ["learners", rng.choice(ids)],
            }
        )
    for a in range(partners * 2):
        actions.append(
            {
                "id": f"a{a}",
                "action": f"Action {a}",
                "responsible": rng.sample(ids, k=2),
                "accountable": rng.choice(ids) if rng.random() > 0.1 else None,
                "phase": rng.choice(["plan", "design", "deliver", "assess"]),
                "objective": f"o{a % len(objectives)}",
                "due": rng.choice(["2016-01-01", "2016-12-01"]),
                "status": rng.choice(["done", "in-progress", "not-started", "blocked"]),
            }
        )
    communication = [
        {
            "between": rng.sample(ids, k=2),
            "channel": rng.choice(["meeting", "email", "newsletter"]),
            "every_days": 30,
            "two_way": rng.random() > 0.3,
        }
        for _ in range(partners * 3 // 2)
    ]
    return {
        "format": "partnership-record/1",
        "partnership": {
            "id": f"synthetic-{partners}-{seed}",
            "name": f"Synthetic partnership {seed}",
            "contexts": ["education-training"],
            "purpose": "Shared purpose text",
            "stage": "monitor-review",
            "assessed_on": "2016-06-30",
            "exit_strategy": None,
        },
        "partners": [
            {
                "id": pid,
                "name": f"Partner {pid}",
                "kind": rng.choice(KINDS),
                "lead": pid == "p0",
                "senior_sponsor": "Director" if rng.random() > 0.2 else None,
                "signed_agreement": True,
                "contributions": [
                    {"kind": "funding", "amount": rng.randint(0, 10000), "unit": "GBP"}
                ],
                "benefits": ["recruits"] if rng.random() > 0.2 else [],
            }
            for pid in ids
        ],
        "stakeholders": stakeholders,
        "governance": {
            "bodies": bodies,
            "agreement": {
                "exists": True,
                "signed_by": ids[:-1],
                "last_reviewed": "2015-09-01",
                "covers": ["roles", "resources"],
            },
        },
        "objectives": objectives,
        "metrics": metrics,
        "actions": actions,
        "communication": communication,
        "meetings": [{"date": "2016-05-01", "body": "board", "attended": ids[:3]}],
        "reviews": [{"date": "2016-03-01", "kind": "progress", "participants": ids}],
        "issues": [
            {
                "id": "i1",
                "description": "Timetable clash",
                "kind": "commitment",
                "raised": "2016-01-01",
            }
        ],
    }
