"""The music engine's own synthesis: analog-style, FM, chiptune and additive voices, drum machines,
sound-design one-shots and randomised caption-preserving degradations (issue 2, deliverable 4).

Pure numpy/scipy. Deterministic: same inputs and same rng state give bit-identical output.
Every call draws its patch (cutoffs, envelopes, detune, tuning ...) from `rng`, so repeated calls
give timbre variety rather than one preset. Outputs are mono float32 peak-normalised to 0.8.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import resample_poly

from . import additive, chiptune, fm, sfx_design, sfx_ui, sfx_voice, sfx_world, subtractive
from .common import DspError, Note, check_hits, check_length, check_notes, finish, place
from .degrade import DEGRADATIONS, degrade
from .drum_machine import MACHINES_KITS, Kit, nearest_role

__all__ = ["SYNTH_VOICES", "VOICE_INFO", "DRUM_MACHINES", "DRUM_MACHINE_INFO", "SFX_KINDS", "SFX_INFO",
           "DEGRADATIONS", "DspError", "render_voice", "render_drum_machine", "render_sfx", "degrade"]

_VOICES = {**subtractive.VOICES, **fm.VOICES, **chiptune.VOICES, **additive.VOICES}
SYNTH_VOICES: dict[str, str] = {name: fam for name, (fam, _, _) in _VOICES.items()}
VOICE_INFO: dict[str, list[str]] = {name: list(desc) for name, (_, _, desc) in _VOICES.items()}
# Voices whose spectrum sits well below 10 kHz (low-passed pads, basses, formant choir) render at
# sr/2 or sr/4 and are upsampled: half or a quarter of the work for no audible loss.
_RATE_DIV = {"analog_bass": 2, "sub_bass": 4, "808_bass": 2, "reese_bass": 2, "saw_pad": 2, "warm_pad": 2,
             "evolving_pad": 2, "string_pad": 2, "brass_synth": 2, "vocal_aah": 2}

DRUM_MACHINES: list[str] = list(MACHINES_KITS)
DRUM_MACHINE_INFO: dict[str, list[str]] = {
    "808": ["808 drums", "tr-808 kit", "roland 808", "booming 808 drum machine"],
    "909": ["909 drums", "tr-909 kit", "house drum machine", "punchy 909"],
    "606": ["606 drums", "tr-606 kit", "thin analog drum machine"],
    "chip": ["chiptune drums", "8-bit drums", "nes noise percussion"],
    "lofi": ["lo-fi drums", "dusty sampled drums", "crunchy sp-1200 drums"],
    "acoustic": ["synthesized acoustic-style drum kit", "acoustic drums", "drum kit"],
}

_SFX = {**sfx_design.KINDS, **sfx_world.KINDS, **sfx_ui.KINDS, **sfx_voice.KINDS}
SFX_KINDS: list[str] = list(_SFX)
SFX_INFO: dict[str, list[str]] = {k: list(desc) for k, (_, desc) in _SFX.items()}


def render_voice(voice: str, notes: list[Note], duration_s: float, sr: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Render notes [(start_s, dur_s, midi_pitch, velocity 1-127)] with a synth voice.

    Returns mono float32 of exactly round(duration_s*sr) samples; release tails are cut at the end.
    """
    if voice not in _VOICES:
        raise DspError(voice, f"unknown synth voice; allowed: {', '.join(sorted(_VOICES))}")
    n = check_length(duration_s, sr)
    notes = check_notes(notes)
    if n == 0 or not notes:
        return np.zeros(n, dtype=np.float32)
    sr = int(sr)
    div = _RATE_DIV.get(voice, 1)
    if div > 1 and sr % div == 0 and sr // div >= 11025:
        # Dark voices render at a lower internal rate and are upsampled (polyphase, band-limited).
        y = _VOICES[voice][1](notes, -(-n // div), sr // div, rng)
        y = resample_poly(y, div, 1)
    else:
        y = _VOICES[voice][1](notes, n, sr, rng)
    return finish(y[:n])


def render_drum_machine(machine: str, hits: list[tuple[float, int, int]], duration_s: float, sr: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Render GM-drum-note hits [(start_s, note, velocity)] with a drum machine; mono float32 (n,).

    Open hats are choked by the next closed/pedal hat, as on the hardware.
    """
    if machine not in MACHINES_KITS:
        raise DspError(machine, f"unknown drum machine; allowed: {', '.join(DRUM_MACHINES)}")
    n = check_length(duration_s, sr)
    out = np.zeros(n)
    if n == 0 or not hits:
        return out.astype(np.float32)
    kit = Kit(machine, int(sr), rng)
    clean = check_hits(hits)
    closes = np.array([s for s, nt, _ in clean if nearest_role(nt) in ("hat_closed", "hat_pedal")])
    cache: dict[tuple[str, int, int], np.ndarray] = {}
    for start, note, vel in clean:
        s = int(round(start * sr))
        if s >= n:
            continue
        role = nearest_role(note)
        v = float(np.clip(vel, 1, 127)) / 127.0
        bucket = int(v * 3.999)  # real machines: identical hits except the accent level
        key = (role, note if role == "tom" else 0, bucket)
        if key not in cache:
            cache[key] = kit.hit(role, note, (bucket + 1) / 4)
        sig = cache[key] * (v / ((bucket + 1) / 4))
        if role == "hat_open" and closes.size:
            later = closes[closes > start + 1e-4]
            if later.size:
                cut = int((later[0] - start) * sr)
                if cut < sig.size:
                    sig = sig[:cut].copy()
                    f = min(cut, int(0.008 * sr))
                    if f > 0:
                        sig[cut - f:] *= np.linspace(1, 0, f)
        place(out, s, sig)
    return finish(kit.post(out)[:n])


def render_sfx(kind: str, duration_s: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Render a sound-design one-shot or ambience; mono float32 of exactly round(duration_s*sr)."""
    if kind not in _SFX:
        raise DspError(kind, f"unknown sfx kind; allowed: {', '.join(SFX_KINDS)}")
    n = check_length(duration_s, sr)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    y = _SFX[kind][0](n, int(sr), rng)
    y = y[:n]
    if y.shape[0] < n:
        y = np.pad(y, (0, n - y.shape[0]))
    # fade the last few ms so events cut by the clip end do not click
    f = min(n, int(0.005 * sr))
    if f > 1:
        y = y.copy()
        y[n - f:] *= np.linspace(1, 0, f)
    return finish(y)
