"""`cratedig aligner train DIR` and `cratedig aligner eval DIR --split test [--json]`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _stderr(msg: str) -> None:
    click.echo(msg, err=True)


def register(group: click.Group) -> None:
    group.add_command(aligner)


@click.group()
def aligner():
    """Train and evaluate the builtin text-audio aligner."""


@aligner.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--epochs", type=int, default=40, show_default=True, help="maximum epochs")
@click.option("--minutes", type=float, default=None,
              help="time budget for the training step (the schedule anneals within it)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="weights file to export (default: DATASET/.cratedig-cache/builtin.pt)")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="feature cache folder (default: DATASET/.cratedig-cache)")
@click.option("--resume", is_flag=True, help="continue from the last epoch checkpoint")
@click.option("--batch-size", type=int, default=None,
              help="clips per step [default: 128; --text-only: 512]")
@click.option("--lr", type=float, default=None, help="peak learning rate [default: 2e-3; "
              "--text-only: 1e-3]")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=int, default=0, help="feature-cache processes (0 = one per core)")
@click.option("--captions", "captions_per_clip", type=int, default=0, show_default=True,
              help="use the first N captions of each clip (0 = all)")
@click.option("--prepare-only", is_flag=True, help="only build the feature and caption caches")
@click.option("--follow", is_flag=True,
              help="re-read the folder before every epoch (train while a corpus is being built)")
@click.option("--text-only", is_flag=True,
              help="retrain only the text head against the frozen audio tower of --init "
                   "(aligner.text_train); catalogue vectors stay valid")
@click.option("--init", "init", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="start from this builtin weights file (--text-only: the weights "
                                 "whose audio tower is kept)")
@click.option("--also", "also", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="another captioned folder whose train split is trained on too (repeatable; "
                   "validation stays on DATASET)")
@click.option("--extra-captions", type=int, default=8, show_default=True,
              help="--text-only: fresh caption-writer captions per training clip")
@click.option("--phrase-variants", type=int, default=2, show_default=True,
              help="--text-only: dropped/shuffled attribute-phrase variants per training clip")
@click.option("--query-variants", type=int, default=2, show_default=True,
              help="--text-only: captions wrapped as typed searches per training clip")
@click.option("--sent-noise", type=float, default=0.3, show_default=True,
              help="--text-only: Gaussian noise on the sentence vectors in training")
@click.option("--bank/--no-bank", default=False, show_default=True,
              help="--text-only: text->audio over every training clip (or over the batch)")
@click.option("--family-caption-p", type=float, default=0.0, show_default=True,
              help="--text-only: share of steps a clip is captioned by its instrument families")
@click.option("--bias-penalty", type=float, default=0.0, show_default=True,
              help="--text-only: weight of the variance of texts' similarity to the mean audio "
                   "vector (hub control for audio->text)")
@click.option("--a2t-weight", type=float, default=0.5, show_default=True,
              help="--text-only: weight of the in-batch audio->text loss term")
@click.option("--fact-dropout", type=float, default=0.1, show_default=True,
              help="--text-only: share of captions trained without their stated-facts vector")
@click.option("--text-hidden", type=int, default=None,
              help="--text-only: text head width (default: the init head's)")
@click.option("--text-layers", type=int, default=None,
              help="--text-only: text head hidden layers (default: the init head's)")
@click.option("--fresh-head", is_flag=True, help="--text-only: start the head from random weights")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
def train(dataset, epochs, minutes, out, cache_dir, resume, batch_size, lr, seed, workers,
          prepare_only, follow, captions_per_clip, text_only, init, also, as_json, **text_opts):
    """Train the builtin aligner on a captioned folder (audio + captions.jsonl)."""
    from aligner.dataset import CACHE_DIRNAME
    from aligner.train import Trainer, TrainOptions, prepare
    if epochs < 1:
        raise click.BadParameter("must be >= 1", param_hint="--epochs")
    if minutes is not None and minutes <= 0:
        raise click.BadParameter("must be > 0", param_hint="--minutes")
    if text_only and also:
        raise click.UsageError("--also is for full training (--text-only reads DATASET only)")
    if text_only:
        batch_size, lr = batch_size or 512, lr or 1e-3
        _train_text_only(dataset, out, cache_dir, resume, prepare_only, as_json, init=init,
                         epochs=epochs, minutes=minutes, batch_size=batch_size, lr=lr, seed=seed,
                         workers=workers, **text_opts)
        return
    batch_size, lr = batch_size or 128, lr or 2e-3
    extra = tuple(str(p) for p in also)
    if prepare_only:
        clips, cache, _ = prepare(dataset, cache_dir, workers, _stderr, captions_per_clip,
                                  extra=extra)
        click.echo(f"cached {len(clips)} clips in {cache.dir}")
        return
    out = out or (cache_dir or dataset / CACHE_DIRNAME) / "builtin.pt"
    opts = TrainOptions(epochs=epochs, minutes=minutes, batch_size=batch_size, lr=lr, seed=seed,
                        workers=workers, follow=follow,
                        captions_per_clip=captions_per_clip,
                        init=str(init) if init else None, extra=extra)
    summary = Trainer(dataset, out, cache_dir, opts, progress=_stderr).run(resume=resume)
    _report(summary, as_json, "trained")


def _report(summary, as_json: bool, what: str) -> None:
    """A training run's summary: JSON, or one line."""
    if as_json:
        click.echo(json.dumps({
            "out": str(summary.out), "epochs": summary.epochs, "steps": summary.steps,
            "seconds": round(summary.seconds, 1), "cache_seconds": round(summary.cache_seconds, 1),
            "train_clips": summary.train_clips, "val": summary.val,
            "miss_threshold": summary.miss_threshold}))
    else:
        click.echo(f"{what} {summary.epochs} epochs ({summary.steps} steps) in "
                   f"{summary.seconds / 60:.1f} min; weights: {summary.out}")


