"""Spoken voice: eSpeak NG (a formant speech synthesizer shipped as a library by the
`espeakng-loader` wheel) reading generated sentences with varied voices, languages, rates and
pitch. Speech is a common kind of sound in real sample folders and had no stand-in in the corpus.

eSpeak runs through ctypes in a short-lived child process (see `speak_all`) at its own 22,050 Hz
rate (about 1,000x real time here) and is resampled to the engine's rate. Deterministic: the same
rng state gives the same sentences, voices and samples.
"""
from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import resample_poly

from . import filters as F
from .common import DspError

_TIMEOUT_S = 120
# eSpeak keeps synthesis state across utterances (voice flutter and echo positions) that no API
# resets, so in a long-lived process the same utterance comes out differently depending on what
# was said before. Each clip's utterances are therefore spoken by a fresh child process: the
# same request gives the same samples (tested), at ~30 ms of process start per speech clip.
_CHILD = r"""
import ctypes, json, struct, sys
from pathlib import Path
import espeakng_loader
lib = ctypes.CDLL(espeakng_loader.get_library_path())
lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                             ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
rate = lib.espeak_Initialize(2, 0, str(Path(espeakng_loader.get_data_path()).parent).encode(), 0)
if rate <= 0:
    sys.exit("eSpeak NG failed to initialise")
buf = bytearray()
def on_audio(wav, count, events):
    if count > 0 and wav:
        buf.extend(ctypes.string_at(wav, 2 * count))
    return 0
callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.c_void_p)(on_audio)
lib.espeak_SetSynthCallback(callback)
out = sys.stdout.buffer
out.write(struct.pack("<i", rate))
for text, voice, wpm, pitch, prange, seed in json.load(sys.stdin):
    lib.espeak_ng_SetRandSeed(ctypes.c_long(seed))
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        sys.exit("unknown eSpeak voice " + voice)
    for param, value in ((1, wpm), (3, pitch), (4, prange)):
        lib.espeak_SetParameter(param, value, 0)
    buf.clear()
    raw = text.encode("utf-8")
    lib.espeak_Synth(raw, len(raw) + 1, 0, 1, 0, 0, None, None)
    lib.espeak_Synchronize()
    out.write(struct.pack("<i", len(buf) // 2))
    out.write(bytes(buf))
out.flush()
"""


# (voice language, sentences): subjects, verbs and objects are recombined per clip
_EN = (["the captain", "my neighbour", "our team", "the old man", "she", "he", "everyone", "the driver",
        "this machine", "the city", "a little girl", "the doctor", "nobody", "the crowd", "your friend"],
       ["is waiting for", "will never forget", "just found", "wants to see", "is looking at",
        "walked past", "brought back", "has finished", "talked about", "is building"],
       ["the red door", "a cup of coffee", "the last train", "the new record", "an empty room",
        "the morning news", "the long road home", "a small box", "the second floor", "the answer"])
_EN_LINES = ["welcome back", "please hold the line", "your call is important to us", "are you ready",
             "let's go", "thank you very much", "good morning everyone", "one two three four",
             "ladies and gentlemen", "mission complete", "can you hear me", "attention please",
             "the next station is central", "I don't think so", "well done", "what time is it",
             "this is a test", "hello, how are you today", "game over", "level up"]
_OTHER = {
    "de": ["guten morgen", "wie geht es dir heute", "das ist nicht so einfach", "wir sehen uns morgen",
           "der zug kommt gleich", "vielen dank", "ich habe keine zeit"],
    "fr": ["bonjour tout le monde", "je ne sais pas", "le train arrive bientôt", "merci beaucoup",
           "nous allons au marché", "il fait beau aujourd'hui"],
    "es": ["buenos días", "no pasa nada", "vamos a la playa", "muchas gracias", "el tren llega ahora",
           "dónde está la estación"],
    "it": ["buongiorno a tutti", "andiamo a casa", "grazie mille", "che bella giornata"],
    "pt": ["bom dia", "muito obrigado", "vamos embora", "onde fica a estação"],
    "nl": ["goedemorgen", "dank je wel", "de trein komt eraan"],
}
_EN_VOICES = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"]
_VARIANTS = (["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"] * 2 +
             ["klatt", "klatt2", "klatt3", "klatt4", "klatt6", "Alex", "Annie", "Andy", "david", "grandma",
              "grandpa", "linda", "max", "michel", "norbert", "robert", "steph", "travis", "announcer",
              "whisper", "whisperf", "croak", "edward", "belinda", "benjamin", "ian", "john", "paul"])


