"""Self-calibration: the learner alone, and inside the monitor (no profile, front camera)."""

from __future__ import annotations

import io
import random
from pathlib import Path

from slumpwatch.calibration import Profile, load_profile, save_profile
from slumpwatch.landmarks import PoseSample
from slumpwatch.learn import LEARN_SAMPLES, BaselineLearner
from slumpwatch.monitor import Monitor
from slumpwatch.notify.routes import ConsoleRoute, FunctionRoute, Notifier
from slumpwatch.state import State
from slumpwatch.store import Store

from .conftest import front_pose

UPRIGHT = {"head_drop": 0.0, "neck_ratio": 0.6}
SLUMPED = {"head_drop": 0.2, "neck_ratio": 0.48}
T0 = 1_700_000_000.0


def _pose(rng: random.Random, head_drop: float, neck_ratio: float, shift_x: float = 0.0) -> PoseSample:
    return front_pose(
        head_drop=head_drop + rng.gauss(0, 0.01), neck_ratio=neck_ratio + rng.gauss(0, 0.008), shift_x=shift_x
    )


def _monitor(
    sent: list[str], store: Store, learner: BaselineLearner, saved: list[object] | None = None
) -> Monitor:
    notifier = Notifier([FunctionRoute("fake", lambda t, b, s: sent.append(t)), ConsoleRoute(io.StringIO())])
    on_learned = None if saved is None else saved.append
    return Monitor(None, store, notifier, learner=learner, on_learned=on_learned, save_every_s=0.0)


def _run(m: Monitor, plan: list[tuple[int, dict[str, float], float]], rng: random.Random, t: float) -> float:
    """Feeds ``seconds`` samples at 1 per second of each (seconds, pose, shift) step; returns the time."""
    for seconds, pose, shift in plan:
        for _ in range(seconds):
            m.process(t, _pose(rng, pose["head_drop"], pose["neck_ratio"], shift))
            t += 1.0
    return t


def test_learning_first_then_slumps_are_caught() -> None:
    rng, sent, store = random.Random(1), [], Store(":memory:")
    try:
        m = _monitor(sent, store, BaselineLearner())
        m.start(T0)
        # Slumped already while learning: no verdict and no warning during the learning period.
        t = _run(m, [(10, UPRIGHT, 0.0), (25, SLUMPED, 0.0)], rng, T0)
        assert m.machine.state is State.LEARNING and not sent
        assert m.learner is not None and m.learner.remaining == LEARN_SAMPLES - 35
        assert m.suggested_fps() == m.rates.alert  # learning samples fast, so it lasts ~40 s
        t = _run(m, [(120, UPRIGHT, 0.0)], rng, t)
        assert m.machine.state is State.UPRIGHT and m.basis in ("learned", "doubtful")
        t = _run(m, [(60, SLUMPED, 0.0)], rng, t)
        assert m.machine.state is State.SLUMPED and sent
        m.stop(t)
        bases = {s.basis for s in store.spans(0, 2e9)}
        assert "learning" in bases and bases & {"learned", "doubtful"}
    finally:
        store.close()


def test_a_moved_camera_restarts_learning() -> None:
    rng, sent, store = random.Random(2), [], Store(":memory:")
    try:
        m = _monitor(sent, store, BaselineLearner())
        m.start(T0)
        t = _run(m, [(80, UPRIGHT, 0.0)], rng, T0)
        assert m.learner is not None and not m.learner.learning
        # The laptop pushed aside: the person sits a shoulder width to the right, upright.
        _run(m, [(15, UPRIGHT, 300.0)], rng, t)
        assert m.learner.restarts == 1 and m.learner.learning
        assert m.machine.state is State.LEARNING and not sent
    finally:
        store.close()


def test_learned_baseline_is_saved_and_survives_a_restart(tmp_path: Path) -> None:
    rng, saved, path = random.Random(3), [], tmp_path / "profiles" / "auto-0.json"
    store = Store(":memory:")
    try:
        m = _monitor([], store, BaselineLearner(), saved)
        m.start(T0)
        m.stop(_run(m, [(60, UPRIGHT, 0.0)], rng, T0))
        assert saved, "the learned baseline was never handed over for saving"
        save_profile(Profile("auto-0", "now", saved[-1]), path)  # type: ignore[arg-type]
    finally:
        store.close()
    # A new run starts from it: judged at once, no learning period.
    seed = load_profile(path).baseline
    store = Store(":memory:")
    try:
        m = _monitor([], store, BaselineLearner(seed))
        m.start(T0 + 1000)
        _run(m, [(3, UPRIGHT, 0.0)], rng, T0 + 1000)
        assert m.machine.state is State.UPRIGHT and m.basis in ("learned", "doubtful")
    finally:
        store.close()