def _corpus_captions(plan: dict, n: int, rng) -> list[str]:
    """The corpus builder's caption writer (training wordings only) for a captions.jsonl plan;
    [] for a plan it cannot read (a user's own dataset)."""
    from generator.captions import captions
    from generator.plan import Plan, PlanError
    try:
        return captions(Plan.from_dict(plan), rng, n)
    except (PlanError, KeyError, ValueError, TypeError):
        return []


def _train_text_only(dataset, out, cache_dir, resume, prepare_only, as_json, *, init, **opts):
    """`train --text-only`: aligner.text_train with the CLI's options."""
    import torch

    from aligner.dataset import CACHE_DIRNAME
    from aligner.text_train import TextTrainer, TextTrainOptions
    if init is None:
        raise click.UsageError("--text-only needs --init WEIGHTS (the audio tower to keep)")
    out = out or (cache_dir or dataset / CACHE_DIRNAME) / "builtin-text.pt"
    trainer = TextTrainer(dataset, out, cache_dir, TextTrainOptions(init=str(init), **opts),
                          progress=_stderr, caption_writer=_corpus_captions)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the head is small: one thread, the other core stays free
    try:
        if prepare_only:
            trainer.prepare()
            click.echo(f"cached text-only training inputs in {trainer.cache_dir}")
            return
        summary = trainer.run(resume=resume)
    finally:
        torch.set_num_threads(threads)
    _report(summary, as_json, "trained the text head")


@aligner.command("eval")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True,
              help="split to evaluate: test, val, train, all, or a comma list (test,val)")
@click.option("--pool", type=int, default=1000, show_default=True, help="clips in the pool")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the calibration histograms to this PNG")
@click.option("--write-threshold", is_flag=True,
              help="store the calibrated miss threshold in the builtin weights file")
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON object")
@click.pass_context
def eval_cmd(ctx, dataset, split, pool, png, write_threshold, as_json):
    """Retrieval recall, zero-shot accuracy and score calibration on a captioned folder."""
    from aligner import load_aligner
    from aligner.evaluate import evaluate, write_threshold as store
    from cli.main import settings_from
    if pool < 2:
        raise click.BadParameter("must be >= 2", param_hint="--pool")
    settings = settings_from(ctx)
    al = load_aligner(settings)
    res = evaluate(dataset, al, split=split, pool=pool, png=png, progress=_stderr)
    if write_threshold:
        path = getattr(al, "weights_path", None)
        if path is None:
            raise click.UsageError("--write-threshold needs a builtin aligner")
        store(path, res["miss_threshold"])
        _stderr(f"miss threshold {res['miss_threshold']} written to {path}")
    if as_json:
        click.echo(json.dumps(res))
        return
    t, a = res["text_to_audio"], res["audio_to_text"]
    click.echo(f"{res['aligner']} on {res['pool']} {split} clips ({res['wordings']} wordings)")
    for name, m in (("text->audio", t), ("audio->text", a)):
        click.echo(f"  {name}: " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()))
    click.echo("  zero-shot: " + "  ".join(
        f"{k} {'n/a' if v is None else f'{v:.3f}'}" for k, v in res["zero_shot"].items()))
    click.echo(f"  miss threshold: {res['miss_threshold']:.4f}")
    sys.stdout.flush()
