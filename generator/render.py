"""Renderer: Score -> stereo float32 at 44.1 kHz.

General MIDI parts go through tinysoundfont with an SF2 (TimGM6mb.sf2 from pretty-midi by
default, any SF2 by setting); `synth:`, `machine:` and `sfx:` parts through generator.dsp. Each
track is rendered as its own stem, levelled to a per-role loudness (soundfont presets differ by
20 dB, and a caption that names an instrument must be able to hear it), panned and mixed.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import theory
from .score import Score, Track

SAMPLE_RATE = 44_100
TAIL_S = 2.0                # release / decay rendered past the end (wrapped into loops)
STEM_RMS_DB = {"drums": -17.0, "bass": -19.0, "chords": -21.0, "lead": -20.0, "pad": -24.0,
               "oneshot": -18.0, "fx": -18.0}
_SYNTHS: dict[str, object] = {}   # soundfont path -> (Synth, sfid), one per worker process


class SoundFontError(OSError):
    def __init__(self, path: str, reason: str):
        super().__init__(f"soundfont {path}: {reason}")
        self.path, self.reason = path, reason


def default_soundfont() -> str:
    """TimGM6mb.sf2 as shipped inside the pretty-midi package."""
    import importlib.util
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.origin:
        raise SoundFontError("TimGM6mb.sf2", "pretty-midi is not installed; set settings.soundfont")
    return str(Path(spec.origin).parent / "TimGM6mb.sf2")


def _synth(soundfont: str | None):
    path = soundfont or default_soundfont()
    if path not in _SYNTHS:
        import tinysoundfont
        if not os.path.isfile(path):
            raise SoundFontError(path, "no such file")
        synth = tinysoundfont.Synth(samplerate=SAMPLE_RATE)
        try:
            sfid = synth.sfload(path, max_voices=128)
        except Exception as e:  # tinysoundfont raises a bare RuntimeError/SoundFontException on bad data
            raise SoundFontError(path, f"cannot load: {e}") from e
        _SYNTHS[path] = (synth, sfid)
    return _SYNTHS[path]


def render_gm_track(track: Track, n_samples: int, soundfont: str | None) -> np.ndarray:
    """One GM track -> (n_samples, 2) float32. The synth is reset first, so state never leaks
    between clips (bit-identical renders for the same notes)."""
    synth, sfid = _synth(soundfont)
    sf = synth.soundfonts[sfid]
    sf.reset()
    chan = 9 if track.is_drums else 0
    if track.is_drums:
        synth.program_select(chan, sfid, 0, theory.GM_KITS[track.source], True)
    else:
        synth.program_select(chan, sfid, 0, theory.resolve_gm(track.source).program, False)
    events = []
    for start, dur, pitch, vel in track.notes:
        on = int(round(start * SAMPLE_RATE))
        off = int(round((start + dur) * SAMPLE_RATE))
        events.append((on, 1, pitch, vel))
        if not track.is_drums:
            events.append((max(off, on + 1), 0, pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))  # note-offs before note-ons at the same sample
    buf = np.zeros(n_samples * 2, dtype=np.float32)
    mv = memoryview(buf).cast("B")
    pos = 0
    for sample, is_on, pitch, vel in events:
        sample = min(sample, n_samples)
        if sample > pos:
            sf.render(mv[pos * 8: sample * 8], False)
            pos = sample
        if is_on:
            synth.noteon(chan, int(pitch), int(vel))
        else:
            synth.noteoff(chan, int(pitch))
    if pos < n_samples:
        sf.render(mv[pos * 8: n_samples * 8], False)
    sf.reset()
    return buf.reshape(n_samples, 2)


def render_dsp_track(track: Track, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    from . import dsp
    dur = n_samples / SAMPLE_RATE
    if track.source.startswith("machine:"):
        hits = [(s, int(p), int(v)) for s, _d, p, v in track.notes]
        mono = dsp.render_drum_machine(track.source[8:], hits, dur, SAMPLE_RATE, rng)
    elif track.source.startswith("sfx:"):
        mono = dsp.render_sfx(track.source[4:], dur, SAMPLE_RATE, rng)
    else:
        mono = dsp.render_voice(track.source[6:], list(track.notes), dur, SAMPLE_RATE, rng)
    mono = np.asarray(mono, dtype=np.float32)
    if mono.ndim == 2:  # tolerate a stereo return
        return _fit_len(mono, n_samples)
    mono = _fit_len(mono[:, None], n_samples)
    return np.repeat(mono, 2, axis=1)


def _fit_len(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros((n - len(x), x.shape[1]), dtype=x.dtype)])


def _is_gm(track: Track) -> bool:
    return not track.source.startswith(("synth:", "machine:", "sfx:"))


def render_model_track(track: Track, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """A GM track through its modelled stand-in (generator.dsp.acoustic) -> (n_samples, 2)."""
    from .dsp import acoustic
    dur = n_samples / SAMPLE_RATE
    if track.is_drums:
        hits = [(s, int(p), int(v)) for s, _d, p, v in track.notes]
        mono = acoustic.render_kit(track.source, hits, dur, SAMPLE_RATE, rng)
    else:
        mono = acoustic.render_acoustic(theory.resolve_gm(track.source).slug, list(track.notes),
                                        dur, SAMPLE_RATE, rng)
    return np.repeat(_fit_len(np.asarray(mono, dtype=np.float32)[:, None], n_samples), 2, axis=1)


def modelled_tracks(score: Score, seed: int, share: float) -> list[bool]:
    """Which GM tracks render through a modelled stand-in: each with probability `share`, drawn
    from its own stream (seed, 0xAC), so share 0 leaves every render bit-identical to before."""
    if share <= 0:
        return [False] * len(score.tracks)
    from .dsp import acoustic
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xAC])
    out = []
    for track in score.tracks:
        draw = rng.random()  # always drawn: one track's eligibility never shifts another's draw
        ok = _is_gm(track) and (track.is_drums or acoustic.has_model(theory.resolve_gm(track.source).slug))
        out.append(bool(ok and draw < share))
    return out


def render(score: Score, plan, seed: int, soundfont: str | None = None,
           timbre_models: float = 0.0) -> tuple[np.ndarray, int]:
    """Score -> ((round(duration*44100), 2) float32, 44100). Loops wrap their release tails to
    the start, so the clip repeats without a gap or click. `timbre_models`: share of GM tracks
    rendered by modelled stand-ins instead of the soundfont (corpus variety; 0 = soundfont only)."""
    n_out = int(round(score.duration_s * SAMPLE_RATE))
    tail = 0 if plan.kind == "one-shot" else int(TAIL_S * SAMPLE_RATE)
    n = n_out + tail
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xD5])
    mix = np.zeros((n, 2), dtype=np.float32)
    # A fresh synth per clip: tsf_reset silences voices but keeps their slot order, so the float
    # summation order (and the last bits of the audio) depended on what the process rendered
    # before. Reloading the SF2 costs ~18 ms CPU; bit-identical renders are worth it.
    _SYNTHS.clear()
    modelled = modelled_tracks(score, seed, timbre_models)
    for i, track in enumerate(score.tracks):
        if modelled[i]:
            stem = render_model_track(track, n, np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xAD, i]))
        elif _is_gm(track):
            stem = render_gm_track(track, n, soundfont)
        else:
            stem = render_dsp_track(track, n, rng)
        if track.envelope == "swell":
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32) ** 2
            stem = stem * ramp[:, None]
        stem = level_stem(stem, track, plan.kind == "one-shot")
        if plan.sidechain and track.role in ("bass", "pad", "chords") and score.kick_times:
            stem = stem * duck_envelope(score.kick_times, n)[:, None]
        gl, gr = pan_gains(track.pan)
        mix[:, 0] += stem[:, 0] * gl
        mix[:, 1] += stem[:, 1] * gr
    if plan.kind == "loop" and tail:
        wrapped = mix[n_out:]
        k = min(len(wrapped), n_out)
        mix[:k] += wrapped[:k]
    out = mix[:n_out]
    fade = min(int(0.01 * SAMPLE_RATE), n_out // 4) if plan.kind != "loop" else 0
    if fade:
        out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    return np.ascontiguousarray(out, dtype=np.float32), SAMPLE_RATE


def level_stem(stem: np.ndarray, track: Track, oneshot: bool) -> np.ndarray:
    """Scale a stem to its role's RMS (measured over its loud part), then its gain offset."""
    if oneshot:
        return stem
    sub = stem[::4]  # every 4th sample is plenty for a level
    power = 0.5 * (sub[:, 0] * sub[:, 0] + sub[:, 1] * sub[:, 1])
    loud = power[power > 1e-8].astype(np.float64)
    if len(loud) == 0:
        return stem
    rms = np.sqrt(np.mean(loud))
    target = 10 ** (STEM_RMS_DB.get(track.role, -20.0) / 20)
    return stem * np.float32(target / rms)


def pan_gains(position: float) -> tuple[np.float32, np.float32]:
    """Constant-power pan gains (left, right) for position -1..1; 1.0 each at the centre."""
    angle = (position + 1) * np.pi / 4
    return np.float32(np.cos(angle) * np.sqrt(2)), np.float32(np.sin(angle) * np.sqrt(2))


def duck_envelope(kick_times: list[float], n: int, depth: float = 0.6, release_s: float = 0.14) -> np.ndarray:
    """Sidechain pumping: gain dips by `depth` at each kick and recovers exponentially."""
    from scipy.signal import lfilter
    impulses = np.zeros(n, dtype=np.float64)
    idx = np.array([int(t * SAMPLE_RATE) for t in kick_times if t * SAMPLE_RATE < n], dtype=int)
    impulses[idx] = 1.0
    a = np.exp(-1.0 / (release_s * SAMPLE_RATE))
    env = lfilter([1.0], [1.0, -a], impulses)
    return (1.0 - depth * np.clip(env, 0.0, 1.0)).astype(np.float32)
