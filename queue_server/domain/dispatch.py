"""Who a desk calls next: the scoring rule with head starts, a safety cap, and the strict-tier setting.

The rule (docs/architecture.md, "Dispatch"), in the words a supervisor reads:
- A visitor's score is the minutes they have waited, plus head starts: one per level of the desk's weight
  for their service (the desk's specialities first, but not forever), one per priority level, and one for
  a booked visitor whose slot has come (their wait counts from the slot time, not from check-in).
- A free desk looks at the head of each queue it serves and calls the highest score.
- Safety cap: once a head has waited `cap_minutes`, the desk's levels and its remainder tier stop counting:
  it takes the longest wait (with the priority and booking head starts) among all the queues it serves.
- The remainder tier (weight 0) is served only when nothing else waits for the desk, or past the cap.
- Visits pinned to this desk (transfer to a desk, "back to me afterwards") come before everything.
- `strict_tiers` restores the first release's rule: a desk empties its highest weight tier first (an
  infinite level head start), booked-and-due before priority before arrival, no cap.

Arrival is the ticket's issue time, also after a transfer or a bundle's next service: a visitor who has
already waited in the hall does not go to the back of the next line. The same `pick` serves the live
hall and the wait forecast (forecast.py), so the forecast runs the real rule forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .hall import DispatchPolicy
from .state import HallState
from .visit import Visit

# Strict tiers as scores: a level outweighs any priority, a due booking any priority, a priority level any
# wait (a day has fewer than 1,440 minutes).
STRICT_LEVEL, STRICT_BOOKED, STRICT_PRIORITY = 1e9, 1e6, 1e3


@dataclass(frozen=True)
class Candidate:
    """A queue's head as the rule sees it: minutes waited, head start in minutes, and a tie-breaker."""

    service_id: str
    waited: float
    boost: float
    order: str  # earlier issue first, then ticket: equal scores never depend on dict order

    @property
    def standing(self) -> float:
        return self.waited + self.boost


@dataclass(frozen=True)
class Choice:
    visit: Visit
    rule: str  # pinned | score | cap | remainder | strict


def levels(weights: Iterable[tuple[str, int]]) -> dict[str, int | None]:
    """Each service's level at a desk: 0 for its lowest positive weight, +1 for each higher weight;
    None for the remainder tier (weight 0)."""
    weights = list(weights)
    distinct = sorted({w for _, w in weights if w > 0})
    return {sid: (distinct.index(w) if w > 0 else None) for sid, w in weights}


def waited_minutes(visit: Visit, now: datetime) -> float:
    """Minutes the visitor's turn has counted: from the booked slot, or from the ticket's issue."""
    since = visit.booked_for if visit.booked_for is not None else visit.issued_at
    return (now - since).total_seconds() / 60


def head_start(policy: DispatchPolicy, priority: int, booked_due: bool) -> float:
    if policy.strict_tiers:
        return STRICT_BOOKED * booked_due + STRICT_PRIORITY * priority
    return policy.priority_head_start_minutes * priority + policy.booked_head_start_minutes * booked_due


def candidate(visit: Visit, now: datetime, state: HallState) -> Candidate:
    priority = visit.effective_priority(now, state.hall.policy.postpone_return_priority)
    booked_due = visit.booked_for is not None and visit.booked_for <= now
    return Candidate(visit.service_id, waited_minutes(visit, now), head_start(state.dispatch, priority, booked_due),
                     visit_order(visit))


def visit_order(visit: Visit) -> str:
    """Equal scores go to the earlier ticket (ISO times of one zone sort as strings)."""
    return f"{visit.issued_at.isoformat()} {visit.ticket}"


def _sort_key(c: Candidate, bonus: Mapping[str, float] | None = None) -> tuple[float, str]:
    return -(c.standing + (bonus or {}).get(c.service_id, 0.0)), c.order


def level_bonus(weights: Iterable[tuple[str, int]], policy: DispatchPolicy) -> dict[str, float]:
    """Minutes of head start each weighted service gets at a desk; the remainder tier is absent."""
    level_minutes = STRICT_LEVEL if policy.strict_tiers else policy.level_head_start_minutes
    return {sid: level * level_minutes for sid, level in levels(weights).items() if level is not None}


def pick(bonus: Mapping[str, float], heads: list[Candidate], policy: DispatchPolicy) -> tuple[Candidate, str] | None:
    """Which head a desk takes, and by which part of the rule. `heads`: one per service the desk serves;
    `bonus`: the desk's `level_bonus`. One pass: the forecast calls this hundreds of times per ticket."""
    cap = 0.0 if policy.strict_tiers else policy.cap_minutes
    by_score: tuple[float, str, Candidate] | None = None
    longest: tuple[float, str, Candidate] | None = None  # by wait and priority alone, remainder included
    remainder: tuple[float, str, Candidate] | None = None
    capped = False
    for head in heads:
        standing = -head.standing
        extra = bonus.get(head.service_id)
        if extra is None:
            if remainder is None or (standing, head.order) < remainder[:2]:
                remainder = (standing, head.order, head)
        elif by_score is None or (standing - extra, head.order) < by_score[:2]:
            by_score = (standing - extra, head.order, head)
        if longest is None or (standing, head.order) < longest[:2]:
            longest = (standing, head.order, head)
        capped = capped or 0 < cap <= head.waited
    if capped and longest is not None:
        # Past the cap the desk's levels and its remainder tier stop counting: the longest wait goes first,
        # unless a priority or a due booking stands higher still.
        return longest[2], ("score" if by_score is not None and by_score[2] is longest[2] else "cap")
    if by_score is not None:
        return by_score[2], ("strict" if policy.strict_tiers else "score")
    return (remainder[2], "remainder") if remainder is not None else None


def choose_next(state: HallState, desk_number: int, now: datetime) -> Choice | None:
    """The visit this desk should call now and why, or None when nothing waits for it."""
    pinned = [v for v in state.live_visits() if v.target_desk == desk_number and v.is_waiting(now)]
    if pinned:
        return Choice(min(pinned, key=lambda v: _sort_key(candidate(v, now, state))), "pinned")
    heads: dict[str, tuple[Candidate, Visit]] = {}
    weights = state.desks[desk_number].weights
    for service_id, _weight in weights:
        waiting = [v for v in state.live_in_service(service_id) if v.target_desk is None and v.is_waiting(now)]
        if waiting:
            heads[service_id] = min(((candidate(v, now, state), v) for v in waiting),
                                    key=lambda pair: _sort_key(pair[0]))
    picked = pick(level_bonus(weights, state.dispatch), [c for c, _ in heads.values()], state.dispatch)
    if picked is None:
        return None
    chosen, rule = picked
    return Choice(heads[chosen.service_id][1], rule)


def waiting_visits(state: HallState, now: datetime, service_id: str | None = None) -> list[Visit]:
    pool = state.live_visits() if service_id is None else state.live_in_service(service_id)
    return [v for v in pool if v.is_waiting(now)]