def test_slumped_for_the_first_70_percent() -> None:
    """Documented behaviour: slumped while learning, the learner takes the slump for upright and
    says it is doubtful (no contrast); no warning is possible then. When the person sits clearly
    more upright, that posture becomes the reference, the doubt ends, and the next slump is caught."""
    rng, sent, store = random.Random(4), [], Store(":memory:")
    try:
        m = _monitor(sent, store, BaselineLearner())
        m.start(T0)
        t = _run(m, [(420, SLUMPED, 0.0)], rng, T0)
        assert m.learner is not None and m.learner.doubtful and m.basis == "doubtful"
        assert m.machine.state is State.UPRIGHT and not sent
        t = _run(m, [(180, UPRIGHT, 0.0)], rng, t)
        assert m.learner.corrections >= 1 and not m.learner.doubtful
        assert m.machine.state is State.UPRIGHT and not sent
        t = _run(m, [(60, SLUMPED, 0.0)], rng, t)
        assert m.machine.state is State.SLUMPED and sent
        m.stop(t)
        spans = store.spans(0, 2e9)
        assert "doubtful" in {s.basis for s in spans}
        # The report says what the time was judged against, and suggests calibrating.
        from datetime import datetime, timezone

        from slumpwatch.report import reduce_day, render_text, to_csv

        day = datetime.fromtimestamp(T0, timezone.utc).date()
        rep = reduce_day(day, timezone.utc, spans, store.alerts(0, 2e9))
        assert rep.judged_s["doubtful"] > 300 and rep.judged_s["learned"] > 60
        assert "slumpwatch calibrate" in render_text(rep)
        header, row = to_csv([rep]).splitlines()
        assert float(dict(zip(header.split(","), row.split(","), strict=True))["judged_doubtful_s"]) > 300
    finally:
        store.close()


def test_side_camera_without_profile_keeps_absolute_limits() -> None:
    from .conftest import side_pose

    sent, store = [], Store(":memory:")
    try:
        m = _monitor(sent, store, BaselineLearner())
        m.start(T0)
        for k in range(40):
            m.process(T0 + k, side_pose(35))
        assert m.basis == "absolute" and m.machine.state is State.SLUMPED and sent
    finally:
        store.close()


def test_front_without_profile_or_learner_never_warns() -> None:
    sent, store = [], Store(":memory:")
    try:
        notifier = Notifier(
            [FunctionRoute("fake", lambda t, b, s: sent.append(t)), ConsoleRoute(io.StringIO())]
        )
        m = Monitor(None, store, notifier)
        m.start(T0)
        for k in range(60):
            m.process(T0 + k, front_pose(head_drop=0.3, neck_ratio=0.3))
        assert m.machine.state is State.UNCALIBRATED and not sent
    finally:
        store.close()


def _balanced(argv: list[str], capsys: object) -> dict[tuple[str, str], float | None]:
    import json

    from slumpwatch.cli import main

    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    (mode,) = data.values()
    return {(s["subject"], s["session"]): s["balanced_accuracy"] for s in mode["slices"]}


def test_self_mode_is_within_005_of_calibrated_on_the_shared_recordings(capsys: object) -> None:
    import pytest

    from .conftest import SHARED

    recordings = SHARED.parent / "recordings"
    if not recordings.is_dir():
        pytest.skip(f"shared landmark recordings not found at {recordings}")
    for name in ("posturemax", "nelsonak47", "babu"):
        path = str(recordings / f"{name}.jsonl")
        calibrated = _balanced(["evaluate", path, "--calibrated", "--json"], capsys)
        learned = _balanced(["evaluate", path, "--mode", "self", "--json"], capsys)
        for key, ba in calibrated.items():
            assert ba is not None and learned[key] is not None
            assert learned[key] >= ba - 0.05, (name, key, learned[key], ba)


def test_self_mode_on_the_real_front_photos(shared_frames: Path, capsys: object) -> None:
    labels = str(shared_frames / "labels.csv")
    calibrated = _balanced(["evaluate", labels, "--calibrated", "--json"], capsys)
    learned = _balanced(["evaluate", labels, "--mode", "self", "--json"], capsys)
    for key in (("front-1", "A"), ("front-1", "B"), ("side-1", "A")):
        assert learned[key] is not None and calibrated[key] is not None
        assert learned[key] >= calibrated[key] - 0.05, (key, learned[key], calibrated[key])


def test_the_webcam_learned_posture_is_kept_apart_from_calibrations(tmp_path: Path) -> None:
    import pytest

    from slumpwatch.app import learner_for
    from slumpwatch.calibration import check_name
    from slumpwatch.config import Config
    from slumpwatch.errors import ProfileError
    from slumpwatch.paths import learned_profile_path

    cfg = Config(camera=1)
    learner, save = learner_for(cfg, None, keep=True, on_message=lambda m: None)
    assert learner is not None and learner.learning and save is not None
    rng = random.Random(5)
    for _ in range(50):
        learner.observe(_pose(rng, 0.0, 0.6))
    assert learner.baseline is not None
    save(learner.baseline)
    path = learned_profile_path(1)
    assert path.is_file() and path.name.startswith("auto-")
    again, _ = learner_for(cfg, None, keep=True, on_message=lambda m: None)
    assert again is not None and not again.learning and again.seeded
    # Replays and files learn afresh and save nothing; a calibration profile turns learning off.
    fresh, no_save = learner_for(cfg, None, keep=False)
    assert fresh is not None and fresh.learning and no_save is None
    profile = load_profile(path)
    assert learner_for(cfg, profile, keep=True) == (None, None)
    with pytest.raises(ProfileError):
        check_name("auto-camera1")
