"""`cratedig generate`, `cratedig generator eval|train`, `cratedig generated list|rm`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _progress_bar():
    """A progress callback drawing one updating line on stderr (nothing when not a TTY)."""
    tty = sys.stderr.isatty()
    last = {}

    def cb(stage: str, done: int, total: int) -> None:
        if tty:
            click.echo(f"\r{stage}: {done}/{total}", err=True, nl=done >= total)
            return
        # not a terminal (a log file): a line per tenth of the work
        step = max(1, total // 10)
        if done >= total or done // step != last.get(stage, -1):
            last[stage] = done // step
            click.echo(f"{stage}: {done}/{total}", err=True)
    return cb


@click.command("generate")
@click.argument("prompt")
@click.option("--duration", type=float, default=None, help="seconds, 0.1-300 (default: the prompt's, or decoded)")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="default: derived from the prompt")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="FILE.flac or FILE.wav (default: a FLAC in the data home's generated/)")
@click.option("--candidates", type=click.IntRange(1, 16), default=4, show_default=True,
              help="clips generated and re-ranked by the aligner")
@click.option("--decoder", "decoder_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="plan decoder weights (default: the committed generator/weights/decoder.pt)")
@click.option("--json", "as_json", is_flag=True, help="print {path, plan, score, seconds, candidates}")
@click.pass_context
def generate_cmd(ctx, prompt, duration, seed, output, candidates, decoder_path, as_json):
    """Generate a clip from a text PROMPT ("lo-fi beat, 92 BPM in D minor, 10 seconds")."""
    from cli.main import settings_from
    from generator.generate import Generator, check_duration
    from generator.prompt import parse_prompt
    parse_prompt(prompt)  # bad input fails before any model loads
    check_duration(duration)
    settings = settings_from(ctx)
    gen = Generator(settings, decoder=_decoder(decoder_path))
    res = gen.generate(prompt, duration=duration, seed=seed, candidates=candidates, out=output,
                       progress=None if as_json else _progress_bar())
    if as_json:
        click.echo(json.dumps(res.to_json()))
        return
    p = res.plan
    what = p.oneshot if p.kind == "one-shot" else f"{p.style} {p.kind}"
    facts = ", ".join(f"{k}={v}" for k, v in res.to_json()["facts"].items())
    click.echo(f"{res.path}\n  {what}, {res.duration:.2f} s"
               + (f", {p.tempo_bpm:g} BPM, {p.key} {p.mode}, {p.meter}" if p.tempo_bpm else "")
               + f"\n  score {res.score:.3f} (best of {len(res.candidates)}), seed {res.seed}, "
               f"{res.seconds:.2f} s" + (f"\n  from the prompt: {facts}" if facts else ""))


def _decoder(path):
    from generator.decoder import load_decoder
    return load_decoder(Path(path) if path else None)


@click.group("generator")
def generator_group():
    """The plan decoder: evaluate or train it."""


@generator_group.command("eval")
@click.option("--prompts", "n_prompts", type=click.IntRange(10, 100_000), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--candidates", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--catalogue", "catalogue_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="captioned corpus folder whose test split is the 1,000-clip retrieval catalogue "
                   "(default: $CRATEDIG_EVAL_CORPUS or work-data/corpus-main)")
@click.option("--decoder", "decoder_path", type=click.Path(dir_okay=False, exists=True), default=None)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, help="also write the JSON report here")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_cmd(ctx, n_prompts, seed, candidates, catalogue_dir, decoder_path, out_path, as_json):
    """Adherence of generated clips to reserved-wording prompts (tempo, key, style, retrieval)."""
    from cli.main import settings_from
    from generator.gen_eval import dump, evaluate, format_report
    from generator.generate import Generator
    settings = settings_from(ctx)
    report = evaluate(settings, n_prompts=n_prompts, seed=seed, candidates=candidates,
                      catalogue_dir=Path(catalogue_dir) if catalogue_dir else None,
                      generator=Generator(settings, decoder=_decoder(decoder_path)),
                      out=Path(out_path) if out_path else None,
                      progress=None if as_json else _progress_bar())
    if out_path:
        dump(report, Path(out_path))
    click.echo(json.dumps(report, indent=1) if as_json else format_report(report))


@generator_group.command("train")
@click.argument("corpus", type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="weights file (default: the committed generator/weights/decoder.pt)")
@click.option("--limit", type=click.IntRange(min=100), default=None, help="train on a random subset of clips")
@click.option("--epochs", type=click.IntRange(1, 10_000), default=60, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def train_cmd(ctx, corpus, out, limit, epochs, seed, as_json):
    """Train the plan decoder on a captioned CORPUS folder (audio + captions.jsonl)."""
    from cli.main import settings_from
    from generator.decoder import DEFAULT_WEIGHTS
    from generator.decoder_train import train_decoder
    settings = settings_from(ctx)
    res = train_decoder(settings, Path(corpus), Path(out) if out else DEFAULT_WEIGHTS, limit=limit,
                        epochs=epochs, seed=seed, progress=None if as_json else _progress_bar())
    if as_json:
        click.echo(json.dumps(res, indent=1))
        return
    m = res["metrics"]
    click.echo(f"{res['decoder_id']} -> {out or DEFAULT_WEIGHTS}")
    for name in ("audio_input", "text_input", "text_through_prior", "majority_baseline"):
        click.echo(f"  {name:20s} main-head accuracy {m[name]['main_mean']:.3f}")
    click.echo(f"  prior used: {res['meta']['prior_used']}")


@click.group("generated")
def generated_group():
    """Generated clips in the catalogue: list or delete them."""


@generated_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def generated_list(ctx, as_json):
    """List generated clips (id, prompt, path)."""
    from cli.main import settings_from
    from search.miss import list_generated
    rows = list_generated(settings_from(ctx))
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        click.echo(f"{r['id']:>6}  {r['duration']:7.2f} s  {r['prompt'] or '':40.40s}  {r['path']}")
    click.echo(f"{len(rows)} generated clip(s)", err=True)


@generated_group.command("rm")
@click.argument("file_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def generated_rm(ctx, file_id, as_json):
    """Delete generated clip ID: its file (only under the data home's generated/), rows and vectors."""
    from cli.main import settings_from
    from search.miss import remove_generated
    res = remove_generated(settings_from(ctx), file_id)
    click.echo(json.dumps(res) if as_json else f"removed {res['id']}: {res['path']}")


def register(group: click.Group) -> None:
    group.add_command(generate_cmd)
    group.add_command(generator_group)
    group.add_command(generated_group)
