"""The mix: which kind of submission comes next, and the clock between two submissions.

``generate_province`` plans the stream's kinds in the shares of ``TARGET_SHARES``, shuffles them
with the seed, and lets each kind draw from what was sent before: a duplicate or an update needs a
record to exist, so until one does the plan swaps that slot with a later original. Between two
submissions the clock moves on by an exponential gap in working time, spreading the stream from
late January to late November 2025. Originals are drawn by record type in fixed weights; a type
that cannot be drafted yet (a penalty with no case found, say) is drawn again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from hub.testing.province.changes import correct, lifecycle
from hub.testing.province.clock import DAY, END, START, at, index, ts
from hub.testing.province.defects import plant_defect
from hub.testing.province.entities import draft_entity
from hub.testing.province.inspections import draft_inspection, draft_penalty
from hub.testing.province.lightning import draft_hazard, draft_lightning_report
from hub.testing.province.model import (
    KINDS,
    PROVINCE_CODE,
    PROVINCE_NAME,
    TARGET_SHARES,
    Province,
    Submission,
)
from hub.testing.province.records import Draft, Rec, closed, content
from hub.testing.province.sloppy import sloppy
from hub.testing.province.state import State

__all__ = ["generate_province"]


def generate_province(records: int, seed: int = 1) -> Province:
    """Zhejiang's sources and about ``records`` submissions in arrival order (deterministic)."""
    if records < 0:
        raise ValueError("records must not be negative")
    state = State(seed)
    rng = state.rng
    first, last = index(START), index(END)
    mean_step = max(1.0, (last - first) * DAY / max(records, 1))
    counts = {k: round(share * records) for k, share in TARGET_SHARES.items()}
    counts["original"] = records - sum(v for k, v in counts.items() if k != "original")
    plan = [kind for kind in KINDS for _ in range(max(counts[kind], 0))]
    rng.shuffle(plan)
    emit: dict[str, Callable[[State], Submission | None]] = {
        "original": _original,
        "cross_level_duplicate": _duplicate,
        "update": _update,
        "stale_update": _stale,
        "invalid": _invalid,
    }
    out: list[Submission] = []
    i = 0
    while i < len(plan):
        submission = emit[plan[i]](state)
        if submission is None:  # nothing to duplicate or update yet: swap with an original
            j = next((j for j in range(i + 1, len(plan)) if plan[j] == "original"), None)
            if j is not None:
                plan[i], plan[j] = plan[j], plan[i]
                continue
            submission = _original(state)
            assert submission is not None
        out.append(submission)
        state.sec += max(1, round(rng.expovariate(1 / mean_step)))
        i += 1
    return Province(
        code=PROVINCE_CODE,
        name=PROVINCE_NAME,
        sources=tuple(s.spec for s in state.world.sources),
        submissions=tuple(out),
    )


# -- commit and kinds -----------------------------------------------------------------------------


def _commit(state: State, draft: Draft) -> Rec:
    """The draft is sent: remember it, and offer it to the levels above it for duplicates."""
    rec = Rec(
        draft.type_id,
        draft.source,
        draft.region,
        [draft.record],
        [state.sec],
        {draft.source.spec.source_id: draft.record["source_record_id"]},
        draft.info,
    )
    state.recs.append(rec)
    if rec.type_id in ("penalty", "hazard") and not closed(draft.record):
        state.open.append(rec)
    state.dup_pool.extend((rec, 0, up) for up in draft.source.ancestors)
    if draft.on_commit is not None:
        draft.on_commit(rec)
    return rec


def _original(state: State) -> Submission:
    rng = state.rng
    if state.corrections and rng.random() < 0.3 and state.sec - state.corrections[0][1] > DAY:
        draft, _ = state.corrections.pop(0)
        record = dict(draft.record)  # corrected and sent again: now
        record["updated_at"] = ts(state.now)
        if "submitted_at" in record:
            record["submitted_at"] = record["updated_at"]
        draft.record = record
    else:
        draft = _new_draft(state)
    _commit(state, draft)
    return Submission(draft.source.spec.source_id, draft.type_id, draft.record, "original")


def _invalid(state: State) -> Submission:
    draft = _new_draft(state)
    broken = copy.deepcopy(draft.record)
    defect = plant_defect(state.rng, draft, broken)
    if state.rng.random() < 0.4:
        state.corrections.append((draft, state.sec))
    return Submission(draft.source.spec.source_id, draft.type_id, broken, "invalid", defect)


