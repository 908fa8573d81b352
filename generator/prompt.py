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
_NUM = r"(\d+(?:[.,]\d+)?)"
# "92 BPM", "92bpm", "92 beats per minute": always a tempo.
_BPM_RE = re.compile(r"(?<![\w.,])" + _NUM + r"\s*-?\s*(?:bpm|b\.p\.m\.?|beats?\s+(?:per|a|an)\s+minute)(?!\w)", re.I)
# "tempo 92", "tempo: 92": a tempo; "at 92" only when nothing else reads the number.
_TEMPO_WORD_RE = re.compile(r"\btempo\s*(?:of\s*|=\s*|:\s*)?" + _NUM + r"(?![\w-]|[.,]\d)", re.I)
_AT_RE = re.compile(r"\bat\s+" + _NUM + r"(?!\w|[.,:/]\d)(?!\s*(?:%|percent|ms|s\b|secs?\b|seconds?\b|mins?\b|minutes?\b|m\b|hz\b|khz\b|db\b))", re.I)

_MODE_WORDS = {
    "major": "major", "maj": "major", "ionian": "major", "minor": "minor", "min": "minor",
    "aeolian": "minor", "dorian": "dorian", "mixolydian": "mixolydian", "phrygian": "phrygian",
    "lydian": "lydian",
}
_ACCIDENTALS = {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1}
_NOTE = r"([A-Ga-g])(\s*(?:#|♯|♭|b(?![a-z])|-?\s*sharp\b|-?\s*flat\b))?"
_MODE = r"(major|minor|maj|min|ionian|aeolian|dorian|mixolydian|phrygian|lydian)\b"
# "D minor", "F# major", "B flat minor", "in Eb dorian": a note followed by a mode word.
_KEY_MODE_RE = re.compile(r"(?<![\w#'’])(in\s+(?:the\s+key\s+of\s+)?|key\s+of\s+|key:?\s*)?"
                          + _NOTE + r"\s*-?\s*" + _MODE, re.I)
# "Dm", "C#m", "Bbm", "Ebmaj": short chord-style spellings, upper-case letter required.
_SHORT_KEY_RE = re.compile(r"(?<![\w#'’])([A-G])(#|♯|♭|b)?(m|maj|min)(?![\w#])")
# church-mode names are unambiguous on their own ("minor" alone is not: "a minor detail")
_MODAL_RE = re.compile(r"\b(dorian|mixolydian|phrygian|lydian)\b", re.I)
# "in D", "key of F#": a bare tonic, only after an explicit 'in' or 'key of'.
_BARE_KEY_RE = re.compile(r"(?<![\w#])(?:in\s+(?:the\s+key\s+of\s+)?|key\s+of\s+|key:\s*)"
                          + _NOTE + r"(?![\w#♯♭'’])", re.I)

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


def _number(s: str) -> float:
    return float(s.replace(",", "."))


def _tonic(letter: str, accidental: str | None) -> str:
    pc = NOTE_NAMES.index(letter.upper())
    acc = (accidental or "").strip().lower().lstrip("-").strip()
    return NOTE_NAMES[(pc + _ACCIDENTALS.get(acc, 0)) % 12]


def _check_tempo(text: str, bpm: float) -> float:
    if not MIN_TEMPO <= bpm <= MAX_TEMPO:
        raise PromptError(text, f"tempo {bpm:g} BPM is outside {MIN_TEMPO:g}-{MAX_TEMPO:g} BPM")
    return bpm


def _parse_tempo(text: str) -> float | None:
    for rx in (_BPM_RE, _TEMPO_WORD_RE):
        m = rx.search(text)
        if m:
            return _check_tempo(text, _number(m.group(1)))
    for m in _AT_RE.finditer(text):
        bpm = _number(m.group(1))
        if MIN_TEMPO <= bpm <= MAX_TEMPO:  # "at 3" is not a tempo; "at 92" is
            return bpm
    return None


def _parse_key(text: str) -> tuple[str | None, str | None]:
    for m in _KEY_MODE_RE.finditer(text):
        prefix, letter, acc, mode = m.group(1), m.group(2), m.group(3), m.group(4)
        # Lower-case note letters are ordinary words ("a minor detail") unless 'in'/'key of'
        # introduces them; upper-case letters followed by a mode word are keys.
        hyphenated = text[m.end():m.end() + 1] == "-"  # "dorian-flavoured", "minor-ish"
        if letter.isupper() and not (hyphenated and not acc and letter == "A" and not prefix):
            return _tonic(letter, acc), _MODE_WORDS[mode.lower()]
        # a lower-case letter is a key only as "in a minor" / "key of e major": "in a dorian-
        # tinged setting" and "a minor detail" use the article
        if prefix and not hyphenated and (acc or _MODE_WORDS[mode.lower()] in ("major", "minor")):
            return _tonic(letter, acc), _MODE_WORDS[mode.lower()]
    m = _SHORT_KEY_RE.search(text)
    if m:
        return _tonic(m.group(1), m.group(2)), "major" if m.group(3) == "maj" else "minor"
    tonic = mode = None
    for m in _BARE_KEY_RE.finditer(text):
        if m.group(1).isupper():  # "in a hurry" is not A
            tonic = _tonic(m.group(1), m.group(2))
            break
    m = _MODAL_RE.search(text)
    if m:  # "a dorian groove", "phrygian-flavoured metal": the mode without a tonic
        mode = _MODE_WORDS[m.group(1).lower()]
    return tonic, mode


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
        seconds = _number(num) * _UNIT_S[u]
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
    rest = _TEMPO_WORD_RE.sub(" ; ", _BPM_RE.sub(" ; ", text))
    key, mode = _parse_key(rest)
    return PromptFacts(text=text, tempo=tempo, key=key, mode=mode, meter=_parse_meter(rest),
                       duration=_parse_duration(rest), kind=_parse_kind(rest))


assert set(_MODE_WORDS.values()) <= set(MODES)
