"""How results plugs into the domains below it (connected by `zoombridge.wiring`): a learner's
results shown in courses' "my events"."""

from __future__ import annotations

from zoombridge.courses.hooks import set_learner_results
from zoombridge.results.service.matrix import learner_results


def connect() -> None:
    set_learner_results(learner_results)
