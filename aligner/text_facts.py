"""Musical facts stated in text: tempo (BPM) and key/mode, read with rules, not guessed.

A frozen sentence model hears "92 bpm" and "128 bpm" as nearly the same sentence, and "F minor"
as nearly "F major", yet those are exactly the facts a musician types to narrow a search. So the
builtin text tower reads them explicitly and gives them to its projection alongside the MiniLM
embedding (`text_facts`), where the audio tower has matching cues (onset autocorrelation for
tempo, chroma key profiles for key and mode). The same rules parse prompts for the generator
(`generator.prompt` imports them), so search and generation agree on what a text states.

Feature layout (`FACT_DIM` = 40): 20 tempo bumps (Gaussian over log2 BPM, centres 50..200,
sigma 0.06 octave, about 4 %) + tempo-stated flag; 12 tonic one-hot + tonic-stated flag;
major / minor quality; dorian / mixolydian / phrygian / lydian.
"""
from __future__ import annotations

import re

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

NUM = r"(\d+(?:[.,]\d+)?)"
# "92 BPM", "92bpm", "92 beats per minute": always a tempo.
BPM_RE = re.compile(r"(?<![\w.,])" + NUM + r"\s*-?\s*(?:bpm|b\.p\.m\.?|beats?\s+(?:per|a|an)\s+minute)(?!\w)", re.I)
# "tempo 92", "tempo: 92": a tempo; "at 92" only when nothing else reads the number.
TEMPO_WORD_RE = re.compile(r"\btempo\s*(?:of\s*|=\s*|:\s*)?" + NUM + r"(?![\w-]|[.,]\d)", re.I)
AT_RE = re.compile(r"\bat\s+" + NUM + r"(?!\w|[.,:/]\d)(?!\s*(?:%|percent|ms|s\b|secs?\b|seconds?\b|mins?\b|minutes?\b|m\b|hz\b|khz\b|db\b))", re.I)

MODE_WORDS = {
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
_KEY_WORD_AFTER = re.compile(r"\s*-?\s*key\b", re.I)
# "a minor key", "major-key feel": a quality without a tonic
_QUALITY_RE = re.compile(r"\b(major|minor)(?:\s*-?\s*key)\b", re.I)

QUALITY = {"major": "major", "lydian": "major", "mixolydian": "major",
           "minor": "minor", "dorian": "minor", "phrygian": "minor"}
MODAL = ("dorian", "mixolydian", "phrygian", "lydian")
TEMPO_CENTRES = np.log2(np.geomspace(50.0, 200.0, 20))
TEMPO_SIGMA = 0.06  # octaves
TEMPO_LIMITS = (30.0, 300.0)  # a number outside is not a musical tempo: no tempo feature
FACT_DIM = len(TEMPO_CENTRES) + 1 + 12 + 1 + 2 + len(MODAL)


def number(s: str) -> float:
    return float(s.replace(",", "."))


def find_tempo(text: str, lo: float, hi: float) -> float | None:
    """The BPM a text states: "92 bpm" / "tempo: 92" as written (the caller checks the range),
    "at 92" only when lo <= 92 <= hi. None when no tempo is stated."""
    for rx in (BPM_RE, TEMPO_WORD_RE):
        m = rx.search(text)
        if m:
            return number(m.group(1))
    for m in AT_RE.finditer(text):
        bpm = number(m.group(1))
        if lo <= bpm <= hi:  # "at 3" is not a tempo; "at 92" is
            return bpm
    return None


def strip_tempo(text: str) -> str:
    """The text with its BPM figures blanked, so "120 bpm" is never read as anything else."""
    return TEMPO_WORD_RE.sub(" ; ", BPM_RE.sub(" ; ", text))


def tonic(letter: str, accidental: str | None) -> str:
    pc = NOTE_NAMES.index(letter.upper())
    acc = (accidental or "").strip().lower().lstrip("-").strip()
    return NOTE_NAMES[(pc + _ACCIDENTALS.get(acc, 0)) % 12]


def find_key(text: str) -> tuple[str | None, str | None]:
    """(tonic in sharp spelling, mode) a text states, either may be None. Run on
    `strip_tempo(text)`."""
    for m in _KEY_MODE_RE.finditer(text):
        prefix, letter, acc, mode = m.group(1), m.group(2), m.group(3), m.group(4)
        # Lower-case note letters are ordinary words ("a minor detail") unless 'in'/'key of'
        # introduces them; upper-case letters followed by a mode word are keys.
        hyphenated = text[m.end():m.end() + 1] == "-"  # "dorian-flavoured", "minor-ish"
        if letter.islower() and not acc and _KEY_WORD_AFTER.match(text, m.end()):
            continue  # "in a minor key": the article, a quality without a tonic
        if letter.isupper() and not (hyphenated and not acc and letter == "A" and not prefix):
            return tonic(letter, acc), MODE_WORDS[mode.lower()]
        # a lower-case letter is a key only as "in a minor" / "key of e major": "in a dorian-
        # tinged setting" and "a minor detail" use the article
        if prefix and not hyphenated and (acc or MODE_WORDS[mode.lower()] in ("major", "minor")):
            return tonic(letter, acc), MODE_WORDS[mode.lower()]
    m = _SHORT_KEY_RE.search(text)
    if m:
        return tonic(m.group(1), m.group(2)), "major" if m.group(3) == "maj" else "minor"
    key = mode = None
    for m in _BARE_KEY_RE.finditer(text):
        if m.group(1).isupper():  # "in a hurry" is not A
            key = tonic(m.group(1), m.group(2))
            break
    m = _MODAL_RE.search(text)
    if m:  # "a dorian groove", "phrygian-flavoured metal": the mode without a tonic
        mode = MODE_WORDS[m.group(1).lower()]
    else:
        m = _QUALITY_RE.search(text)  # "in a minor key": minor, no tonic stated
        mode = m.group(1).lower() if m else None
    return key, mode


def fact_vector(text: str) -> np.ndarray:
    """float32[FACT_DIM]: see the module docstring; all zeros when the text states nothing."""
    v = np.zeros(FACT_DIM, dtype=np.float32)
    n_t = len(TEMPO_CENTRES)
    bpm = find_tempo(text, 50.0, 200.0)
    if bpm is not None and TEMPO_LIMITS[0] <= bpm <= TEMPO_LIMITS[1]:
        v[:n_t] = np.exp(-0.5 * ((np.log2(bpm) - TEMPO_CENTRES) / TEMPO_SIGMA) ** 2)
        v[n_t] = 1.0
    key, mode = find_key(strip_tempo(text))
    o = n_t + 1
    if key is not None:
        v[o + NOTE_NAMES.index(key)] = 1.0
        v[o + 12] = 1.0
    o += 13
    if mode is not None:
        v[o + (0 if QUALITY[mode] == "major" else 1)] = 1.0
        if mode in MODAL:
            v[o + 2 + MODAL.index(mode)] = 1.0
    return v


def text_facts(texts: list[str]) -> np.ndarray:
    """float32[n, FACT_DIM] for a list of texts."""
    if not texts:
        return np.zeros((0, FACT_DIM), dtype=np.float32)
    return np.stack([fact_vector(str(t)) for t in texts])
