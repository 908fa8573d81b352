"""Data card (OUT/README.md) for a built corpus: counts per attribute, hours, seed, command."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

FORMAT_NOTE = """Each line of `captions.jsonl` is one clip: `file` (FLAC, 44.1 kHz stereo, 16-bit, relative
path), `split` (train/val/test: clip index mod 20 == 7 is test, == 13 is val), `captions` (training
wordings), `reserved_captions` (val/test only: wordings and templates never used in training
captions), `plan` (the generator's musical description: kind, style, tempo_bpm, key, mode, meter,
instruments with role and family, drums, energy, dynamics, register, swing, reverb/tone/width/
sidechain, oneshot, pitch, families), `seed`, `duration_s` and `degradations` (caption-preserving
processing applied to ~60 % of training clips: reverb, EQ, saturation, compression, low sample
rate, bit depth, codec smearing, noise)."""


def _table(title: str, counter: Counter, limit: int | None = None) -> str:
    rows = counter.most_common(limit)
    lines = [f"### {title}", "", "| value | clips |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def _tempo_bucket(bpm) -> str:
    if bpm is None:
        return "none (one-shot)"
    lo = int(bpm // 20 * 20)
    return f"{lo}-{lo + 19}"


def write_datacard(out: Path, records: list[dict], seed: int, clips: int, command: str | None) -> float:
    """Write OUT/README.md; return total audio hours."""
    seconds = sum(r.get("duration_s", 0.0) for r in records)
    hours = seconds / 3600
    c = {k: Counter() for k in ("split", "kind", "style", "family", "instrument", "drums", "key", "mode",
                                "meter", "tempo", "oneshot", "degradation", "duration")}
    for r in records:
        p = r["plan"]
        c["split"][r["split"]] += 1
        c["kind"][p["kind"]] += 1
        c["style"][p["style"] or "none"] += 1
        for f in p.get("families", []):
            c["family"][f] += 1
        for inst in p.get("instruments", []):
            c["instrument"][inst["instrument"]] += 1
        if p.get("drums"):
            c["drums"][p["drums"]] += 1
        c["key"][p["key"] or "none"] += 1
        c["mode"][p["mode"] or "none"] += 1
        c["meter"][p["meter"] or "none"] += 1
        c["tempo"][_tempo_bucket(p["tempo_bpm"])] += 1
        if p.get("oneshot"):
            c["oneshot"][p["oneshot"]] += 1
        for d in r.get("degradations", []):
            c["degradation"][d] += 1
        d = r.get("duration_s", 0.0)
        c["duration"]["< 1 s" if d < 1 else "1-4 s" if d < 4 else "4-8 s" if d < 8 else "8-15 s" if d <= 15 else "> 15 s"] += 1
    degraded = sum(1 for r in records if r.get("degradations"))
    text = [f"# Synthetic captioned music corpus", "",
            f"Built by cratedig's music engine (`generator/`). Seed **{seed}**, {len(records)} of {clips} clips, "
            f"**{hours:.2f} hours** of audio; {degraded} clips degraded.", "",
            f"Command: `{command or f'cratedig corpus build OUT --clips {clips} --seed {seed}'}`", "",
            "## Format", "", FORMAT_NOTE, "", "## Counts", ""]
    text.append(_table("Split", c["split"]))
    text.append(_table("Kind", c["kind"]))
    text.append(_table("Duration", c["duration"]))
    text.append(_table("Style", c["style"]))
    text.append(_table("Instrument family", c["family"]))
    text.append(_table("Instrument (top 60)", c["instrument"], 60))
    text.append(_table("Drums", c["drums"]))
    text.append(_table("One-shot kind", c["oneshot"]))
    text.append(_table("Key", c["key"]))
    text.append(_table("Mode", c["mode"]))
    text.append(_table("Meter", c["meter"]))
    text.append(_table("Tempo (BPM)", c["tempo"]))
    text.append(_table("Degradation", c["degradation"]))
    (out / "README.md").write_text("\n".join(text), encoding="utf-8")
    return hours