def _duplicate(state: State) -> Submission | None:
    rng, pool = state.rng, state.dup_pool
    while pool:
        j = rng.randrange(max(0, len(pool) - 300), len(pool))
        rec, version, up = pool[j]
        pool[j] = pool[-1]
        pool.pop()
        if version != len(rec.versions) - 1:
            continue  # superseded: a newer version is in the pool
        record = copy.deepcopy(rec.versions[-1])
        record["source_record_id"] = state.id_for(rec, up)
        if "submitted_at" in record:
            record["submitted_at"] = ts(state.now)
        if "submitter" in record and rng.random() < 0.5:
            record["submitter"] = rng.choice(up.clerks)
        sloppy(state.rng, rec.type_id, record)
        return Submission(up.spec.source_id, rec.type_id, record, "cross_level_duplicate")
    return None


def _pick_for_update(state: State) -> Rec:
    rng = state.rng
    r = rng.random()
    while r < 0.35 and state.open:  # the next step of a case or a hazard
        j = rng.randrange(max(0, len(state.open) - 300), len(state.open))
        rec = state.open[j]
        if not closed(rec.versions[-1]):
            return rec
        state.open[j] = state.open[-1]
        state.open.pop()
    if r < 0.55 and state.multi:
        return rng.choice(state.multi[-200:])
    if r < 0.85:
        return rng.choice(state.recs[-400:])
    return rng.choice(state.recs)


def _update(state: State) -> Submission | None:
    if not state.recs:
        return None
    rng = state.rng
    for _ in range(30):
        rec = _pick_for_update(state)
        new = copy.deepcopy(rec.versions[-1])
        changed = lifecycle(state, rec, new) if rng.random() < 0.75 else False
        if not changed and not correct(state, rec, new):
            continue
        if content(new) == content(rec.versions[-1]):
            continue
        ancestors = rec.owner.ancestors
        source = rec.owner if rng.random() < 0.75 or not ancestors else rng.choice(ancestors)
        new["source_record_id"] = state.id_for(rec, source)
        new["updated_at"] = ts(state.now)
        if "submitted_at" in new:
            new["submitted_at"] = new["updated_at"]
        if "submitter" in new and source is not rec.owner:
            new["submitter"] = rng.choice(source.clerks)
        rec.versions.append(new)
        rec.secs.append(state.sec)
        if len(rec.versions) == 2:
            state.multi.append(rec)
        version = len(rec.versions) - 1
        state.dup_pool.extend((rec, version, up) for up in ancestors if up is not source)
        sent = new
        if source is not rec.owner and rng.random() < 0.5:
            sent = copy.deepcopy(new)
            sloppy(state.rng, rec.type_id, sent)
        return Submission(source.spec.source_id, rec.type_id, sent, "update")
    return None


def _stale(state: State) -> Submission | None:
    rng = state.rng
    for _ in range(30):
        if not state.multi:
            return None
        rec = rng.choice(state.multi)
        low, high = rec.secs[-2], rec.secs[-1]
        if high - low < 1200:
            continue
        sec = rng.randint(low + 600, high - 600)
        new = copy.deepcopy(rec.versions[-2])
        if not correct(state, rec, new) or content(new) == content(rec.versions[-1]):
            continue
        ancestors = rec.owner.ancestors
        source = rng.choice(ancestors) if ancestors and rng.random() < 0.7 else rec.owner
        new["source_record_id"] = state.id_for(rec, source)
        new["updated_at"] = ts(at(sec))
        if "submitted_at" in new:
            new["submitted_at"] = new["updated_at"]
        return Submission(source.spec.source_id, rec.type_id, new, "stale_update")
    return None


# -- originals: which record type comes next ------------------------------------------------------


def _new_draft(state: State) -> Draft:
    rng = state.rng
    for _ in range(10):
        kind = rng.choices(
            ("supervised_entity", "inspection", "penalty", "lightning_report", "hazard"),
            (18, 46, 10, 16, 10),
        )[0]
        draft = _draft(state, kind)
        if draft is not None:
            return draft
    return draft_entity(state, state.world.market[rng.choice(list(state.world.counties))])


def _draft(state: State, kind: str) -> Draft | None:
    rng = state.rng
    county = rng.choice(list(state.world.counties))
    if kind == "supervised_entity":
        source = state.world.market[county]
        if rng.random() < 0.15 and source.parent is not None:
            source = source.parent
        return draft_entity(state, source)
    if kind == "inspection":
        r = rng.random()
        source = state.world.market[county]
        if r < 0.15 and source.parent is not None:
            source = source.parent
            if r < 0.03 and source.parent is not None:
                source = source.parent
        fallback = state.world.market[county]  # no entity to inspect yet: register one
        return draft_inspection(state, source, county) or draft_entity(state, fallback)
    if kind == "penalty":
        return draft_penalty(state)
    if kind == "lightning_report":
        return draft_lightning_report(state, county)
    return draft_hazard(state, county)
