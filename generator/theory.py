"""Music theory tables: keys, modes, chords, the General MIDI instrument vocabulary and families.

Everything here is data plus tiny pure functions, shared by the plan, composer, renderer and
captions so that the words in a caption and the sound in a render come from one table.
"""
from __future__ import annotations

from dataclasses import dataclass

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Caption spellings: musicians write Bb minor rather than A# minor.
FLAT_NAMES = {"C#": "Db", "D#": "Eb", "F#": "Gb", "G#": "Ab", "A#": "Bb"}

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
}
# What a major/minor key estimator should call each mode (the tonic triad's quality).
MODE_QUALITY = {"major": "major", "minor": "minor", "dorian": "minor", "mixolydian": "major",
                "phrygian": "minor", "lydian": "major"}
METERS: dict[str, tuple[int, int]] = {"4/4": (16, 4), "3/4": (12, 3), "6/8": (12, 2)}
"""meter -> (sixteenth steps per bar, beats per bar); in 6/8 the beat is the dotted quarter."""

FAMILIES = ("piano", "keys", "organ", "guitar", "bass", "strings", "brass", "woodwind",
            "synth lead", "synth pad", "choir", "mallet", "plucked", "drums", "percussion", "fx")


def pitch_class(key: str) -> int:
    return NOTE_NAMES.index(key)


