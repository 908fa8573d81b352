"""`cratedig corpus build OUT --clips N --seed S`: the aligner's captioned training corpus."""
from __future__ import annotations

import sys
import time

import click


class ProgressBar:
    """A one-line bar on stderr with clips/s and ETA, redrawn at most 4 times a second."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.last = 0.0
        self.start_done = None

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        now = time.monotonic()
        if self.start_done is None:
            self.start_done = done
        if done < total and now - self.last < 0.25:
            return
        self.last = now
        new = done - self.start_done
        rate = new / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else float("nan")
        filled = int(self.width * done / max(total, 1))
        eta_s = f"{int(eta // 60)}:{int(eta % 60):02d}" if eta == eta else "--:--"
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} "
                          f"{rate:.1f} clips/s ETA {eta_s}  ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def register(group: click.Group) -> None:
    @group.group("corpus")
    def corpus():
        """Build the synthetic captioned corpus the aligner trains on."""

    @corpus.command("build")
    @click.argument("out", type=click.Path(file_okay=False))
    @click.option("--clips", type=int, default=20000, show_default=True, help="number of clips")
    @click.option("--seed", type=int, default=0, show_default=True, help="corpus seed")
    @click.option("--workers", type=int, default=None, help="worker processes (default: settings.workers, 0 = all cores)")
    @click.option("--soundfont", type=click.Path(dir_okay=False), default=None,
                  help="General MIDI .sf2 (default: settings.soundfont or TimGM6mb.sf2)")
    @click.option("--timbre-models", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
                  help="share of General MIDI parts rendered by modelled instruments and drum kits "
                       "instead of the soundfont (more timbres behind each instrument word)")
    @click.option("--kind-weights", default=None,
                  help="shares of clip kinds, e.g. one-shot=0.8,loop=0.1,arrangement=0.1 "
                       "(default 0.35/0.40/0.25)")
    @click.option("--quiet", is_flag=True, help="no progress bar")
    @click.pass_context
    def build(ctx, out, clips, seed, workers, soundfont, timbre_models, kind_weights, quiet):
        """Render N clips into OUT (FLAC + captions.jsonl + README.md); resumes if interrupted."""
        from cli.main import settings_from
        from generator.corpus import build_corpus, parse_kind_weights
        settings = settings_from(ctx, workers=workers, soundfont=soundfont)
        command = f"cratedig corpus build {out} --clips {clips} --seed {seed}"
        if timbre_models:
            command += f" --timbre-models {timbre_models:g}"
        weights = parse_kind_weights(kind_weights) if kind_weights else None
        if weights:
            command += f" --kind-weights {kind_weights}"
        summary = build_corpus(out, clips, seed, workers=settings.workers,
                               progress=None if quiet else ProgressBar(),
                               soundfont=settings.soundfont or None, command=command,
                               timbre_models=timbre_models, kind_weights=weights)
        click.echo(f"corpus {summary.out}: {summary.clips} clips ({summary.rendered} rendered, "
                   f"{summary.skipped} already present) in {summary.seconds:.1f} s, "
                   f"{summary.audio_hours:.2f} h of audio; splits {summary.splits}")
