"""Prompt checking and parsing: the facts a prompt states explicitly are read, not guessed.

`parse_prompt("lo-fi beat, 92 BPM in D minor, 10 seconds")` gives `PromptFacts(tempo=92.0,
key="D", mode="minor", duration=10.0, ...)`. The decoder samples everything else; these facts
override what it samples. Unparseable or impossible facts ("900 BPM", "7/8", "3 hours") are
errors rather than silently ignored, so a user never gets a clip that contradicts the prompt.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from aligner import text_facts
from generator.plan import DURATION_RANGE, TEMPO_RANGE
from generator.theory import METERS, MODES, NOTE_NAMES

MAX_PROMPT_CHARS = 1000
# What the engine can render (generator.plan); a prompt asking for more is an error.
MIN_DURATION_S, MAX_DURATION_S = DURATION_RANGE
MIN_TEMPO, MAX_TEMPO = TEMPO_RANGE


class GenerateError(ValueError):
    """Generation cannot proceed: `what` is the offending thing (prompt, duration, path...)."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


class PromptError(GenerateError):
    """The prompt is unusable (empty, too long, not text) or states something impossible."""

    def __init__(self, prompt: str, reason: str):
        shown = prompt if len(prompt) <= 60 else prompt[:57] + "..."
        super().__init__(f"prompt {shown!r}", reason)
        self.prompt = prompt


@dataclass(frozen=True)
class PromptFacts:
    """What a prompt states explicitly; None = not stated (the decoder decides)."""
    text: str
    tempo: float | None = None       # BPM
    key: str | None = None           # tonic, sharp spelling from theory.NOTE_NAMES
    mode: str | None = None          # a key of theory.MODES
    meter: str | None = None         # a key of theory.METERS
    duration: float | None = None    # seconds
    kind: str | None = None          # "one-shot" or "loop" (generator.plan.KINDS)

    def to_dict(self) -> dict:
        return asdict(self)


def check_prompt(prompt) -> str:
    """Return the prompt stripped of surrounding whitespace, or raise PromptError."""
    if not isinstance(prompt, str):
        raise PromptError(repr(prompt)[:60], f"must be text, got {type(prompt).__name__}")
    text = prompt.strip()
    if not text:
        raise PromptError(prompt, "is empty; describe the sound, e.g. 'warm analog pad'")
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptError(text, f"is {len(text):,} characters long; the limit is {MAX_PROMPT_CHARS:,}")
    for ch in text:
        cat = unicodedata.category(ch)
        # Cs: lone surrogates (undecodable bytes smuggled in by surrogateescape); Cc: control
        # characters such as NUL or escape, which only appear when binary data is pasted.
        if cat == "Cs" or (cat == "Cc" and ch not in "\t\n\r") or ch == "\ufffd":
            raise PromptError(text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"),
                              f"contains a non-text character {ch!r} (binary data?)")
    if not any(ch.isalnum() for ch in text):
        raise PromptError(text, "has no letters or digits")
    return text


# ---- parsing --------------------------------------------------------------------------------
# Tempo and key rules live in the core (`aligner.text_facts`): the builtin aligner reads the same
# facts from queries, so search and generation agree on what a text states.
_NUM = text_facts.NUM
_MODE_WORDS = text_facts.MODE_WORDS
assert tuple(NOTE_NAMES) == text_facts.NOTE_NAMES

_METER_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_METER_WORDS = [
    (re.compile(r"\bwaltz\s+time\b|\btriple\s+(?:meter|metre|time)\b|\bthree[- ]four\b|\bin\s+three\b", re.I), "3/4"),
    (re.compile(r"\bcommon\s+time\b|\bfour[- ]four\b|\bfour\s+on\s+the\s+floor\b", re.I), "4/4"),
    (re.compile(r"\bsix[- ]eight\b|\bcompound\s+(?:duple\s+)?(?:meter|metre|time)\b", re.I), "6/8"),
]

