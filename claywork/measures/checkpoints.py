"""Each web process keeps the fading replay's latest checkpoint for the patients it evaluated
lately (``fading.Checkpoint``), so the next save or page of the same patient replays a day or
two instead of the whole history (decision 0006, fifth amendment).

In this process's memory only, like the page cache (decision 0017): no query, nothing shared,
nothing to invalidate. A checkpoint is used only when the rules and every session, check-in
and PHQ-9 up to its day are unchanged (its fingerprint); otherwise, or when another process
served the patient last, the replay starts from the first session, as it always did. Either
way the verdicts are the same (tests/test_effect_checkpoint.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from claywork.measures import effect
from claywork.measures.fading import Checkpoint

# About 20 KB each (the relapse filter's posterior is most of it): a few MB per process.
MAX_PATIENTS = 256

_lock = threading.Lock()
_kept: OrderedDict[int, Checkpoint] = OrderedDict()


def evaluate(
    patient_id: int, inputs: effect.EffectInputs, *, with_benefits: bool = True
) -> effect.EffectReport:
    """``effect.evaluate`` for one patient, resumed from their kept checkpoint when it fits."""
    with _lock:
        saved = _kept.get(patient_id)
    report = effect.evaluate(inputs, checkpoint=saved, with_benefits=with_benefits)
    with _lock:
        if report.checkpoint is None:
            _kept.pop(patient_id, None)
        else:
            _kept[patient_id] = report.checkpoint
            _kept.move_to_end(patient_id)
            while len(_kept) > MAX_PATIENTS:
                _kept.popitem(last=False)
    return report


def clear() -> None:
    with _lock:
        _kept.clear()