def speak_all(utterances: list[tuple[str, str, int, int, int, int]]) -> tuple[list[np.ndarray], int]:
    """[(text, voice, words/min, pitch 0-99, pitch range 0-99, seed)] -> (float32 mono arrays,
    eSpeak's sample rate), spoken in order by one fresh eSpeak process."""
    import json
    import struct
    import subprocess
    import sys
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(utterances).encode(),
                              capture_output=True, timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DspError("speech", f"eSpeak NG child process failed: {e}") from e
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise DspError("speech", "eSpeak NG is not usable (install espeakng-loader): "
                       + (err[-1] if err else f"exit {proc.returncode}"))
    data = proc.stdout
    rate = struct.unpack_from("<i", data, 0)[0]
    pos, out = 4, []
    for _ in utterances:
        count = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        out.append(np.frombuffer(data, dtype="<i2", count=count, offset=pos).astype(np.float32) / 32768.0)
        pos += 2 * count
    return out, rate


def _sentence(rng, lang: str) -> str:
    if lang != "en":
        return str(rng.choice(_OTHER[lang]))
    if rng.random() < 0.4:
        return str(rng.choice(_EN_LINES))
    s, v, o = (str(rng.choice(part)) for part in _EN)
    return f"{s} {v} {o}"


def speech(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One speaker (rarely two, taking turns) saying sentences with pauses, filling n samples."""
    langs = ["en"] * 6 + list(_OTHER)
    speakers = 1 if rng.random() < 0.8 else 2
    people = []
    for _ in range(speakers):
        lang = str(rng.choice(langs))
        base = str(rng.choice(_EN_VOICES)) if lang == "en" else lang
        people.append((lang, f"{base}+{rng.choice(_VARIANTS)}", int(rng.integers(120, 220)),
                       int(rng.integers(25, 75)), int(rng.integers(20, 90))))
    # Enough utterances for the clip, planned before any is spoken (their lengths are only
    # known afterwards): ~2.3 words/s at 140 words/min, so 1 word per 0.3 s is plenty.
    todo, words, turn = [], 0, 0
    while words < n / sr / 0.3 + 4:
        lang, voice, wpm, pitch, prange = people[turn % speakers]
        text = ", ".join(_sentence(rng, lang) for _ in range(int(rng.integers(1, 3))))
        todo.append((text, voice, wpm, pitch, prange, int(rng.integers(1, 2**31 - 1))))
        words += len(text.split())
        turn += 1
    gaps = rng.uniform(0.15, 0.9, len(todo))
    spoken, esr = speak_all(todo)
    out = np.zeros(n)
    pos = int(rng.uniform(0.0, 0.3) * sr)
    for x, gap in zip(spoken, gaps):
        if pos >= n:
            break
        if esr != sr:
            g = gcd(int(sr), int(esr))
            x = resample_poly(x, sr // g, esr // g)
        k = min(len(x), n - pos)
        out[pos:pos + k] += x[:k]
        pos += len(x) + int(gap * sr)
    if rng.random() < 0.25:  # telephone / radio band
        out = F.bandpass(out, sr, rng.uniform(250, 400), rng.uniform(3000, 4000))
    return out


KINDS = {
    "speech": (speech, ["someone talking", "spoken voice", "speech", "a person speaking",
                        "voice narration", "spoken words", "dialogue"]),
}