_UNIT_S = {"ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001, "msec": 0.001,
           "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
           "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
           "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0, "hours": 3600.0}
_DURATION_RE = re.compile(
    r"(?<![\w.,'’/])" + _NUM + r"(\s*-?\s*)(milliseconds?|msec|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)(?![\w'’])",
    re.I)
_CLOCK_RE = re.compile(r"(?<![\w:])(\d{1,2}):([0-5]\d)(?![\w:])")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20,
                 "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_WORD_DURATION_RE = re.compile(
    r"\b(half\s+a|" + "|".join(_WORD_NUMBERS) + r")[\s-]+(seconds?|minutes?)\b", re.I)

_ONESHOT_RE = re.compile(r"\bone[\s-]?shots?\b|\bsingle\s+(?:hit|shot|note)\b", re.I)
_LOOP_RE = re.compile(r"\bloop(?:s|ed|able|ing)?\b", re.I)


def _check_tempo(text: str, bpm: float) -> float:
    if not MIN_TEMPO <= bpm <= MAX_TEMPO:
        raise PromptError(text, f"tempo {bpm:g} BPM is outside {MIN_TEMPO:g}-{MAX_TEMPO:g} BPM")
    return bpm


def _parse_tempo(text: str) -> float | None:
    bpm = text_facts.find_tempo(text, MIN_TEMPO, MAX_TEMPO)
    return None if bpm is None else _check_tempo(text, bpm)


def _parse_key(text: str) -> tuple[str | None, str | None]:
    return text_facts.find_key(text)


def _parse_meter(text: str) -> str | None:
    for m in _METER_RE.finditer(text):
        num, den = int(m.group(1)), int(m.group(2))
        if den not in (2, 4, 8, 16) or not 1 <= num <= 15:
            continue  # "24/7", "1/3" are not time signatures
        meter = f"{num}/{den}"
        if meter not in METERS:
            raise PromptError(text, f"time signature {meter} is not supported; "
                                    f"supported: {', '.join(METERS)}")
        return meter
    for rx, meter in _METER_WORDS:
        if rx.search(text):
            return meter
    return None


def _parse_duration(text: str) -> float | None:
    for m in _DURATION_RE.finditer(text):
        num, gap, unit = m.group(1), m.group(2), m.group(3)
        u = unit.lower()
        if u == "s" and not gap and re.fullmatch(r"[5-9]0|1[89]\d0|20\d0", num):
            continue  # "80s synth", "1990s house": a decade (50s-90s), not a duration ("80 s" is one)
        if u == "m" and unit != "m":
            continue  # upper-case 'M' is not minutes
        seconds = text_facts.number(num) * _UNIT_S[u]
        if u in ("s", "m") and not gap and not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
            continue  # "808s" (the drum machine), "303m": names, not durations
        return _check_duration(text, seconds)
    m = _CLOCK_RE.search(text)
    if m:
        return _check_duration(text, int(m.group(1)) * 60 + int(m.group(2)))
    m = _WORD_DURATION_RE.search(text)
    if m:
        word = m.group(1).lower()
        n = 0.5 if word.startswith("half") else _WORD_NUMBERS[word]
        return _check_duration(text, n * (60.0 if m.group(2).lower().startswith("minute") else 1.0))
    return None


def _check_duration(text: str, seconds: float) -> float:
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        raise PromptError(text, f"duration {seconds:g} s is outside {MIN_DURATION_S:g} s - "
                                f"{MAX_DURATION_S / 60:g} minutes")
    return float(seconds)


def _parse_kind(text: str) -> str | None:
    if _ONESHOT_RE.search(text):
        return "one-shot"
    if _LOOP_RE.search(text):
        return "loop"
    return None


def parse_prompt(prompt) -> PromptFacts:
    """Check a prompt and read the facts it states. Raises PromptError for bad prompts."""
    text = check_prompt(prompt)
    # BPM figures are removed before looking for durations and keys so "120 bpm" is never
    # read as anything else.
    tempo = _parse_tempo(text)
    rest = text_facts.strip_tempo(text)
    key, mode = _parse_key(rest)
    return PromptFacts(text=text, tempo=tempo, key=key, mode=mode, meter=_parse_meter(rest),
                       duration=_parse_duration(rest), kind=_parse_kind(rest))


assert set(_MODE_WORDS.values()) <= set(MODES)
