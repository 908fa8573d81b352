"""Plan: the validated, JSON-serialisable musical description the engine renders.

`Plan.to_dict()` is the object written as `plan` in a corpus's captions.jsonl and read by the
aligner evaluation and the plan decoder; `Plan.from_dict()` accepts it back (and the looser
forms a person would write: GM program numbers, instrument strings without roles).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import theory
from .styles import STYLES

KINDS = ("arrangement", "loop", "one-shot")
ROLES = ("bass", "chords", "pad", "lead", "oneshot", "fx")
ENERGY = ("low", "medium", "high")
DYNAMICS = ("soft", "moderate", "loud", "building", "fading")
REGISTERS = ("low", "mid", "high")
REVERBS = ("dry", "room", "hall")
TONES = ("dark", "neutral", "bright")
WIDTHS = ("narrow", "normal", "wide")
DRUM_ONESHOTS = ("kick", "snare", "clap", "hat_closed", "hat_open", "cymbal", "tom", "percussion")
ONESHOTS = DRUM_ONESHOTS + ("bass_hit", "chord_stab", "pad_swell", "riser", "impact", "note")
TEMPO_RANGE = (50.0, 200.0)
DURATION_RANGE = (0.1, 300.0)
SWING_RANGE = (0.5, 0.75)
"""swing = where the off-beat eighth (or sixteenth) falls inside its pair: 0.5 straight, 0.67 triplet."""


class PlanError(ValueError):
    """A plan field has a value outside what the engine can render."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"plan field {field_name!r}: {reason}")
        self.field = field_name
        self.reason = reason


def _dsp():
    from . import dsp  # numpy DSP voices; imported when a plan names one
    return dsp


def instrument_family(instrument: str) -> str:
    """Family word (theory.FAMILIES) of an instrument string; PlanError if unknown."""
    if instrument.startswith("synth:"):
        voice = instrument[6:]
        voices = _dsp().SYNTH_VOICES
        if voice not in voices:
            raise PlanError("instruments", f"unknown synth voice {voice!r}; known: {', '.join(sorted(voices))}")
        return SYNTH_FAMILY_MAP.get(voices[voice], "synth lead")
    if instrument.startswith("sfx:"):
        kind = instrument[4:]
        kinds = _dsp().SFX_KINDS
        if kind not in kinds:
            raise PlanError("instruments", f"unknown sfx kind {kind!r}; known: {', '.join(sorted(kinds))}")
        return "fx"
    try:
        return theory.resolve_gm(instrument).family
    except KeyError:
        raise PlanError("instruments", f"unknown instrument {instrument!r}; use a GM name "
                        f"({', '.join(sorted(theory.GM_INSTRUMENTS)[:6])}, ...), a GM program number "
                        "with a table entry, 'synth:<voice>' or 'sfx:<kind>'") from None


# DSP voice family (generator.dsp.SYNTH_VOICES values) -> our family vocabulary.
SYNTH_FAMILY_MAP = {"bass": "bass", "pad": "synth pad", "lead": "synth lead", "pluck": "synth lead",
                    "keys": "keys", "mallet": "mallet", "organ": "organ", "strings": "strings",
                    "brass": "brass", "fx": "fx", "piano": "piano", "choir": "choir"}


def drums_family(drums: str) -> str:
    if drums.startswith("machine:"):
        machine = drums[8:]
        machines = _dsp().DRUM_MACHINES
        if machine not in machines:
            raise PlanError("drums", f"unknown drum machine {machine!r}; known: {', '.join(machines)}")
        return "drums"
    if drums not in theory.GM_KITS:
        raise PlanError("drums", f"unknown kit {drums!r}; known: {', '.join(theory.GM_KITS)} or machine:<name>")
    return "drums"


@dataclass(frozen=True)
class Part:
    role: str
    instrument: str


