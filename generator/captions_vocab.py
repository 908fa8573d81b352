"""Caption vocabulary: attribute -> wordings. Each table has a training pool and a reserved pool;
reserved wordings appear only in evaluation captions (`reserved=True`), never in training ones,
so an evaluation can test paraphrase generalisation."""
from __future__ import annotations

TEMPO_WORDS = {  # (max_bpm, train, reserved)
    "slow": (82, ["slow", "laid-back", "downtempo", "relaxed", "slow-paced"], ["unhurried", "leisurely"]),
    "mid": (108, ["mid-tempo", "moderate tempo", "steady", "medium-paced"], ["walking-pace"]),
    "up": (135, ["upbeat", "lively", "driving", "bouncy"], ["peppy"]),
    "fast": (999, ["fast", "energetic", "high-tempo", "rapid-fire", "frantic"], ["brisk", "speedy"]),
}
MOOD_WORDS = {
    "major": (["happy", "uplifting", "cheerful", "bright", "feel-good", "positive"], ["joyful", "sunny"]),
    "minor": (["sad", "melancholic", "dark", "somber", "moody", "emotional"], ["mournful", "gloomy"]),
    "dorian": (["dorian", "soulful minor", "jazzy minor"], ["dorian-flavoured"]),
    "mixolydian": (["mixolydian", "bluesy major", "rock-flavoured major"], ["mixolydian-tinged"]),
    "phrygian": (["phrygian", "dark exotic", "menacing"], ["phrygian-flavoured"]),
    "lydian": (["lydian", "dreamy", "floating"], ["lydian-tinged"]),
}
ENERGY_WORDS = {
    "low": (["calm", "chill", "mellow", "gentle", "soft", "sparse"], ["tranquil", "subdued"]),
    "medium": (["steady", "groovy", "balanced"], ["easygoing"]),
    "high": (["energetic", "intense", "powerful", "hard-hitting", "busy"], ["fiery", "explosive"]),
}
DYNAMICS_WORDS = {
    "soft": (["quiet", "soft", "delicate"], ["hushed"]),
    "moderate": ([], []),
    "loud": (["loud", "punchy", "aggressive"], ["forceful"]),
    "building": (["building", "rising", "crescendo", "growing in intensity"], ["surging"]),
    "fading": (["fading", "dying down", "winding down"], ["receding"]),
}
REGISTER_WORDS = {"low": (["low", "deep", "low-register"], ["bassy"]), "mid": ([], []),
                  "high": (["high", "high-pitched", "high-register"], ["lofty"])}
REVERB_WORDS = {"dry": (["dry", "close-miked", "no reverb"], ["unprocessed"]),
                "room": (["roomy", "room reverb", "natural room sound"], ["live-room"]),
                "hall": (["reverberant", "spacious", "lush reverb", "hall reverb", "big reverb"], ["cavernous", "echoey"])}
TONE_WORDS = {"dark": (["dark", "warm", "muffled", "mellow-toned"], ["murky"]), "neutral": ([], []),
              "bright": (["bright", "crisp", "airy", "sparkling"], ["shimmering"])}
WIDTH_WORDS = {"narrow": (["mono", "narrow", "centered"], ["monophonic-sounding"]), "normal": ([], []),
               "wide": (["wide stereo", "wide", "stereo-wide"], ["panoramic"])}
SWING_WORDS = (["swung", "shuffled", "swing feel", "triplet swing"], ["lilting"])
SIDECHAIN_WORDS = (["sidechained", "pumping", "sidechain compression"], ["ducking"])
KIND_WORDS = {
    "loop": (["loop", "seamless loop", "looped", "bar loop", "sample loop"], ["repeating cycle"]),
    "arrangement": (["track", "piece", "instrumental", "song", "tune", "composition"], ["cue", "number"]),
    "one-shot": (["one-shot", "single hit", "sample", "one shot"], ["isolated sound"]),
}
DRUMLESS_WORDS = (["no drums", "drumless", "without percussion", "beatless"], ["percussion-free"])
SOLO_WORDS = (["solo", "unaccompanied", "alone"], ["by itself"])
METER_WORDS = {"3/4": (["3/4", "three-four time", "in three", "waltz time"], ["triple meter"]),
               "6/8": (["6/8", "six-eight", "compound time"], ["lilting 6/8 feel"]),
               "4/4": (["4/4", "common time"], ["duple meter"])}
