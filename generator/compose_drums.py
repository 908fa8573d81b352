"""Drum grooves per style, with fills and per-bar variation.

Grooves are written on a 16-step grid for 4/4 and a 12-step grid for 3/4 and 6/8, one string
per drum: 'x' accent, 'o' normal, '.' ghost (soft), '-' rest.
"""
from __future__ import annotations

import numpy as np

from .theory import DRUM

V = {"x": 118, "o": 96, ".": 52}

GROOVES: dict[str, dict[str, str]] = {
    "rock": {"kick": "x-----o-x-o-----", "snare": "----x-------x---", "hat_closed": "o-o-o-o-o-o-o-o-"},
    "halftime": {"kick": "x-----o---o-----", "snare": "--------x-------", "hat_closed": "o-o-o-o-o-o-o-o-"},
    "pop": {"kick": "x-----o-x-------", "snare": "----x-------x---", "hat_closed": "o-oo-oo-o-oo-oo-",
            "tambourine": "----o-------o---"},
    "funk": {"kick": "x-o-----o-o--o--", "snare": "----x--.-.--x--.", "hat_closed": "oooooooooooooooo"},
    "boombap": {"kick": "x------o-ox-----", "snare": "----x-------x---", "hat_closed": "o-o-o-o-o-o-o-o-"},
    "lofi": {"kick": "x-----o---x-----", "snare": "----x-------x--.", "hat_closed": "o-o-ooo-o-o-o-oo"},
    "trap": {"kick": "x------x--x-----", "snare": "--------x-------", "hat_closed": "oooooooooooooooo"},
    "four_floor": {"kick": "x---x---x---x---", "clap": "----x-------x---", "hat_closed": "--o---o---o---o-",
                   "hat_open": "--o---o---o---o-"},
    "techno": {"kick": "x---x---x---x---", "hat_closed": "oooooooooooooooo", "hat_open": "--o---o---o---o-",
               "clap": "----o-------o---", "rim": "---o--o----o--o-"},
    "dnb": {"kick": "x---------x-----", "snare": "----x-------x---", "hat_closed": "o-o-o-o-o-o-o-oo"},
    "jazz": {"ride": "x--o-ox--o-ox--o", "hat_pedal": "----x-------x---", "kick": "x---------------",
             "snare": "-------.------.-"},
    "shuffle": {"kick": "x-------x-------", "snare": "----x-------x---", "hat_closed": "o-oo-oo-oo-oo-oo"},
    "one_drop": {"kick": "--------x-------", "rim": "--------x-------", "hat_closed": "o-o-o-o-o-o-o-o-"},
    "bossa": {"kick": "x--o x--o x--o x--o".replace(" ", "")[:16], "rim": "x--x--x---x--x--",
              "hat_closed": "o-o-o-o-o-o-o-o-"},
    "salsa": {"cowbell": "x-o-x-o-x-o-x-o-", "conga_hi": "------o-------o-", "conga_lo": "--o-o-----o-o---",
              "claves": "x--x---x--x-x---", "kick": "------x--------x"},
    "latin_perc": {"conga_hi": "x--o--x-x--o--x-", "conga_lo": "---x------x-----", "shaker": "oooooooooooooooo"},
    "metal": {"kick": "xoxoxoxoxoxoxoxo", "snare": "----x-------x---", "crash": "x-------x-------"},
    "folk": {"kick": "x-------x-------", "snare": "----o-------o---", "hat_closed": "o-o-o-o-o-o-o-o-"},
    "epic": {"kick": "x-----x-x-------", "snare": "--------x-------", "tom_low": "x--x--x---x-x---",
             "crash": "x---------------"},
    "sparse": {"kick": "x---------------", "hat_closed": "--o---o---o---o-"},
    "chip": {"kick": "x-------x-x-----", "snare": "----x-------x---", "hat_closed": "o-o-o-o-o-o-o-o-"},
    # Three-based meters (12 steps of sixteenths per bar)
    "waltz": {"kick": "x-----------", "snare": "----o---o---", "hat_closed": "o-o-o-o-o-o-"},
    "six_eight": {"kick": "x-----o-----", "snare": "------x-----", "hat_closed": "o-o-o-o-o-o-"},
    "three_four": {"kick": "x-------o---", "snare": "----x-------", "hat_closed": "o-o-o-o-o-o-"},
}
THREE_GROOVES = {"waltz", "six_eight", "three_four"}


def groove_for(name: str, meter: str) -> dict[str, str]:
    steps = 16 if meter == "4/4" else 12
    if steps == 12 and name not in THREE_GROOVES:
        name = "six_eight" if meter == "6/8" else "three_four"
    if steps == 16 and name in THREE_GROOVES:
        name = "rock"
    return GROOVES[name]


def drum_pattern(groove: str, meter: str, n_bars: int, energy: str, rng: np.random.Generator,
                 fills: bool, sections: list[bool] | None = None) -> list[tuple[int, int, int, int]]:
    """-> list of (bar, step, gm_note, velocity). Fills close every fourth bar when `fills`."""
    g = groove_for(groove, meter)
    steps = 16 if meter == "4/4" else 12
    hits = []
    for bar in range(n_bars):
        if sections is not None and not sections[bar]:
            continue
        fill_bar = fills and n_bars >= 4 and (bar % 4 == 3)
        for drum, pattern in g.items():
            note = DRUM[drum]
            for step, ch in enumerate(pattern[:steps]):
                if ch == "-":
                    continue
                if fill_bar and step >= steps // 2 and drum not in ("kick",):
                    continue
                # Low energy thins the hats to eighths; variation drops a few weak notes.
                if drum.startswith("hat") and energy == "low" and step % 2 == 1:
                    continue
                if ch == "." and rng.random() < 0.35:
                    continue
                vel = V[ch] + int(rng.integers(-8, 9))
                if drum.startswith("hat") and step % 4 != 0:
                    vel -= 14
                hits.append((bar, step, note, vel))
        if energy == "high" and "snare" in g and rng.random() < 0.5:
            hits.append((bar, steps - 1 if steps == 16 else 11, DRUM["snare"], 50))  # ghost pickup
        if groove == "trap" and rng.random() < 0.7:
            # trap hat rolls: 32nd-note triplet-ish bursts on one beat
            beat = int(rng.integers(1, 4)) * 4
            for k in range(4):
                hits.append((bar, beat + k * 0.5, DRUM["hat_closed"], 70 + 8 * k))
        if fill_bar:
            toms = [DRUM["tom_hi"], DRUM["tom_mid"], DRUM["tom_lowmid"], DRUM["tom_low"]]
            kind = rng.integers(3)
            for i, step in enumerate(range(steps // 2, steps)):
                if kind == 0:
                    hits.append((bar, step, toms[min(3, i * 4 // (steps // 2))], 90 + i * 3))
                elif kind == 1:
                    hits.append((bar, step, DRUM["snare"], 60 + i * 7))
                elif step % 2 == 0:
                    hits.append((bar, step, toms[(i // 2) % 4] if i % 4 else DRUM["snare"], 100))
        if bar % 8 == 0 and bar > 0 and groove not in ("sparse",):
            hits.append((bar, 0, DRUM["crash"], 110))
    return [(b, s, n, int(min(127, max(1, v)))) for b, s, n, v in hits]
