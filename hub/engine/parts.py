"""What both runtimes build: the standard, the codec, the stages, and the side work.

The embedded hub and ``hub worker`` used to assemble these each in their own way; here is the one
recipe, so the two fronts differ only in how submissions reach the engine (by position from the
log, or delivered by Kafka) and in how they wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from hub.domain.values import DeliveryPolicy
from hub.engine.fused import FusedStage
from hub.engine.sender import DeliverySender
from hub.engine.stages import (
    FeedbackStage,
    JudgeStage,
    PlanDeliveryStage,
    ResolveStage,
    Stage,
)
from hub.engine.steps import Clock
from hub.engine.tasks import TaskPuller
from hub.errors import StorageUnavailableError
from hub.events import Codec, load_codec
from hub.events.streams import DELIVERIES, VERDICTS
from hub.national.client import NationalClient
from hub.projections import ProjectionRunner, ViewStore, all_projections
from hub.settings import HubSettings
from hub.standard import Standard, Validator
from hub.storage.ports import Store

__all__ = ["Engine", "SideWork", "staged_stages", "until_available"]

T = TypeVar("T")


def staged_stages(validator: Validator, codec: Codec) -> list[Stage]:
    """The engine one stage at a time, each reading the previous one's output back from the log:
    what the hub ran before the fused step, kept to compare the two (they must write the same
    history) and as the followers' catch-up."""
    return [
        JudgeStage(validator, codec),
        ResolveStage(validator, codec),
        PlanDeliveryStage(codec),
        FeedbackStage(VERDICTS),
        FeedbackStage(DELIVERIES),
    ]


class Engine:
    """The standard, validator and codec the settings choose, and the stages over them."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.standard: Standard = settings.standard()
        self.validator = Validator(self.standard, settings.policy())
        self.codec: Codec = load_codec(self.standard.root)

    def stages(self) -> list[Stage]:
        """The fused step on submissions: the one stage (the sender gives the feedback on its
        own delivery outcomes, :class:`hub.engine.sender.DeliverySender`)."""
        return [FusedStage(self.validator, self.codec)]

    def side(
        self,
        store: Store,
        views: ViewStore,
        national: NationalClient | None,
        clock: Clock = time.time,
        delivery: DeliveryPolicy | None = None,
        *,
        by_claim: bool = False,
    ) -> SideWork:
        """The side work over ``store``; ``by_claim`` on a transport (the sender then claims
        what it has told the sources, instead of moving a position)."""
        tz = self.settings.policy().timezone
        projector = ProjectionRunner(
            views, store, self.codec, all_projections(self.codec, tz, self.standard)
        )
        if national is None:
            return SideWork(projector, None, None)
        policy = delivery or self.settings.delivery_policy()
        sender = DeliverySender(store, self.codec, national, policy, clock, by_claim=by_claim)
        tasks = TaskPuller(
            store, self.codec, national, clock, self.settings.national_tasks_interval_s
        )
        return SideWork(projector, sender, tasks)


class SideWork:
    """What runs beside the stages: the projections, the national sender, the task puller."""

    def __init__(
        self,
        projector: ProjectionRunner,
        sender: DeliverySender | None,
        tasks: TaskPuller | None,
    ) -> None:
        self.projector = projector
        self.sender = sender
        self.tasks = tasks

    def run_once(self, batch_size: int) -> int:
        """One batch of each; the work done (0: nothing was waiting)."""
        work = self.projector.step(batch_size)
        if self.sender is not None:
            work += self.sender.run_once()
        if self.tasks is not None:
            work += self.tasks.run_once()
        return work

    def close(self) -> None:
        self.projector.close()


def until_available(run: Callable[[], T], stopping: Callable[[], bool], wait_s: float = 0.5) -> T:
    """``run`` until it does not meet unavailable storage (a database restarting, a schema
    registry away: nothing was committed, so running again is safe), or until ``stopping``."""
    while True:
        try:
            return run()
        except StorageUnavailableError:
            if stopping():
                raise
            time.sleep(wait_s)
