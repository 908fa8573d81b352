"""Score: what the composer hands the renderer. Notes are (start_s, dur_s, midi_pitch, velocity 1-127)."""
from __future__ import annotations

from dataclasses import dataclass, field

Note = tuple[float, float, int, int]


@dataclass
class Track:
    role: str                 # bass, chords, pad, lead, drums, oneshot, fx
    source: str               # instrument string (GM slug, synth:<v>, sfx:<k>) or drums (kit, machine:<m>)
    notes: list[Note] = field(default_factory=list)
    gain_db: float = 0.0
    pan: float = 0.0          # -1 left .. +1 right
    envelope: str | None = None  # post-render amplitude shape: "swell" (pad swell), None

    @property
    def is_drums(self) -> bool:
        return self.role == "drums"


@dataclass
class Score:
    duration_s: float
    tracks: list[Track]
    loop: bool = False        # seamless loop: tails wrap to the start
    kick_times: list[float] = field(default_factory=list)  # for sidechain ducking
    bar_s: float = 0.0
