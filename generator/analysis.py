"""Independent estimators used to check that renders carry their planned tempo and key: librosa's
onset-based tempo and a chroma key profile. Nothing here reads the plan — they only see audio.
librosa is imported lazily."""
from __future__ import annotations

import numpy as np

from .theory import MODE_QUALITY, NOTE_NAMES

# Krumhansl-Kessler probe-tone profiles (C major / C minor), rotated for the other tonics.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
# Albrecht & Shanahan (2013) profiles, pitch-class distributions of a corpus of real pieces: far
# lower weights off the scale than KK, so a chroma with strong scale tones but a weak tonic is
# less often pulled to a neighbouring key (73 % -> 82 % key+mode on the development seeds 1 and 2).
AS_MAJOR = np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081])
AS_MINOR = np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052])
ANALYSIS_SR = 22_050


def harmonic_profile(profile: np.ndarray, decay: float = 0.5, harmonics: int = 6) -> np.ndarray:
    """Expected chroma of a key profile once each pitch's partials are added (Gomez 2006): the
    2nd-6th harmonics land on the octave, fifth, octave, major third and fifth."""
    offsets = (0, 0, 7, 0, 4, 7)[:harmonics]
    out = np.zeros(12)
    for pc in range(12):
        for h, off in enumerate(offsets):
            out[(pc + off) % 12] += profile[pc] * decay ** h
    return out


KEY_PROFILES = {
    "albrecht-shanahan": (AS_MAJOR, AS_MINOR),
    # The first estimator (session 1): harmonics-expanded Krumhansl-Kessler.
    "kk-harmonic": (harmonic_profile(KK_MAJOR), harmonic_profile(KK_MINOR)),
    "krumhansl-kessler": (KK_MAJOR, KK_MINOR),
}
DEFAULT_PROFILES = "albrecht-shanahan"


class AnalysisError(ValueError):
    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.what, self.reason = what, reason


def _mono(audio: np.ndarray, sr: int) -> np.ndarray:
    import librosa
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return librosa.resample(x, orig_sr=sr, target_sr=ANALYSIS_SR) if sr != ANALYSIS_SR else x


def estimate_tempo(audio: np.ndarray, sr: int) -> float:
    """Global tempo in BPM from the onset-strength autocorrelation (librosa.feature.tempo)."""
    import librosa
    y = _mono(audio, sr)
    onset = librosa.onset.onset_strength(y=y, sr=ANALYSIS_SR)
    return float(librosa.feature.tempo(onset_envelope=onset, sr=ANALYSIS_SR, aggregate=np.median)[0])


def estimate_key(audio: np.ndarray, sr: int, profiles: str = DEFAULT_PROFILES) -> tuple[str, str]:
    """(tonic, 'major'|'minor') maximising the correlation of the mean CQT chroma (C3 and up) of
    the harmonic part (HPSS) with the rotated key profiles (`KEY_PROFILES[profiles]`)."""
    return key_from_chroma(mean_chroma(audio, sr), profiles)


def mean_chroma(audio: np.ndarray, sr: int) -> np.ndarray:
    """(12,) time-averaged, per-frame max-normalised CQT chroma of the harmonic part, C3 and up."""
    import librosa
    y = librosa.effects.harmonic(_mono(audio, sr), margin=3.0)  # drums smear chroma
    # From C3 up: below it CQT bins smear across semitones, and 808 kicks (pitched sine sweeps
    # that HPSS keeps as harmonic) and the bass's level swamp the per-frame normalised chroma.
    chroma = librosa.feature.chroma_cqt(y=y, sr=ANALYSIS_SR, bins_per_octave=36,
                                        fmin=librosa.note_to_hz("C3"), n_octaves=5)
    return chroma.mean(axis=1)


def key_from_chroma(profile: np.ndarray, profiles: str = DEFAULT_PROFILES) -> tuple[str, str]:
    """Best (tonic, quality) for a (12,) pitch-class profile (chroma or note durations)."""
    if profiles not in KEY_PROFILES:
        raise AnalysisError(f"key profiles {profiles!r}", f"known: {', '.join(KEY_PROFILES)}")
    major, minor = KEY_PROFILES[profiles]
    best, best_r = ("C", "major"), -np.inf
    if not np.any(profile > 0) or np.ptp(profile) == 0:
        return best  # silence or a flat spectrum: no key to find
    for tonic in range(12):
        for name, ref in (("major", major), ("minor", minor)):
            r = np.corrcoef(profile, np.roll(ref, tonic))[0, 1]
            if r > best_r:
                best, best_r = (NOTE_NAMES[tonic], name), r
    return best


def tempo_matches(estimated: float, planned: float, tolerance: float = 0.04) -> bool:
    """Within `tolerance` of the planned tempo, or of exactly half or double it."""
    return any(abs(estimated - planned * f) <= tolerance * planned * f for f in (1.0, 0.5, 2.0))


def key_matches(estimated: tuple[str, str], key: str, mode: str) -> bool:
    """Tonic and major/minor quality agree (modes compare by their tonic triad's quality)."""
    return estimated == (key, MODE_QUALITY[mode])
