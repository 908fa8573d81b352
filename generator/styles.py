"""Style table: per style the tempo range, meters, modes, grooves, progressions and instrument
choices per role. Plans sample from it; the composer and captions read it.

Instrument strings: a GM slug from `theory.GM_INSTRUMENTS` or `synth:<voice>` (generator.dsp).
Drum strings: a GM kit name from `theory.GM_KITS` or `machine:<name>` (generator.dsp.DRUM_MACHINES).
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAJOR_PROGS = ["I V vi IV", "I IV V I", "I vi IV V", "I IV vi V", "I iii IV V", "I IV I V",
               "I V IV I", "I ii V I", "I V I IV", "I I IV V"]
MINOR_PROGS = ["i VI III VII", "i iv V i", "i VI VII i", "i iv VII III", "i VII VI V",
               "i iv i V", "i VI iv V", "i III VII iv", "i VI i V", "i i iv V", "i VII i iv"]
MODAL_PROGS = {"dorian": ["i IV i IV", "i7 IV7 i7 IV7", "i ii i IV", "i i IV i", "i7 i7 IV7 i7"],
               "mixolydian": ["I VII IV I", "I VII I IV", "I v IV I", "I I VII I"],
               "phrygian": ["i II i vii", "i II vii i", "i i II i", "i II i i"],  # bVII is minor in phrygian
               "lydian": ["I II I II", "I II vii I"]}
BLUES_PROG = ["I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I7 IV7 I7 V7"]
JAZZ_PROGS = {"major": ["IM7 IM7 ii7 V7", "IM7 vi7 ii7 V7", "IM7 iii7 ii7 V7", "IM7 IV7 ii7 V7"],
              "minor": ["i7 i7 iio7 V7", "i7 iv7 V7 i7", "i7 VIM7 iio7 V7"]}


@dataclass(frozen=True)
class Style:
    name: str
    words: tuple[str, ...]              # caption names
    tempo: tuple[int, int]
    grooves: tuple[str, ...]            # drum groove names (compose_drums.GROOVES)
    kits: tuple[str, ...]
    roles: dict = field(default_factory=dict)  # role -> tuple of instrument strings
    meters: dict = field(default_factory=lambda: {"4/4": 1.0})
    modes: dict = field(default_factory=lambda: {"major": 0.5, "minor": 0.5})
    swing: tuple[float, float] = (0.0, 0.0)
    bass: str = "root"                  # bassline pattern (compose.BASS_PATTERNS)
    comp: str = "block"                 # chord comping pattern (compose.COMP_PATTERNS)
    progs: dict | None = None           # mode -> list of progressions; None = the generic pools
    sidechain: float = 0.0              # probability of a sidechained (pumping) mix
    drumless: float = 0.0               # probability a loop/arrangement has no drums

    def progressions(self, mode: str) -> list[str]:
        if self.progs and mode in self.progs:
            return self.progs[mode]
        if mode in MODAL_PROGS:
            return MODAL_PROGS[mode]
        return MAJOR_PROGS if mode == "major" else MINOR_PROGS


_PIANOS = ("acoustic_grand_piano", "bright_piano")
_EPS = ("electric_piano", "fm_electric_piano", "synth:fm_epiano")
_GTR_CLEAN = ("clean_guitar", "jazz_guitar", "muted_guitar")
_GTR_DIST = ("overdrive_guitar", "distortion_guitar")
_ACOUSTIC = ("steel_guitar", "nylon_guitar")
_EBASS = ("finger_bass", "pick_bass")
_SYNBASS = ("synth_bass_1", "synth_bass_2", "synth:acid_bass", "synth:sub_bass", "synth:analog_bass", "synth:fm_bass")
_PADS = ("warm_pad", "halo_pad", "new_age_pad", "sweep_pad", "polysynth", "synth_strings",
         "synth:saw_pad", "synth:string_pad", "synth:warm_pad", "synth:evolving_pad")
_LEADS = ("square_lead", "saw_lead", "synth:square_lead", "synth:saw_lead", "synth:pluck", "synth:sync_lead")

STYLES: dict[str, Style] = {s.name: s for s in [
    Style("rock", ("rock", "rock band", "guitar rock"), (90, 150), ("rock", "rock", "halftime"),
          ("standard", "room", "power"),
          {"bass": _EBASS, "chords": _GTR_DIST + ("clean_guitar",), "lead": _GTR_DIST + ("rock_organ",),
           "pad": ("rock_organ", "drawbar_organ")},
          modes={"major": 0.45, "minor": 0.35, "mixolydian": 0.2}, bass="eighths", comp="power"),
    Style("pop", ("pop", "pop song", "radio pop"), (90, 128), ("pop", "four_floor"),
          ("standard", "electronic"),
          {"bass": _EBASS + ("synth_bass_1",), "chords": _PIANOS + _ACOUSTIC + ("synth:stab",),
           "lead": ("square_lead", "synth:pluck", "flute", "electric_piano", "synth:square_lead"),
           "pad": _PADS + ("string_ensemble",)},
          modes={"major": 0.7, "minor": 0.3}, bass="root", comp="pulse8"),
    Style("jazz", ("jazz", "swing jazz", "jazzy"), (80, 180), ("jazz",), ("jazz", "brush"),
          {"bass": ("acoustic_bass",), "chords": _PIANOS + ("electric_piano", "jazz_guitar", "vibraphone"),
           "lead": ("alto_sax", "tenor_sax", "trumpet", "muted_trumpet", "vibraphone", "clarinet", "trombone")},
          modes={"major": 0.6, "minor": 0.4}, swing=(0.5, 0.67), bass="walking", comp="charleston",
          progs=JAZZ_PROGS),
    Style("blues", ("blues", "bluesy", "12-bar blues"), (70, 130), ("shuffle",), ("standard", "room"),
          {"bass": _EBASS + ("acoustic_bass",), "chords": ("clean_guitar", "overdrive_guitar") + _PIANOS + ("honky_tonk_piano", "drawbar_organ"),
           "lead": ("harmonica", "overdrive_guitar", "tenor_sax", "clean_guitar")},
          modes={"major": 1.0}, swing=(0.6, 0.67), bass="boogie", comp="shuffle",
          progs={"major": BLUES_PROG}),
    Style("funk", ("funk", "funky", "groove"), (90, 120), ("funk",), ("standard", "room", "electronic"),
          {"bass": ("slap_bass", "finger_bass", "synth_bass_2"), "chords": ("clavinet", "muted_guitar", "clean_guitar", "electric_piano"),
           "lead": ("brass_section", "alto_sax", "synth_brass", "trumpet"), "pad": ("drawbar_organ",)},
          modes={"dorian": 0.5, "minor": 0.25, "mixolydian": 0.25}, swing=(0.0, 0.55), bass="syncopated",
          comp="stabs16"),
    Style("hiphop", ("hip-hop", "boom bap", "hip hop beat", "rap instrumental"), (80, 98), ("boombap",),
          ("standard", "electronic", "tr808", "machine:808"),
          {"bass": _EBASS + ("synth_bass_1", "synth:sub_bass", "synth:808_bass", "acoustic_bass"), "chords": _PIANOS + _EPS + ("vibraphone",),
           "lead": ("flute", "electric_piano", "synth:fm_bell", "muted_trumpet"), "pad": ("string_ensemble", "warm_pad")},
          modes={"minor": 0.7, "dorian": 0.3}, swing=(0.5, 0.62), bass="sparse", comp="stabs"),
    Style("trap", ("trap", "trap beat", "808 trap"), (130, 160), ("trap",), ("tr808", "machine:808"),
          {"bass": ("synth:808_bass", "synth:808_bass", "synth:sub_bass", "synth_bass_1"), "chords": ("synth:fm_bell", "music_box", "pizzicato_strings", "synth:pluck", "string_ensemble"),
           "lead": ("synth:fm_bell", "flute", "synth:pluck", "music_box", "choir_aahs"), "pad": _PADS},
          modes={"minor": 0.85, "phrygian": 0.15}, bass="long808", comp="sparse_bells"),
    Style("house", ("house", "deep house", "house music"), (118, 128), ("four_floor",),
          ("electronic", "machine:909", "machine:808"),
          {"bass": _SYNBASS + ("finger_bass",), "chords": ("electric_piano", "synth:stab", "polysynth", "acoustic_grand_piano", "drawbar_organ"),
           "lead": ("synth:pluck", "saw_lead", "synth:square_lead"), "pad": _PADS},
          modes={"minor": 0.5, "major": 0.3, "dorian": 0.2}, bass="offbeat", comp="offbeat_stabs",
          sidechain=0.6),
    Style("techno", ("techno", "minimal techno", "warehouse techno"), (122, 140), ("techno",),
          ("machine:909", "machine:808", "electronic"),
          {"bass": ("synth:acid_bass", "synth:analog_bass", "synth:sub_bass", "synth_bass_2"),
           "chords": ("synth:stab", "polysynth"), "lead": ("synth:pluck", "synth:square_lead", "synth:saw_lead", "synth:sync_lead", "synth:hoover"),
           "pad": ("synth:saw_pad", "synth:evolving_pad", "sweep_pad", "atmosphere_fx")},
          modes={"minor": 0.6, "phrygian": 0.2, "dorian": 0.2}, bass="rolling16", comp="offbeat_stabs",
          sidechain=0.5),
    Style("acid", ("acid house", "acid", "303 acid"), (120, 135), ("four_floor", "techno"),
          ("machine:909", "machine:808"),
          {"bass": ("synth:acid_bass",), "chords": ("synth:stab",), "pad": ("synth:saw_pad",)},
          modes={"minor": 0.8, "phrygian": 0.2}, bass="acid", comp="offbeat_stabs", sidechain=0.3),
    Style("dnb", ("drum and bass", "dnb", "jungle"), (165, 178), ("dnb",), ("standard", "electronic", "machine:909"),
          {"bass": ("synth:reese_bass", "synth:sub_bass", "synth:wobble_bass", "synth_bass_2", "finger_bass"), "chords": ("electric_piano", "synth:stab"),
           "lead": ("synth:saw_lead", "synth:pluck"), "pad": _PADS + ("string_ensemble",)},
          modes={"minor": 0.8, "dorian": 0.2}, bass="halftime", comp="pad_hold"),
    Style("ambient", ("ambient", "atmospheric", "drone"), (60, 90), ("none", "sparse"), ("electronic",),
          {"pad": _PADS + ("choir_aahs", "slow_strings", "bowed_glass_pad", "atmosphere_fx", "synth:vocal_aah"),
           "lead": ("synth:fm_bell", "celesta", "kalimba", "crystal_fx", "acoustic_grand_piano"),
           "bass": ("synth:sub_bass", "warm_pad")},
          modes={"major": 0.4, "minor": 0.3, "lydian": 0.15, "dorian": 0.15}, bass="drone", comp="pad_hold",
          drumless=0.8),
    Style("cinematic", ("cinematic", "orchestral", "epic film score", "trailer music"), (60, 140), ("epic", "none"),
          ("orchestra",),
          {"bass": ("contrabass", "cello", "tuba"), "chords": ("string_ensemble", "tremolo_strings", "slow_strings", "choir_aahs"),
           "lead": ("french_horn", "trumpet", "violin", "flute", "oboe", "brass_section", "choir_aahs"),
           "pad": ("slow_strings", "choir_aahs", "string_ensemble")},
          modes={"minor": 0.7, "major": 0.3}, bass="root_long", comp="pad_hold", drumless=0.3),
    Style("classical", ("classical piano", "piano piece", "classical"), (60, 130), ("none",), ("standard",),
          {"chords": ("acoustic_grand_piano",), "lead": ("acoustic_grand_piano",), "bass": ("acoustic_grand_piano",)},
          modes={"major": 0.55, "minor": 0.45}, meters={"4/4": 0.5, "3/4": 0.35, "6/8": 0.15},
          bass="alberti_bass", comp="arpeggio", drumless=1.0),
    Style("folk", ("folk", "acoustic folk", "singer-songwriter"), (80, 130), ("folk", "none"), ("room", "brush"),
          {"chords": _ACOUSTIC, "bass": ("acoustic_bass", "finger_bass"),
           "lead": ("fiddle", "banjo", "harmonica", "flute", "recorder", "accordion", "violin", "whistle")},
          modes={"major": 0.6, "mixolydian": 0.2, "minor": 0.2}, meters={"4/4": 0.7, "3/4": 0.2, "6/8": 0.1},
          bass="root_fifth", comp="strum", drumless=0.3),
    Style("reggae", ("reggae", "dub", "roots reggae"), (66, 90), ("one_drop",), ("standard", "room"),
          {"bass": ("finger_bass", "synth_bass_1"), "chords": ("clean_guitar", "muted_guitar", "drawbar_organ", "acoustic_grand_piano"),
           "lead": ("harmonica", "trumpet", "alto_sax", "drawbar_organ")},
          modes={"major": 0.5, "minor": 0.5}, bass="reggae", comp="skank"),
    Style("latin", ("latin", "bossa nova", "salsa", "latin jazz"), (90, 130), ("bossa", "salsa"), ("standard", "jazz"),
          {"bass": ("acoustic_bass", "finger_bass"), "chords": ("nylon_guitar", "acoustic_grand_piano", "electric_piano"),
           "lead": ("flute", "trumpet", "alto_sax", "vibraphone", "marimba")},
          modes={"major": 0.5, "minor": 0.5}, bass="tumbao", comp="montuno", progs=JAZZ_PROGS),
    Style("lofi", ("lo-fi", "lofi hip hop", "chillhop", "lo-fi beats"), (70, 92), ("boombap", "lofi"),
          ("standard", "jazz", "brush", "tr808", "machine:lofi"),
          {"bass": ("acoustic_bass", "finger_bass", "synth:sub_bass"), "chords": _EPS + _PIANOS + ("jazz_guitar",),
           "lead": ("vibraphone", "flute", "electric_piano", "kalimba", "synth:fm_bell", "muted_guitar")},
          modes={"minor": 0.4, "dorian": 0.3, "major": 0.3}, swing=(0.52, 0.62), bass="sparse", comp="rhodes_lazy",
          progs=JAZZ_PROGS),
    Style("metal", ("metal", "heavy metal", "thrash"), (100, 180), ("metal", "rock"), ("power", "standard"),
          {"bass": ("pick_bass", "finger_bass"), "chords": ("distortion_guitar",), "lead": ("distortion_guitar", "overdrive_guitar")},
          modes={"minor": 0.7, "phrygian": 0.3}, bass="gallop", comp="power_chug"),
    Style("waltz", ("waltz", "viennese waltz", "three-four waltz"), (84, 180), ("waltz",), ("orchestra", "standard"),
          {"bass": ("tuba", "contrabass", "acoustic_bass", "acoustic_grand_piano"), "chords": ("string_ensemble", "acoustic_grand_piano", "accordion"),
           "lead": ("violin", "flute", "clarinet", "accordion", "acoustic_grand_piano")},
          modes={"major": 0.65, "minor": 0.35}, meters={"3/4": 1.0}, bass="waltz", comp="oom_pah"),
    Style("chiptune", ("chiptune", "8-bit", "video game music", "retro game"), (110, 170), ("chip",), ("machine:chip",),
          {"bass": ("synth:chip_triangle", "synth:chip_pulse_bass"), "chords": ("synth:chip_arp", "synth:chip_pulse"), "lead": ("synth:chip_pulse", "synth:chip_wave", "square_lead")},
          modes={"major": 0.6, "minor": 0.4}, bass="octaves", comp="arp16"),
    Style("synthwave", ("synthwave", "retrowave", "80s synth", "outrun"), (80, 118), ("pop", "four_floor"),
          ("electronic", "machine:808", "machine:606"),
          {"bass": ("synth:analog_bass", "synth_bass_2", "synth:fm_bass"), "chords": ("polysynth", "synth:stab", "synth_brass", "synth:brass_synth", "synth:fm_epiano"),
           "lead": ("saw_lead", "synth:saw_lead", "synth:square_lead", "synth:sync_lead", "synth:supersaw_lead"), "pad": ("synth:saw_pad", "warm_pad", "synth_strings", "synth:string_pad")},
          modes={"minor": 0.7, "major": 0.3}, bass="eighths", comp="pad_hold", sidechain=0.3),
    Style("world", ("world music", "ethnic", "eastern"), (70, 120), ("latin_perc", "none"), ("standard",),
          {"lead": ("sitar", "koto", "shamisen", "shakuhachi", "pan_flute", "bagpipe", "steel_drums", "kalimba", "ocarina"),
           "chords": ("harp", "nylon_guitar", "marimba", "koto"), "bass": ("acoustic_bass", "taiko"), "pad": ("warm_pad", "choir_aahs")},
          modes={"minor": 0.3, "dorian": 0.2, "phrygian": 0.2, "major": 0.3}, bass="root", comp="arpeggio",
          drumless=0.4),
    Style("gospel", ("gospel", "soul", "church organ soul"), (64, 110), ("pop", "shuffle"), ("standard", "room"),
          {"bass": _EBASS, "chords": ("drawbar_organ", "acoustic_grand_piano", "church_organ", "electric_piano"),
           "lead": ("choir_aahs", "voice_oohs", "alto_sax", "tenor_sax"), "pad": ("choir_aahs", "drawbar_organ", "synth:organ_synth", "synth:vocal_aah")},
          modes={"major": 0.8, "minor": 0.2}, meters={"4/4": 0.7, "6/8": 0.3}, swing=(0.0, 0.6), bass="root",
          comp="block"),
]}
