"""Modelled stand-ins for General MIDI instruments and kits (struck/plucked, sustained, drums).

The corpus renders every GM part with one soundfont, so a model trained on it can learn "piano =
that soundfont's piano sample". With `timbre_models > 0` (corpus builds only) a share of GM parts
is rendered by these models instead, under the same caption: the caption stays true, and the
sound behind each instrument word varies. Each call draws its patch from `rng`.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from .common import DspError, check_length, check_notes, finish


# GM synth programs get the engine's own synth voices as stand-ins (one drawn per part).
SYNTH_STANDINS = {
    "fm_electric_piano": ["fm_epiano"], "synth_bass_1": ["analog_bass", "acid_bass", "fm_bass"],
    "synth_bass_2": ["analog_bass", "reese_bass", "sub_bass"], "synth_strings": ["string_pad", "saw_pad"],
    "synth_voice": ["vocal_aah"], "synth_brass": ["brass_synth"], "square_lead": ["square_lead", "chip_pulse"],
    "saw_lead": ["saw_lead", "supersaw_lead"], "calliope_lead": ["square_lead"],
    "charang_lead": ["saw_lead", "sync_lead"], "voice_lead": ["vocal_aah"], "bass_and_lead": ["saw_lead"],
    "new_age_pad": ["evolving_pad", "warm_pad"], "warm_pad": ["warm_pad"], "polysynth": ["saw_pad", "stab"],
    "space_voice_pad": ["vocal_aah", "evolving_pad"], "halo_pad": ["evolving_pad", "warm_pad"],
    "sweep_pad": ["saw_pad", "evolving_pad"], "crystal_fx": ["fm_bell"], "atmosphere_fx": ["evolving_pad"],
    "bowed_glass_pad": ["evolving_pad"], "orchestra_hit": ["stab", "brass_synth"], "rain_fx": ["fm_bell"],
}
# timpani, taiko and melodic toms keep the soundfont: pitched drums, modelled only inside kits.


@cache
def _models() -> dict:
    from . import acoustic_struck, acoustic_sustained
    return {**acoustic_struck.MODELS, **acoustic_sustained.MODELS, **{k: None for k in SYNTH_STANDINS}}


def has_model(slug: str) -> bool:
    return slug in _models()


def render_acoustic(slug: str, notes, duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """GM instrument slug + notes -> mono float32 of round(duration_s*sr) samples, peak 0.8."""
    models = _models()
    if slug not in models:
        raise DspError(slug, "no modelled stand-in for this GM instrument")
    n = check_length(duration_s, sr)
    notes = check_notes(notes)
    if n == 0 or not notes:
        return np.zeros(n, dtype=np.float32)
    if models[slug] is None:
        from . import render_voice
        voices = SYNTH_STANDINS[slug]
        return render_voice(voices[int(rng.integers(len(voices)))], notes, duration_s, sr, rng)
    y = np.asarray(models[slug](notes, n, int(sr), rng), dtype=np.float64)[:n]
    if y.shape[0] < n:
        y = np.pad(y, (0, n - y.shape[0]))
    return finish(y)


def render_kit(kit: str, hits, duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """GM kit name + (start_s, gm_note, velocity) hits -> mono float32, peak 0.8."""
    from .acoustic_kit import render_acoustic_kit
    return finish(render_acoustic_kit(kit, list(hits), duration_s, int(sr), rng))
