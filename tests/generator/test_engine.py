"""Composer + renderer + effects + loudness through make_audio."""
from __future__ import annotations

import numpy as np
import pytest

from generator.compose import compose
from generator.engine import make_audio
from generator.loudness import integrated_lufs, true_peak_db
from generator.plan import Part, Plan
from generator.render import SoundFontError

SR = 44_100


def _loop(**kw):
    base = dict(kind="loop", style="funk", duration_s=2.5, tempo_bpm=104, key="D", mode="minor",
                instruments=(Part("bass", "slap_bass"), Part("chords", "clavinet"), Part("lead", "synth:saw_lead")),
                drums="standard")
    base.update(kw)
    return Plan(**base)


def _shot(oneshot, duration_s, **kw):
    return Plan(kind="one-shot", style=None, duration_s=duration_s, tempo_bpm=None, key=kw.pop("key", None),
                mode=kw.pop("mode", None), meter=None, oneshot=oneshot, **kw)


PLANS = {
    "kick_0.1s": _shot("kick", 0.1, drums="standard", pitch=36),
    "808_clap": _shot("clap", 0.4, drums="machine:808", pitch=39),
    "cello_note": _shot("note", 1.3, instruments=(Part("oneshot", "cello"),), pitch=48, key="C"),
    "stab": _shot("chord_stab", 0.7, instruments=(Part("chords", "synth:stab"),), key="F", mode="minor"),
    "explosion": _shot("sfx:explosion", 2.0, instruments=(Part("fx", "sfx:explosion"),)),
    "loop": _loop(),
    "arrangement_3/4": Plan(kind="arrangement", style="waltz", duration_s=3.3, tempo_bpm=150, key="G", mode="major",
                            meter="3/4", instruments=(Part("bass", "tuba"), Part("chords", "string_ensemble"),
                                                      Part("lead", "flute")), drums="orchestra"),
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_exact_duration_and_not_silent(name):
    plan = PLANS[name]
    audio, sr = make_audio(plan, seed=3)
    assert sr == SR and audio.dtype == np.float32
    assert audio.shape == (int(round(plan.duration_s * SR)), 2)
    assert np.sqrt(np.mean(audio ** 2)) > 1e-3
    assert np.all(np.isfinite(audio))
    assert true_peak_db(audio) < -1.0


def test_bit_identical_for_same_plan_and_seed_and_different_for_another_seed():
    plan = _loop()
    a, _ = make_audio(plan, seed=11)
    make_audio(PLANS["cello_note"], seed=1)  # synth state in between must not leak
    b, _ = make_audio(plan, seed=11)
    c, _ = make_audio(plan, seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_music_is_normalised_near_minus_14_lufs():
    plan = _loop(duration_s=4.0 * 60 / 104 * 4)  # 4 bars
    audio, sr = make_audio(plan, seed=5)
    assert -15.0 <= integrated_lufs(audio, sr) <= -13.0


def test_every_instrument_sounds_even_in_a_tenth_of_a_second():
    plan = _loop(kind="arrangement", duration_s=0.1)
    score = compose(plan, 0)
    for track in score.tracks:
        assert track.notes and min(n[0] for n in track.notes) < 0.1, track.source


def test_long_arrangement_has_sections_and_ends_on_the_tonic():
    plan = Plan(kind="arrangement", style="pop", duration_s=70.0, tempo_bpm=120, key="A", mode="minor",
                instruments=(Part("bass", "finger_bass"), Part("chords", "acoustic_grand_piano"),
                             Part("lead", "flute")), drums="standard")
    score = compose(plan, 4)
    bass = next(t for t in score.tracks if t.role == "bass")
    last = max(bass.notes, key=lambda n: n[0])
    assert last[2] % 12 == 9  # A
    drums = next(t for t in score.tracks if t.role == "drums")
    starts = sorted(n[0] for n in drums.notes)
    bar = score.bar_s
    assert starts[0] >= 4 * bar - 1e-6  # drums enter after the intro
    played = {int(s // bar) for s in starts}
    assert len(played) < int(70 / bar)  # and sit out somewhere (breakdown)


def test_missing_soundfont_is_a_clear_error(tmp_path):
    with pytest.raises(SoundFontError, match="no such file"):
        make_audio(_loop(), seed=0, soundfont=str(tmp_path / "none.sf2"))


def test_render_does_not_depend_on_what_the_process_rendered_before():
    """The GM synth is shared per process; a clip must come out bit-identical whether it is the
    first render or follows others (this failed before each clip got a fresh synth)."""
    import numpy as np

    from generator.corpus import plan_for
    from generator.engine import make_audio
    one, zero = plan_for(9, 1)[:2], plan_for(9, 0)[:2]
    first, _ = make_audio(*one)
    make_audio(*zero)
    again, _ = make_audio(*one)
    np.testing.assert_array_equal(first, again)
