"""Keyword score: how well a file's name, folders and tags match the words of the query.

Sample packs name their files well ("Kick_808_Punchy_01.wav", "Drums/HiHats/hh_open.wav"), so
words count alongside the embedding. Fusion, for each candidate file:

    score = (1 - w) * cosine + w * keyword          w = Settings.keyword_weight (0.15; 0 = off)

* Tokens: split on anything not alphanumeric, on camelCase ("KickDrum", "HHOpen") and on
  letter/digit boundaries ("kick808", "120bpm"); lower-cased; a light stemmer drops plural
  endings; a small synonym table maps sample-pack shorthand to one canonical word ("hh", "hat",
  "hi hat" -> "hihat"; "bd", "kik", "bass drum" -> "kick"; "sd", "snr" -> "snare"; "vox" ->
  "vocal"; ...). Stop words and bare track numbers ("01") are dropped.
* Fields: the file name (without extension) weighs 1.0, tags (title, artist, genre, comment)
  0.8, the last FOLDER_DEPTH folder names 0.6. A query token matches a field exactly, or
  nearly (a shared prefix of 4+ letters covering 3/4 of the shorter word: "percussion" ~
  "percussive", "synth" ~ "synthwave") for PREFIX_CREDIT = 0.6 of the field weight.
* IDF-weighted: keyword = sum_t idf(t) * match(t, file) / sum_t idf(t), in [0, 1], over the query
  tokens that match at least one candidate; idf(t) = ln(1 + N / df(t)) counted over the N
  candidate files of this search (a global IDF would need a full-text index; over the candidate
  pool it still says which words set files apart). A word no candidate contains does not dilute
  the others.

Keywords re-rank the vector search's candidate pool (which is oversampled, k*8 segments or more);
they do not retrieve files on their own.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

FOLDER_DEPTH = 3
FIELD_WEIGHTS = {"name": 1.0, "tags": 0.8, "folder": 0.6}
PREFIX_CREDIT = 0.6
PREFIX_MIN = 4

STOP_WORDS = frozenset("""
a an and the of with in on for to from by or at as is it its this that some very like
sound sounds sample samples audio file clip
""".split())

SYNONYMS = {
    "hh": "hihat", "hat": "hihat", "hihat": "hihat", "hhat": "hihat", "chh": "hihat",
    "ohh": "hihat",
    "bd": "kick", "kik": "kick", "kck": "kick", "bassdrum": "kick",
    "sd": "snare", "snr": "snare", "sn": "snare",
    "cp": "clap", "clp": "clap",
    "perc": "percussion", "percs": "percussion",
    "sfx": "fx", "efx": "fx",
    "vox": "vocal", "voc": "vocal", "vocals": "vocal", "voice": "vocal",
    "gtr": "guitar", "pno": "piano", "syn": "synth", "synthesizer": "synth",
    "cym": "cymbal", "atmo": "atmosphere", "atmos": "atmosphere", "amb": "ambient",
    "orch": "orchestral", "str": "string", "lp": "loop", "drm": "drum",
}
BIGRAMS = {("hi", "hat"): "hihat", ("high", "hat"): "hihat", ("bass", "drum"): "kick",
           ("kick", "drum"): "kick", ("snare", "drum"): "snare", ("hand", "clap"): "clap"}

_SPLIT = re.compile(r"[^0-9A-Za-z]+")
# camelCase and acronym boundaries, then letter/digit boundaries
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_EXT = re.compile(r"\.[0-9A-Za-z]{1,5}$")


def stem(word: str) -> str:
    """Plural endings only: kicks -> kick, hats -> hat, basses -> bass, keys -> key."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise(word: str) -> str:
    w = word.lower()
    w = SYNONYMS.get(w, w)
    w = stem(w)
    return SYNONYMS.get(w, w)