@dataclass(frozen=True)
class Plan:
    kind: str = "loop"
    style: str | None = "pop"
    duration_s: float = 8.0
    tempo_bpm: float | None = 120.0
    key: str | None = "C"
    mode: str | None = "major"
    meter: str | None = "4/4"
    instruments: tuple[Part, ...] = ()
    drums: str | None = None
    energy: str = "medium"
    dynamics: str = "moderate"
    register: str = "mid"
    swing: float = 0.5
    reverb: str = "room"
    tone: str = "neutral"
    width: str = "normal"
    sidechain: bool = False
    oneshot: str | None = None
    pitch: int | None = None
    extras: dict = field(default_factory=dict, compare=False)  # free-form notes kept in to_dict

    def __post_init__(self):
        object.__setattr__(self, "instruments", tuple(
            p if isinstance(p, Part) else Part(*p) for p in self.instruments))
        self.validate()

    # ---- validation ----------------------------------------------------------------------
    def validate(self) -> None:
        def one_of(name, value, allowed, nullable=False):
            if value is None and nullable:
                return
            if value not in allowed:
                raise PlanError(name, f"{value!r} is not one of {', '.join(map(str, allowed))}")

        one_of("kind", self.kind, KINDS)
        shot = self.kind == "one-shot"
        one_of("style", self.style, tuple(STYLES), nullable=shot)
        if not isinstance(self.duration_s, (int, float)) or not (
                DURATION_RANGE[0] <= self.duration_s <= DURATION_RANGE[1]):
            raise PlanError("duration_s", f"{self.duration_s!r} outside {DURATION_RANGE[0]}-{DURATION_RANGE[1]} s")
        if self.tempo_bpm is None:
            if not shot:
                raise PlanError("tempo_bpm", "required unless kind is one-shot")
        elif not (TEMPO_RANGE[0] <= self.tempo_bpm <= TEMPO_RANGE[1]):
            raise PlanError("tempo_bpm", f"{self.tempo_bpm!r} outside {TEMPO_RANGE[0]:g}-{TEMPO_RANGE[1]:g} BPM")
        one_of("key", self.key, theory.NOTE_NAMES, nullable=shot)
        one_of("mode", self.mode, tuple(theory.MODES), nullable=shot)
        one_of("meter", self.meter, tuple(theory.METERS), nullable=shot)
        if self.style and self.mode and not shot and self.mode not in STYLES[self.style].modes \
                and self.mode not in ("major", "minor"):
            raise PlanError("mode", f"{self.mode!r} is not used by style {self.style!r}; use major, minor "
                            f"or {', '.join(STYLES[self.style].modes)}")
        for p in self.instruments:
            one_of("instruments.role", p.role, ROLES)
            instrument_family(p.instrument)
        if self.drums is not None:
            drums_family(self.drums)
        if not self.instruments and self.drums is None:
            raise PlanError("instruments", "a plan needs at least one instrument or drums")
        one_of("energy", self.energy, ENERGY)
        one_of("dynamics", self.dynamics, DYNAMICS)
        one_of("register", self.register, REGISTERS)
        if not (SWING_RANGE[0] <= self.swing <= SWING_RANGE[1]):
            raise PlanError("swing", f"{self.swing!r} outside {SWING_RANGE[0]}-{SWING_RANGE[1]} (0.5 = straight)")
        one_of("reverb", self.reverb, REVERBS)
        one_of("tone", self.tone, TONES)
        one_of("width", self.width, WIDTHS)
        if shot:
            if self.oneshot is None:
                raise PlanError("oneshot", "required when kind is one-shot")
            if self.oneshot.startswith("sfx:"):
                if self.oneshot[4:] not in _dsp().SFX_KINDS:
                    raise PlanError("oneshot", f"unknown sfx kind {self.oneshot[4:]!r}; known: "
                                    f"{', '.join(_dsp().SFX_KINDS)}")
            else:
                one_of("oneshot", self.oneshot, ONESHOTS)
        elif self.oneshot is not None:
            raise PlanError("oneshot", "only one-shot plans have a one-shot kind")
        if self.pitch is not None and not (0 <= self.pitch <= 127):
            raise PlanError("pitch", f"{self.pitch!r} outside 0-127")

    # ---- views ---------------------------------------------------------------------------
    @property
    def families(self) -> list[str]:
        fams = []
        for p in self.instruments:
            f = instrument_family(p.instrument)
            if f not in fams:
                fams.append(f)
        if self.drums is not None:
            fams.append("percussion" if self.oneshot == "percussion" else "drums")
        return fams

    def part(self, role: str) -> Part | None:
        return next((p for p in self.instruments if p.role == role), None)

    def replace(self, **changes) -> "Plan":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = {
            "kind": self.kind, "style": self.style, "duration_s": round(float(self.duration_s), 4),
            "tempo_bpm": None if self.tempo_bpm is None else round(float(self.tempo_bpm), 2),
            "key": self.key, "mode": self.mode, "meter": self.meter,
            "instruments": [{"role": p.role, "instrument": p.instrument,
                             "family": instrument_family(p.instrument)} for p in self.instruments],
            "drums": self.drums, "energy": self.energy, "dynamics": self.dynamics,
            "register": self.register, "swing": round(float(self.swing), 3),
            "reverb": self.reverb, "tone": self.tone, "width": self.width,
            "sidechain": bool(self.sidechain), "oneshot": self.oneshot, "pitch": self.pitch,
            "families": self.families,
        }
        if self.extras:
            d["extras"] = dict(self.extras)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Plan":
        if not isinstance(d, dict):
            raise PlanError("plan", f"expected an object, got {type(d).__name__}")
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in d.items() if k in known}
        parts = []
        for i, item in enumerate(d.get("instruments", []) or []):
            if isinstance(item, dict):
                inst, role = item.get("instrument"), item.get("role", "lead")
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                role, inst = item
            else:
                inst, role = item, "lead"
            if isinstance(inst, int) or (isinstance(inst, str) and inst.isdigit()):
                try:
                    inst = theory.resolve_gm(inst).slug
                except KeyError:
                    raise PlanError("instruments", f"GM program {inst!r} (item {i}) has no entry; known: "
                                    f"{sorted(theory.GM_BY_PROGRAM)}") from None
            if not isinstance(inst, str):
                raise PlanError("instruments", f"item {i} is not an instrument string: {item!r}")
            parts.append(Part(role, inst))
        data["instruments"] = tuple(parts)
        for name in ("duration_s", "swing"):
            if name in data and not isinstance(data[name], (int, float)):
                raise PlanError(name, f"expected a number, got {data[name]!r}")
        if data.get("tempo_bpm") is not None:
            if not isinstance(data["tempo_bpm"], (int, float)):
                raise PlanError("tempo_bpm", f"expected a number, got {data['tempo_bpm']!r}")
            data["tempo_bpm"] = float(data["tempo_bpm"])
        return cls(**data)

    # ---- timing helpers ------------------------------------------------------------------
    @property
    def beat_s(self) -> float:
        """Seconds per sixteenth-note step times four (a quarter note), independent of meter."""
        return 60.0 / (self.tempo_bpm or 120.0)

    @property
    def step_s(self) -> float:
        """Seconds per sixteenth step. In 6/8 the BPM counts dotted quarters (3 eighths)."""
        if self.meter == "6/8":
            return 60.0 / (self.tempo_bpm or 120.0) / 6.0
        return 60.0 / (self.tempo_bpm or 120.0) / 4.0

    @property
    def bar_s(self) -> float:
        return theory.METERS[self.meter or "4/4"][0] * self.step_s


def random_plan(rng, kind: str | None = None, style: str | None = None, duration_s: float | None = None) -> Plan:
    """A random valid plan (see generator.sampling.random_plan)."""
    from .sampling import random_plan as _random_plan
    return _random_plan(rng, kind=kind, style=style, duration_s=duration_s)
