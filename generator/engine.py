"""`make_audio(plan, seed)`: compose + render + effects + loudness. The one call the corpus
builder, the decoder and the demo use."""
from __future__ import annotations

import numpy as np

from .compose import compose
from .effects import apply_chain
from .loudness import normalize
from .plan import Plan
from .render import SAMPLE_RATE, render


def make_audio(plan: Plan, seed: int, soundfont: str | None = None,
               timbre_models: float = 0.0) -> tuple[np.ndarray, int]:
    """-> ((round(plan.duration_s * 44100), 2) float32, 44100); bit-identical for the same
    (plan, seed, soundfont, timbre_models). `timbre_models`: share of General MIDI parts rendered
    by modelled stand-ins instead of the soundfont (generator.render.modelled_tracks). Music is
    normalised to -14 LUFS, one-shots peak-normalised; true peak stays below -1 dBFS."""
    score = compose(plan, seed)
    audio, sr = render(score, plan, seed, soundfont, timbre_models)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xEF])
    audio = apply_chain(audio, sr, plan, rng, loop=plan.kind == "loop")
    audio = normalize(audio, sr, peak_only=plan.kind == "one-shot")
    return audio, SAMPLE_RATE