def tokens(text: str | None) -> list[str]:
    """Normalised tokens of free text, a file name or a folder name, in order."""
    if not text:
        return []
    raw = []
    for part in _SPLIT.split(text):
        for piece in _CAMEL.split(part):
            raw += [p for p in _DIGITS.split(piece) if p]
    stems = [stem(w.lower()) for w in raw]
    out: list[str] = []
    i = 0
    while i < len(stems):
        pair = tuple(stems[i:i + 2])
        if len(pair) == 2 and pair in BIGRAMS:
            out.append(BIGRAMS[pair])
            i += 2
            continue
        w = normalise(raw[i])
        i += 1
        if w in STOP_WORDS or (w.isdigit() and len(w) <= 2):
            continue
        out.append(w)
    return out


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a query, in order."""
    return list(dict.fromkeys(tokens(query)))


@dataclass(frozen=True)
class KeywordDoc:
    """The searchable words of one file, by field (FIELDS order), with the words of each field
    also indexed by their first PREFIX_MIN letters so near matches compare few words.

    `exact` maps each word to its best field weight and `near` maps a 4-letter prefix to the
    (word, near credit) pairs sharing it, best credit first: `match` is then a dict lookup or
    two instead of a walk over the fields (it runs for every candidate x query word)."""
    fields: tuple[frozenset[str], frozenset[str], frozenset[str]]
    prefixes: tuple[dict, dict, dict]
    exact: dict = field(default_factory=dict, compare=False)
    near: dict = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, *, name: str, folder: str, tags: list[str | None]) -> "KeywordDoc":
        return _doc(name or "", folder or "", tuple(tags))

    @property
    def name(self) -> frozenset[str]:
        return self.fields[0]

    def match(self, token: str) -> float:
        """Best field credit for `token`: field weight, times PREFIX_CREDIT for a near match.

        Per field an exact match scores the weight, else a near match weight * PREFIX_CREDIT;
        the best field counts. A near credit in a field where the word is exact is below that
        field's exact credit, so max(best exact, best near) is the same number."""
        best = self.exact.get(token, 0.0)
        if best >= _MAX_NEAR or len(token) < PREFIX_MIN:
            return best
        for word, credit in self.near.get(token[:PREFIX_MIN], ()):
            if credit <= best:
                break  # sorted best first: nothing further can raise it
            if _near(token, word):
                return credit
        return best


FIELDS = ("name", "tags", "folder")
_WEIGHTS = tuple(FIELD_WEIGHTS[f] for f in FIELDS)
_MAX_NEAR = max(_WEIGHTS) * PREFIX_CREDIT


@lru_cache(maxsize=65_536)  # a process searching many times sees the same files again
def _doc(name: str, folder: str, tags: tuple) -> KeywordDoc:
    folders = [p for p in re.split(r"[\\/]+", folder) if p][-FOLDER_DEPTH:]
    fields = (frozenset(tokens(_EXT.sub("", name))),
              frozenset(t for tag in tags for t in _shared_tokens(tag)),
              frozenset(t for f in folders for t in _shared_tokens(f)))
    prefixes = []
    exact: dict[str, float] = {}
    near: dict[str, dict[str, float]] = {}
    for weight, words in zip(_WEIGHTS, fields):
        index: dict[str, list[str]] = {}
        for w in words:
            exact[w] = max(exact.get(w, 0.0), weight)
            if len(w) >= PREFIX_MIN:
                index.setdefault(w[:PREFIX_MIN], []).append(w)
                by_word = near.setdefault(w[:PREFIX_MIN], {})
                by_word[w] = max(by_word.get(w, 0.0), weight * PREFIX_CREDIT)
        prefixes.append(index)
    near_sorted = {p: tuple(sorted(ws.items(), key=lambda x: (-x[1], x[0])))
                   for p, ws in near.items()}
    return KeywordDoc(fields, tuple(prefixes), exact, near_sorted)


@lru_cache(maxsize=16_384)  # tags and folder names repeat across many files; names do not
def _shared_tokens(text: str | None) -> tuple[str, ...]:
    return tuple(tokens(text))


@lru_cache(maxsize=262_144)  # query words x file words: a small vocabulary in practice
def _near(a: str, b: str) -> bool:
    """Shared prefix of at least PREFIX_MIN letters and 3/4 of the shorter word: "perc" ~
    "percussive", "percussion" ~ "percussive", "synth" ~ "synthwave"; not "pad" ~ "paddle"."""
    n = min(len(a), len(b))
    if n < PREFIX_MIN:
        return False
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= PREFIX_MIN and common >= 0.75 * n


def keyword_scores(qtokens: list[str], docs: list[KeywordDoc]) -> list[float]:
    """Keyword score in [0, 1] of each candidate doc for the query tokens (see module doc)."""
    if not qtokens or not docs:
        return [0.0] * len(docs)
    # KeywordDoc.match inlined: this runs for every candidate file x query word
    probes = [(t, t[:PREFIX_MIN] if len(t) >= PREFIX_MIN else None) for t in qtokens]
    credit = []
    for d in docs:
        exact, near = d.exact, d.near
        row = []
        for t, prefix in probes:
            c = exact.get(t, 0.0)
            if c < _MAX_NEAR and prefix is not None and prefix in near:
                c = d.match(t)
            row.append(c)
        credit.append(row)
    n = len(docs)
    weights = []
    for j in range(len(qtokens)):
        df = sum(1 for row in credit if row[j] > 0)
        weights.append(math.log(1.0 + n / df) if df else 0.0)
    total = sum(weights)
    if total <= 0:
        return [0.0] * n
    return [sum(w * c for w, c in zip(weights, row)) / total for row in credit]