GROOVE_TERMS = {  # style -> musician vocabulary true of its grooves
    "house": ["four on the floor", "offbeat hats", "offbeat bass"], "techno": ["four on the floor", "rolling bassline"],
    "acid": ["four on the floor", "squelchy 303 line"], "hiphop": ["boom bap", "dusty drums", "head-nod beat"],
    "trap": ["808s", "rolling hi-hats", "hi-hat rolls"], "dnb": ["breakbeat", "two-step beat", "170 energy"],
    "reggae": ["one drop", "offbeat skank"], "blues": ["12-bar", "shuffle"], "jazz": ["walking bass", "swing ride"],
    "funk": ["syncopated", "sixteenth-note groove", "slap"], "metal": ["palm-muted chugs", "double kick"],
    "latin": ["clave", "montuno"], "lofi": ["dusty", "laid-back swing", "jazzy chords"], "rock": ["power chords", "backbeat"],
    "waltz": ["oom-pah-pah", "three-four"], "chiptune": ["8-bit", "nes-style", "retro game"],
    "synthwave": ["retro 80s", "neon"], "classical": ["arpeggiated", "romantic"], "ambient": ["evolving", "drone"],
    "cinematic": ["epic", "film score"], "folk": ["strummed", "campfire"], "gospel": ["church", "soulful"],
    "pop": ["radio-ready", "catchy"], "world": ["traditional", "ethnic"],
}
ONESHOT_WORDS = {
    "kick": (["kick", "kick drum", "bass drum"], ["thump"]),
    "snare": (["snare", "snare drum", "snare hit"], ["snare crack"]),
    "clap": (["clap", "handclap"], ["hand clap hit"]),
    "hat_closed": (["closed hi-hat", "closed hat", "hihat"], ["tight hat tick"]),
    "hat_open": (["open hi-hat", "open hat"], ["sizzling hat"]),
    "cymbal": (["cymbal", "cymbal hit"], ["cymbal wash"]),
    "tom": (["tom", "tom drum", "tom hit"], ["tom thud"]),
    "percussion": (["percussion hit", "percussion"], ["hand percussion"]),
    "bass_hit": (["bass hit", "bass note", "808 hit"], ["low-end hit"]),
    "chord_stab": (["chord stab", "stab", "chord hit"], ["staccato chord"]),
    "pad_swell": (["pad swell", "swelling pad", "fade-in pad"], ["blooming pad"]),
    "riser": (["riser", "build-up", "uplifter"], ["ascending sweep"]),
    "impact": (["impact", "hit", "cinematic impact"], ["slam"]),
    "note": (["single note", "note", "one note"], ["lone tone"]),
}
TRAIN_TEMPLATES = [
    "{mood} {style} {kind}", "{style} {kind} with {insts}", "{tempo} {style} {kind} in {keyname}",
    "a {energy} {style} {kind} featuring {insts}", "{insts} playing a {mood} {style} groove",
    "{bpm} BPM {style} {kind}, {keyname}", "{style}, {bpm} bpm, {key_short}", "{insts} over {drums}",
    "{tempo} and {mood} {style} with {insts}", "{style} beat, {groove}", "{mood} {insts} {kind}",
    "A {tempo}, {mood} {style} {kind} in {keyname} with {insts}.",
    "{energy} {style} {kind} at {bpm} bpm with {insts} and {drums}",
    "{insts}, {style}, {mood}", "{style} {kind} in {meter}", "{mix} {style} {kind}",
]
RESERVED_TEMPLATES = [
    "I'm looking for a {mood} {style} piece featuring {insts}", "music: {style}; instruments: {insts}; tempo: {bpm}",
    "{insts}-driven {style}, {tempo}", "the sound of {insts} in a {mood} {style} setting",
    "need a {tempo} {style} cue around {bpm} beats per minute",
]
ONESHOT_TEMPLATES = ["{source} {shot}", "{shot}", "{shot} one-shot", "{adj} {shot}", "{source} {shot} sample",
                     "single {shot} from {source}", "{shot}, {adj}", "{adj} {source} {shot}"]
ONESHOT_RESERVED = ["an isolated {shot} sound", "{shot} recorded on its own, {adj}"]
NOTE_TEMPLATES = ["{inst} note", "single {inst} note {pitch}", "{inst} {pitch}", "{inst} one-shot",
                  "{adj} {inst} note", "one note played on {inst}", "{inst} sample, {pitch}"]
NOTE_RESERVED = ["a lone {inst} tone at {pitch}", "{pitch} struck on {inst}"]
SFX_TEMPLATES = ["{sfx}", "{sfx} sound effect", "{sfx} sfx", "{adj} {sfx}", "{sfx} sound", "sound of {sfx}",
                 "{sfx} foley"]
SFX_RESERVED = ["an audio clip of {sfx}", "{sfx} noise for a game"]
MACHINE_WORDS = {"808": ["808", "tr-808", "roland 808"], "909": ["909", "tr-909"], "606": ["606", "tr-606"],
                 "chip": ["8-bit", "chiptune", "nes"], "lofi": ["lo-fi", "dusty sampled", "sp-404"],
                 "acoustic": ["acoustic", "live"]}
