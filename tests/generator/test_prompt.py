"""Prompt parsing: explicit facts are read exactly; bad prompts get a clear PromptError."""
import pytest

from generator.prompt import (MAX_PROMPT_CHARS, GenerateError, PromptError, check_prompt,
                              parse_prompt)


@pytest.mark.parametrize("text,bpm", [
    ("lo-fi beat, 92 BPM", 92.0), ("92bpm house", 92.0), ("techno at 128 bpm", 128.0),
    ("tempo 140 trap", 140.0), ("tempo: 75.5, ambient", 75.5), ("96 beats per minute", 96.0),
    ("funk groove at 104", 104.0), ("a warm pad", None), ("808 drums", None),
    ("at 3 in the morning", None), ("jazz, 4 bars", None), ("high-tempo 8-bit tune", None),
])
def test_tempo(text, bpm):
    assert parse_prompt(text).tempo == bpm


@pytest.mark.parametrize("text,key,mode", [
    ("in D minor", "D", "minor"), ("D minor groove", "D", "minor"), ("Dm", "D", "minor"),
    ("F# major pop", "F#", "major"), ("Bb minor", "A#", "minor"), ("B flat minor", "A#", "minor"),
    ("in E-flat major", "D#", "major"), ("C#m trap", "C#", "minor"), ("Ebmaj chords", "D#", "major"),
    ("G♯ minor", "G#", "minor"), ("key of A", "A", None), ("in the key of C", "C", None),
    ("funk in Eb mixolydian", "D#", "mixolydian"), ("A dorian jam", "A", "dorian"),
    ("in A minor key", "A", "minor"), ("sad piano in B", "B", None),
    # "a minor key" is the article: some minor key, no tonic
    ("in a minor key", None, "minor"), ("a happy song in a major key", None, "major"),
    # ordinary words are not keys
    ("a minor detail", None, None), ("in a hurry", None, None), ("deep bass", None, None),
    ("be major", None, None), ("e-piano chords", None, None),
    # mode words without a tonic; articles before mode words
    ("banjo in a mixolydian-tinged folk setting", None, "mixolydian"),
    ("A dorian-flavoured lofi groove", None, "dorian"), ("phrygian metal riff", None, "phrygian"),
    ("in D, dorian feel", "D", "dorian"),
])
def test_key(text, key, mode):
    facts = parse_prompt(text)
    assert (facts.key, facts.mode) == (key, mode)


@pytest.mark.parametrize("text,meter", [
    ("3/4 piano", "3/4"), ("in 6/8", "6/8"), ("4 / 4 rock", "4/4"), ("waltz time strings", "3/4"),
    ("triple meter", "3/4"), ("four on the floor", "4/4"), ("lofi 24/7 radio", None),
    ("piano", None),
])
def test_meter(text, meter):
    assert parse_prompt(text).meter == meter


@pytest.mark.parametrize("text,seconds", [
    ("10 seconds of rain", 10.0), ("10s loop", 10.0), ("10 s", 10.0), ("2 minutes", 120.0),
    ("2 min ambient", 120.0), ("1.5 minutes", 90.0), ("90-second cue", 90.0),
    ("snare 250 ms", 0.25), ("0.1 s click", 0.1), ("1:30 track", 90.0), ("5 minutes", 300.0),
    ("twenty seconds", 20.0), ("half a minute of drums", 30.0), ("a second of noise", 1.0),
    ("30s hook", 30.0),
    # decades, bit depths and model numbers are not durations
    ("80s synth", None), ("1990s house", None), ("90s hip-hop", None), ("8-bit chiptune", None),
    ("808 kick", None), ("TR-909", None), ("trap with 808s, 140 bpm", None), ("303s and 909s", None),
])
def test_duration(text, seconds):
    assert parse_prompt(text).duration == seconds


@pytest.mark.parametrize("text,kind", [
    ("kick one-shot", "one-shot"), ("one shot snare", "one-shot"), ("oneshot", "one-shot"),
    ("single hit cymbal", "one-shot"), ("drum loop", "loop"), ("loopable pad", "loop"),
    ("jazz trio", None),
])
def test_kind(text, kind):
    assert parse_prompt(text).kind == kind


def test_everything_together():
    f = parse_prompt("  lo-fi hip hop, 92 BPM in D minor, 3/4, 10 seconds, loop  ")
    assert f.text == "lo-fi hip hop, 92 BPM in D minor, 3/4, 10 seconds, loop"
    assert (f.tempo, f.key, f.mode, f.meter, f.duration, f.kind) == (92.0, "D", "minor", "3/4", 10.0, "loop")
    # the BPM figure is never read as a duration or a meter
    assert parse_prompt("120 bpm").duration is None


@pytest.mark.parametrize("text,needle", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * 10_000, "10,000 characters"),
    ("warm\x00pad", "non-text"), ("pad \x1b[31m red", "non-text"),
    ("bytes \udcff\udcfe", "non-text"), ("\ufffd\ufffd", "non-text"), ("?!...", "no letters"),
    ("900 BPM techno", "tempo 900"), ("2 bpm", "tempo 2"), ("tempo 250", "tempo 250"), ("7/8 jazz", "7/8"),
    ("3 hours of rain", "duration 10800"), ("10 minutes", "duration 600"), ("0.01 s", "duration 0.01"),
])
def test_bad_prompts(text, needle):
    with pytest.raises(PromptError) as info:
        parse_prompt(text)
    assert needle in str(info.value)
    assert isinstance(info.value, GenerateError)
    assert info.value.reason


def test_check_prompt_rejects_non_text_and_keeps_limit():
    with pytest.raises(PromptError, match="must be text"):
        check_prompt(b"warm pad")
    assert check_prompt("y" * MAX_PROMPT_CHARS) == "y" * MAX_PROMPT_CHARS
    with pytest.raises(PromptError):
        check_prompt("y" * (MAX_PROMPT_CHARS + 1))
