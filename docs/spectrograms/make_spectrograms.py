"""Render a dozen plans across styles and one-shot kinds and save mel spectrograms here, with an
index (README.md) giving each plan and a caption — a listening proxy for readers.

    .venv/bin/python docs/spectrograms/make_spectrograms.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from generator.captions import caption  # noqa: E402
from generator.engine import make_audio  # noqa: E402
from generator.plan import Part, Plan  # noqa: E402


def _music(style, kind, dur, bpm, key, mode, parts, drums, **kw):
    return Plan(kind=kind, style=style, duration_s=dur, tempo_bpm=bpm, key=key, mode=mode,
                instruments=tuple(Part(r, i) for r, i in parts), drums=drums, **kw)


def _shot(oneshot, dur, parts=(), drums=None, **kw):
    return Plan(kind="one-shot", style=None, duration_s=dur, tempo_bpm=None, key=kw.pop("key", None),
                mode=kw.pop("mode", None), meter=None, instruments=tuple(Part(r, i) for r, i in parts),
                drums=drums, oneshot=oneshot, **kw)


PLANS = {
    "rock_arrangement": _music("rock", "arrangement", 12.0, 132, "E", "minor",
                               [("bass", "pick_bass"), ("chords", "overdrive_guitar"), ("lead", "rock_organ")], "power"),
    "jazz_loop": _music("jazz", "loop", 8.0, 120, "F", "major",
                        [("bass", "acoustic_bass"), ("chords", "acoustic_grand_piano"), ("lead", "tenor_sax")], "jazz",
                        swing=0.64, reverb="room"),
    "house_loop_sidechained": _music("house", "loop", 7.5, 128, "A", "minor",
                                     [("bass", "synth:analog_bass"), ("chords", "synth:stab"), ("pad", "synth:saw_pad")],
                                     "machine:909", sidechain=True),
    "trap_loop": _music("trap", "loop", 6.86, 140, "C#", "minor",
                        [("bass", "synth:808_bass"), ("lead", "synth:fm_bell")], "machine:808"),
    "acid_techno": _music("acid", "loop", 7.5, 128, "F", "minor", [("bass", "synth:acid_bass")], "machine:909"),
    "classical_piano_waltz": _music("classical", "arrangement", 10.0, 96, "D", "major",
                                    [("chords", "acoustic_grand_piano"), ("lead", "acoustic_grand_piano")], None,
                                    meter="3/4", reverb="hall"),
    "cinematic_strings": _music("cinematic", "arrangement", 12.0, 80, "D", "minor",
                                [("bass", "contrabass"), ("chords", "string_ensemble"), ("lead", "french_horn")],
                                "orchestra", reverb="hall", dynamics="building"),
    "chiptune_loop": _music("chiptune", "loop", 7.06, 136, "G", "major",
                            [("bass", "synth:chip_triangle"), ("chords", "synth:chip_arp"), ("lead", "synth:chip_pulse")],
                            "machine:chip", reverb="dry"),
    "ambient_pad": _music("ambient", "arrangement", 12.0, 70, "E", "lydian",
                          [("pad", "halo_pad"), ("lead", "synth:fm_bell")], None, reverb="hall", energy="low"),
    "kick_808": _shot("kick", 1.0, drums="machine:808", pitch=36),
    "explosion_sfx": _shot("sfx:explosion", 3.0, parts=[("fx", "sfx:explosion")]),
    "pad_swell": _shot("pad_swell", 4.0, parts=[("pad", "warm_pad")], key="C", mode="minor", reverb="hall"),
}


def main():
    import librosa
    import librosa.display
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    lines = ["# Spectrograms of engine renders", "",
             "Made by `docs/spectrograms/make_spectrograms.py` (seed 7 for every plan). Mel spectrograms, "
             "0-16 kHz, of the mixed stereo render after effects and loudness normalisation.", ""]
    for name, plan in PLANS.items():
        audio, sr = make_audio(plan, seed=7)
        mono = audio.mean(axis=1)
        S = librosa.feature.melspectrogram(y=mono, sr=sr, n_mels=128, fmax=16000, hop_length=512)
        fig, ax = plt.subplots(figsize=(8, 3), dpi=80)
        librosa.display.specshow(librosa.power_to_db(S, ref=np.max), sr=sr, hop_length=512, x_axis="time",
                                 y_axis="mel", fmax=16000, ax=ax, cmap="magma")
        cap = caption(plan, np.random.default_rng(7))
        ax.set_title(f"{name}: {cap}", fontsize=9)
        fig.tight_layout()
        fig.savefig(HERE / f"{name}.png")
        plt.close(fig)
        insts = ", ".join(p.instrument for p in plan.instruments) or "-"
        lines += [f"## {name}", "", f"![{name}]({name}.png)", "",
                  f"kind {plan.kind}, style {plan.style}, tempo {plan.tempo_bpm}, key {plan.key} {plan.mode or ''}, "
                  f"instruments {insts}, drums {plan.drums}; caption: \"{cap}\"", ""]
        print(name, file=sys.stderr)
    (HERE / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