def note_name(pitch: int) -> str:
    """MIDI pitch -> scientific name, e.g. 60 -> 'C4'."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def scale_pitches(key: str, mode: str, low: int, high: int) -> list[int]:
    """All pitches of the scale in [low, high]."""
    tonic = pitch_class(key)
    steps = {(tonic + i) % 12 for i in MODES[mode]}
    return [p for p in range(low, high + 1) if p % 12 in steps]


def degree_pitch(key: str, mode: str, degree: int, octave_base: int) -> int:
    """Scale degree (0-based, may exceed 6 or be negative) -> MIDI pitch above `octave_base` C."""
    iv = MODES[mode]
    octave, d = divmod(degree, 7)
    return octave_base + pitch_class(key) + iv[d] + 12 * octave


@dataclass(frozen=True)
class Chord:
    root: int          # pitch class 0-11
    tones: tuple[int, ...]  # intervals above the root
    degree: int        # scale degree 0-6 it was built on

    def pitches(self, low: int, count: int = 3) -> list[int]:
        """Close voicing of the first `count` tones, root at or above `low`."""
        base = low + ((self.root - low) % 12)
        return [base + t for t in self.tones[:count]]


def diatonic_chord(key: str, mode: str, degree: int, seventh: bool = False,
                   quality: str | None = None) -> Chord:
    """Triad (or seventh) on a scale degree; `quality` ('maj', 'min', 'dom7') overrides the
    diatonic one, e.g. the raised V of a minor-key cadence."""
    iv = MODES[mode]
    d = degree % 7
    root = (pitch_class(key) + iv[d]) % 12
    stack = [(iv[(d + k) % 7] - iv[d]) % 12 for k in (0, 2, 4, 6)]
    if quality == "maj":
        stack = [0, 4, 7, 11 if stack[3] == 11 else 10]
    elif quality == "dom7":
        stack = [0, 4, 7, 10]
    elif quality == "min":
        stack = [0, 3, 7, 10]
    tones = tuple(stack if (seventh or quality == "dom7") else stack[:3])
    return Chord(root=root, tones=tones, degree=d)


@dataclass(frozen=True)
class GMInstrument:
    program: int
    slug: str
    words: tuple[str, ...]   # caption names, most common first
    family: str
    low: int = 36            # comfortable MIDI range
    high: int = 96
    sustained: bool = False  # holds notes (pads, strings, organ) rather than decaying


def _gm(program, slug, words, family, low=36, high=96, sustained=False):
    return GMInstrument(program, slug, tuple(words), family, low, high, sustained)


GM_INSTRUMENTS: dict[str, GMInstrument] = {g.slug: g for g in [
    _gm(0, "acoustic_grand_piano", ["grand piano", "piano", "acoustic piano"], "piano", 28, 100),
    _gm(1, "bright_piano", ["bright piano", "piano"], "piano", 28, 100),
    _gm(3, "honky_tonk_piano", ["honky-tonk piano", "saloon piano", "piano"], "piano", 36, 96),
    _gm(4, "electric_piano", ["electric piano", "rhodes", "e-piano"], "keys", 36, 96),
    _gm(5, "fm_electric_piano", ["fm electric piano", "dx7 piano", "electric piano"], "keys", 36, 96),
    _gm(6, "harpsichord", ["harpsichord"], "keys", 36, 96),
    _gm(7, "clavinet", ["clavinet", "clav", "funky clav"], "keys", 36, 90),
    _gm(8, "celesta", ["celesta"], "mallet", 60, 108),
    _gm(9, "glockenspiel", ["glockenspiel", "bells"], "mallet", 72, 108),
    _gm(10, "music_box", ["music box"], "mallet", 60, 100),
    _gm(11, "vibraphone", ["vibraphone", "vibes"], "mallet", 53, 89),
    _gm(12, "marimba", ["marimba"], "mallet", 45, 96),
    _gm(13, "xylophone", ["xylophone"], "mallet", 65, 108),
    _gm(14, "tubular_bells", ["tubular bells", "chimes"], "mallet", 60, 84),
    _gm(16, "drawbar_organ", ["organ", "hammond organ", "drawbar organ"], "organ", 36, 96, True),
    _gm(17, "percussive_organ", ["percussive organ", "organ"], "organ", 36, 96, True),
    _gm(18, "rock_organ", ["rock organ", "organ"], "organ", 36, 96, True),
    _gm(19, "church_organ", ["church organ", "pipe organ"], "organ", 24, 96, True),
    _gm(21, "accordion", ["accordion"], "organ", 48, 89, True),
    _gm(22, "harmonica", ["harmonica", "blues harp"], "woodwind", 60, 84, True),
    _gm(24, "nylon_guitar", ["nylon guitar", "classical guitar", "acoustic guitar"], "guitar", 40, 84),
    _gm(25, "steel_guitar", ["acoustic guitar", "steel-string guitar"], "guitar", 40, 84),
    _gm(26, "jazz_guitar", ["jazz guitar", "hollow-body guitar"], "guitar", 40, 84),
    _gm(27, "clean_guitar", ["clean electric guitar", "clean guitar", "electric guitar"], "guitar", 40, 86),
    _gm(28, "muted_guitar", ["muted guitar", "palm-muted guitar"], "guitar", 40, 80),
    _gm(29, "overdrive_guitar", ["overdriven guitar", "crunchy guitar", "electric guitar"], "guitar", 40, 86),
    _gm(30, "distortion_guitar", ["distorted guitar", "heavy guitar", "electric guitar"], "guitar", 40, 86),
    _gm(32, "acoustic_bass", ["upright bass", "double bass", "acoustic bass"], "bass", 28, 55),
    _gm(33, "finger_bass", ["electric bass", "bass guitar", "fingered bass"], "bass", 28, 60),
    _gm(34, "pick_bass", ["picked bass", "electric bass", "bass guitar"], "bass", 28, 60),
    _gm(35, "fretless_bass", ["fretless bass"], "bass", 28, 60),
    _gm(36, "slap_bass", ["slap bass"], "bass", 28, 60),
    _gm(38, "synth_bass_1", ["synth bass"], "bass", 24, 55),
    _gm(39, "synth_bass_2", ["synth bass", "analog-style bass"], "bass", 24, 55),
    _gm(40, "violin", ["violin"], "strings", 55, 100, True),
    _gm(41, "viola", ["viola"], "strings", 48, 88, True),
    _gm(42, "cello", ["cello"], "strings", 36, 76, True),
    _gm(43, "contrabass", ["contrabass", "double bass"], "strings", 28, 55, True),
    _gm(44, "tremolo_strings", ["tremolo strings", "strings"], "strings", 40, 96, True),
    _gm(45, "pizzicato_strings", ["pizzicato strings", "pizzicato"], "strings", 40, 90),
    _gm(46, "harp", ["harp", "orchestral harp"], "plucked", 36, 96),
    _gm(47, "timpani", ["timpani"], "percussion", 36, 57),
    _gm(48, "string_ensemble", ["string ensemble", "strings", "string section"], "strings", 36, 96, True),
    _gm(49, "slow_strings", ["slow strings", "lush strings", "strings"], "strings", 36, 96, True),
    _gm(50, "synth_strings", ["synth strings"], "synth pad", 36, 96, True),
    _gm(52, "choir_aahs", ["choir", "choir aahs", "vocal choir"], "choir", 48, 84, True),
    _gm(53, "voice_oohs", ["ooh vocals", "voice pad", "choir"], "choir", 48, 84, True),
    _gm(54, "synth_voice", ["synth voice", "vocoder-like voice"], "choir", 48, 84, True),
    _gm(55, "orchestra_hit", ["orchestra hit", "orchestral stab"], "brass", 48, 84),
    _gm(56, "trumpet", ["trumpet"], "brass", 55, 82, True),
    _gm(57, "trombone", ["trombone"], "brass", 40, 72, True),
    _gm(58, "tuba", ["tuba"], "brass", 28, 58, True),
    _gm(59, "muted_trumpet", ["muted trumpet"], "brass", 55, 82, True),
    _gm(60, "french_horn", ["french horn", "horns"], "brass", 41, 77, True),
    _gm(61, "brass_section", ["brass section", "brass", "horn section"], "brass", 40, 84, True),
    _gm(62, "synth_brass", ["synth brass"], "brass", 40, 84, True),
    _gm(64, "soprano_sax", ["soprano sax", "saxophone"], "woodwind", 56, 87, True),
    _gm(65, "alto_sax", ["alto sax", "saxophone", "sax"], "woodwind", 49, 81, True),
    _gm(66, "tenor_sax", ["tenor sax", "saxophone", "sax"], "woodwind", 44, 76, True),
    _gm(67, "baritone_sax", ["baritone sax", "bari sax"], "woodwind", 36, 69, True),
    _gm(68, "oboe", ["oboe"], "woodwind", 58, 91, True),
    _gm(70, "bassoon", ["bassoon"], "woodwind", 34, 72, True),
    _gm(71, "clarinet", ["clarinet"], "woodwind", 50, 91, True),
    _gm(72, "piccolo", ["piccolo"], "woodwind", 74, 108, True),
    _gm(73, "flute", ["flute"], "woodwind", 60, 96, True),
    _gm(74, "recorder", ["recorder"], "woodwind", 60, 96, True),
    _gm(75, "pan_flute", ["pan flute", "pan pipes"], "woodwind", 60, 96, True),
    _gm(77, "shakuhachi", ["shakuhachi", "bamboo flute"], "woodwind", 55, 84, True),
    _gm(78, "whistle", ["whistle", "whistling"], "woodwind", 72, 96, True),
    _gm(79, "ocarina", ["ocarina"], "woodwind", 60, 96, True),
    _gm(80, "square_lead", ["square lead", "square wave synth", "synth lead"], "synth lead", 48, 96, True),
    _gm(81, "saw_lead", ["saw lead", "sawtooth synth", "synth lead"], "synth lead", 48, 96, True),
    _gm(82, "calliope_lead", ["calliope lead", "synth lead"], "synth lead", 48, 96, True),
    _gm(84, "charang_lead", ["charang lead", "distorted synth lead"], "synth lead", 48, 90, True),
    _gm(85, "voice_lead", ["voice lead", "vocal synth"], "synth lead", 48, 90, True),
    _gm(87, "bass_and_lead", ["bass and lead synth", "synth lead"], "synth lead", 36, 84, True),
    _gm(88, "new_age_pad", ["new age pad", "fantasia pad", "synth pad"], "synth pad", 48, 90, True),
    _gm(89, "warm_pad", ["warm pad", "synth pad", "soft pad"], "synth pad", 36, 90, True),
    _gm(90, "polysynth", ["polysynth", "synth chords"], "synth pad", 36, 90, True),
    _gm(91, "space_voice_pad", ["choir pad", "space voice pad"], "synth pad", 48, 84, True),
    _gm(92, "bowed_glass_pad", ["bowed glass pad", "glassy pad"], "synth pad", 48, 90, True),
    _gm(94, "halo_pad", ["halo pad", "airy pad", "synth pad"], "synth pad", 48, 90, True),
    _gm(95, "sweep_pad", ["sweep pad", "filter sweep pad"], "synth pad", 48, 90, True),
    _gm(96, "rain_fx", ["ice rain synth", "sparkly synth"], "fx", 48, 90, True),
    _gm(98, "crystal_fx", ["crystal synth", "bell-like synth"], "fx", 48, 96),
    _gm(99, "atmosphere_fx", ["atmosphere synth", "atmospheric synth"], "fx", 48, 90, True),
    _gm(104, "sitar", ["sitar"], "plucked", 48, 84),
    _gm(105, "banjo", ["banjo"], "plucked", 48, 84),
    _gm(106, "shamisen", ["shamisen"], "plucked", 50, 84),
    _gm(107, "koto", ["koto"], "plucked", 50, 90),
    _gm(108, "kalimba", ["kalimba", "thumb piano"], "mallet", 60, 96),
    _gm(109, "bagpipe", ["bagpipes"], "woodwind", 55, 77, True),
    _gm(110, "fiddle", ["fiddle"], "strings", 55, 96, True),
    _gm(114, "steel_drums", ["steel drums", "steelpan"], "mallet", 55, 88),
    _gm(116, "taiko", ["taiko drum", "taiko"], "percussion", 36, 60),
    _gm(117, "melodic_tom", ["melodic toms"], "percussion", 36, 72),
]}
GM_BY_PROGRAM: dict[int, GMInstrument] = {g.program: g for g in GM_INSTRUMENTS.values()}

# GM drum kits as presets of bank 128 in a standard soundfont.
GM_KITS: dict[str, int] = {"standard": 0, "room": 8, "power": 16, "electronic": 24, "tr808": 25,
                           "jazz": 32, "brush": 40, "orchestra": 48}
KIT_WORDS = {"standard": ["drum kit", "acoustic drums", "drums"], "room": ["roomy drum kit", "live drums"],
             "power": ["big rock drums", "power kit"], "electronic": ["electronic drums", "drum machine"],
             "tr808": ["808 drum machine", "808 drums"], "jazz": ["jazz kit", "jazz drums"],
             "brush": ["brushed drums", "brushes"], "orchestra": ["orchestral percussion", "concert drums"]}

# GM percussion key map (channel 10) for the notes the composer uses.
DRUM = {"kick": 36, "kick2": 35, "snare": 38, "rim": 37, "clap": 39, "snare2": 40, "hat_closed": 42,
        "hat_pedal": 44, "hat_open": 46, "tom_low": 41, "tom_lowmid": 45, "tom_mid": 47, "tom_hi": 48,
        "tom_hi2": 50, "crash": 49, "ride": 51, "china": 52, "ride_bell": 53, "tambourine": 54,
        "splash": 55, "cowbell": 56, "crash2": 57, "bongo_hi": 60, "bongo_lo": 61, "conga_mute": 62,
        "conga_hi": 63, "conga_lo": 64, "timbale_hi": 65, "timbale_lo": 66, "agogo": 67,
        "cabasa": 69, "maracas": 70, "claves": 75, "woodblock": 76, "triangle": 81, "shaker": 82}
DRUM_WORDS = {36: "kick", 35: "kick", 38: "snare", 40: "snare", 37: "rimshot", 39: "clap",
              42: "closed hi-hat", 44: "pedal hi-hat", 46: "open hi-hat", 41: "floor tom",
              45: "low tom", 47: "mid tom", 48: "high tom", 50: "high tom", 49: "crash cymbal",
              57: "crash cymbal", 51: "ride cymbal", 53: "ride bell", 52: "china cymbal",
              55: "splash cymbal", 54: "tambourine", 56: "cowbell", 60: "bongo", 61: "bongo",
              62: "conga", 63: "conga", 64: "conga", 65: "timbale", 66: "timbale", 67: "agogo",
              69: "cabasa", 70: "maracas", 75: "claves", 76: "woodblock", 81: "triangle", 82: "shaker"}


def resolve_gm(name: str | int) -> GMInstrument:
    """A GM instrument by slug or program number (int or digit string); KeyError if unknown."""
    if isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
        return GM_BY_PROGRAM[int(name)]
    return GM_INSTRUMENTS[name]


_ROMAN = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


class ChordSymbolError(ValueError):
    def __init__(self, symbol: str, reason: str):
        super().__init__(f"chord {symbol!r}: {reason}")
        self.symbol, self.reason = symbol, reason


def roman_chord(symbol: str, key: str, mode: str) -> Chord:
    """Roman numeral -> Chord on that degree of the mode's scale.

    Upper case = major triad, lower case = minor, suffix 'o' = diminished, '7' = seventh
    (dominant on upper case, minor seventh on lower case), 'M7' = major seventh. The root is the
    mode's own degree, so 'VII' in C minor is Bb major and 'V' in C minor is G major (the raised
    leading tone of a minor cadence)."""
    s = symbol
    suffix = ""
    for suf in ("M7", "o7", "7", "o"):
        if s.endswith(suf):
            s, suffix = s[: -len(suf)], suf
            break
    low = s.lower()
    if low not in _ROMAN:
        raise ChordSymbolError(symbol, "not a roman numeral I-VII")
    degree = _ROMAN[low]
    root = (pitch_class(key) + MODES[mode][degree]) % 12
    upper = s.isupper()
    if suffix == "o":
        tones = (0, 3, 6)
    elif suffix == "o7":
        tones = (0, 3, 6, 10)
    elif suffix == "M7":
        tones = (0, 4, 7, 11) if upper else (0, 3, 7, 11)
    elif suffix == "7":
        tones = (0, 4, 7, 10) if upper else (0, 3, 7, 10)
    else:
        tones = (0, 4, 7) if upper else (0, 3, 7)
    return Chord(root=root, tones=tones, degree=degree)
