"""The builtin aligner's trainable parts: the audio tower and the two projection heads.

Audio tower, over the features of `aligner.features` (float[B, 76, T] log power + valid frames):
- level normalisation: the clip's mean mel power is subtracted (exact gain invariance: a quiet
  one-shot and a loud one are the same sound), floor at -12 nats (52 dB under the mean);
- a CNN over the 64-band log-mel: 5 blocks conv3x3-BN-ReLU, 32..256 channels, 2x2 average pooling
  after each (the first two blocks pool frequency harder to keep the cost low), frequency mean,
  then masked mean + max over valid time frames;
- a tempo branch: spectral flux of the log-mel, its normalised autocorrelation at lags of
  0.1-2 s (30-600 BPM) -> MLP. A CNN with a 0.5 s receptive field cannot count beats; the
  autocorrelation of an onset envelope is the classic tempo cue and is computed on the same mel;
- a tonal branch: the time-averaged chroma profile and its correlations with the Krumhansl major
  and minor key profiles at all 12 rotations -> MLP (key and mode);
- a projection MLP to the joint space (dim 256), L2-normalised.
Text: frozen MiniLM sentence embedding (384) + the tempo/key/mode facts the text states
(`aligner.text_facts`, 40) -> projection MLP -> 256, L2-normalised.
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from aligner.features import N_CHROMA, N_MELS
from aligner.text_facts import FACT_DIM

LEVEL_FLOOR = -12.0
TEMPO_LAGS = (6, 126)  # frames at 62.5 frames/s: 0.096 s .. 2.0 s
# Krumhansl-Kessler key profiles, tonic first
_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
_MINOR = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]

DEFAULT_CONFIG = {
    "dim": 256,
    "channels": [32, 64, 128, 256],  # stride-2 conv blocks over (64 bands, T frames)
    "seq_channels": 256,  # 1-d convolutions over time after the 2-d blocks
    "time_pool": 2,  # the CNN sees 31 frames/s (the tempo branch keeps all 62.5)
    "hidden": 512,
    "text_dim": 384,
    "text_facts": FACT_DIM,  # stated tempo/key/mode features (aligner.text_facts); 0 = none
    "dropout": 0.1,
}


def masked_time_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """x [B, C, T], mask [B, T] bool -> [B, C]"""
    m = mask[:, None, :].to(x.dtype)
    return (x * m).sum(-1) / m.sum(-1).clamp_min(1.0)


def masked_time_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return x.masked_fill(~mask[:, None, :], float("-inf")).amax(-1)


def frame_mask(valid: torch.Tensor, frames: int) -> torch.Tensor:
    return torch.arange(frames, device=valid.device)[None, :] < valid[:, None]


def conv_bn(cin: int, cout: int, kernel, stride=1, dims=2) -> nn.Sequential:
    conv = (nn.Conv2d if dims == 2 else nn.Conv1d)(cin, cout, kernel, stride=stride,
                                                  padding=kernel // 2, bias=False)
    bn = (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(cout)
    return nn.Sequential(conv, bn, nn.ReLU(inplace=True))


class AudioTower(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        ch = cfg["channels"]
        self.cfg = cfg
        self.bn0 = nn.BatchNorm1d(N_MELS)  # per-band standardisation (as in PANNs)
        # stride-2 convolutions instead of conv + pooling: 4x fewer multiplies per block, which
        # is what makes >= 500x real time on two cores possible
        blocks, cin = [], 1
        for cout in ch:
            blocks.append(conv_bn(cin, cout, 3, stride=2))
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        n_freq = N_MELS
        for _ in ch:
            n_freq = (n_freq - 1) // 2 + 1
        seq = cfg["seq_channels"]
        # the remaining bands become channels: keeps where in the spectrum a pattern sits
        self.seq = nn.Sequential(conv_bn(cin * n_freq, seq, 1, dims=1), conv_bn(seq, seq, 3, dims=1))
        cin = seq
        n_lags = TEMPO_LAGS[1] - TEMPO_LAGS[0]
        self.tempo = nn.Sequential(nn.Linear(n_lags, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.tonal = nn.Sequential(nn.Linear(N_CHROMA + 24 + 3, 64), nn.ReLU(), nn.Linear(64, 64),
                                   nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * cin + 128, cfg["hidden"]), nn.GELU(),
                                  nn.Dropout(cfg["dropout"]), nn.Linear(cfg["hidden"], cfg["dim"]))
        profiles = []
        for prof in (_MAJOR, _MINOR):
            p = torch.tensor(prof)
            p = (p - p.mean()) / p.std()
            # row k: the profile of the key with tonic k (C=0), as a function of pitch class
            profiles.append(torch.stack([torch.roll(p, k) for k in range(12)]))
        self.register_buffer("key_profiles", torch.cat(profiles, 0), persistent=False)  # [24, 12]

    # -- branches ------------------------------------------------------------------------
    def _level(self, mel, mask):
        m = mask[:, None, :].to(mel.dtype)
        power = torch.logsumexp(mel, dim=1, keepdim=True)  # [B, 1, T] log total power per frame
        # log of the mean (over valid frames) of the total power
        ref = torch.logsumexp(power.masked_fill(m == 0, float("-inf")), dim=2, keepdim=True) \
            - torch.log(m.sum(-1, keepdim=True).clamp_min(1.0))
        x = (mel - ref).clamp_min(LEVEL_FLOOR)
        return x.masked_fill(m == 0, LEVEL_FLOOR)

    def _tempo(self, x, mask):
        """x [B, 64, T] level-normalised log-mel -> autocorrelation of spectral flux [B, lags]"""
        flux = F.relu(x[:, :, 1:] - x[:, :, :-1]).mean(1)  # [B, T-1]
        fm = mask[:, 1:] & mask[:, :-1]
        flux = flux * fm
        mean = flux.sum(-1, keepdim=True) / fm.sum(-1, keepdim=True).clamp_min(1)
        flux = (flux - mean) * fm
        n = flux.shape[-1]
        spec = torch.fft.rfft(flux, n=2 * n)
        ac = torch.fft.irfft(spec.real ** 2 + spec.imag ** 2, n=2 * n)[:, :n]
        ac = ac / ac[:, :1].clamp_min(1e-6)
        lo, hi = TEMPO_LAGS
        if n < hi:
            ac = F.pad(ac, (0, hi - n))
        return ac[:, lo:hi]

    def _tonal(self, chroma, mask):
        """chroma [B, 12, T] log power -> [B, 39] profile + key correlations"""
        c = torch.exp(chroma.float()) * mask[:, None, :]
        prof = c.sum(-1)
        prof = prof / prof.sum(-1, keepdim=True).clamp_min(1e-12)
        z = (prof - prof.mean(-1, keepdim=True)) / prof.std(-1, keepdim=True).clamp_min(1e-6)
        corr = z @ self.key_profiles.T / 11.0  # [B, 24] Pearson correlations
        extra = torch.stack([corr[:, :12].amax(-1), corr[:, 12:].amax(-1),
                             corr[:, :12].amax(-1) - corr[:, 12:].amax(-1)], -1)
        return torch.cat([prof * 12.0 - 1.0, corr, extra], -1)

    def forward(self, feats: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """feats float[B, 76, T], valid long[B] -> float[B, dim] (L2-normalised)"""
        feats = feats.float()
        mask = frame_mask(valid, feats.shape[-1])
        mel = self._level(feats[:, :N_MELS], mask)
        tempo = self.tempo(self._tempo(mel, mask))
        tonal = self.tonal(self._tonal(feats[:, N_MELS:], mask))
        # every layer's output is zeroed past the valid frames, exactly as the convolutions'
        # own zero padding: a clip embeds the same alone or batched with longer ones
        x = self.bn0((mel + 6.0) / 3.0) * mask[:, None, :]
        v = valid
        tp = int(self.cfg.get("time_pool", 1))
        if tp > 1:  # halves the CNN's cost; 32 ms frames are plenty for timbre
            # zero-extend to a multiple of tp first: a clip's last partial pair averages with a
            # zero whether it is embedded alone or batched with longer clips
            x = F.avg_pool1d(F.pad(x, (0, (-x.shape[-1]) % tp)), tp)
            v = (v + tp - 1) // tp
        x = x.unsqueeze(1)  # [B, 1, 64, T/tp]
        for block in self.blocks:
            x = block(x)
            v = (v + 1) // 2
            x = x * frame_mask(v, x.shape[-1])[:, None, None, :]
        x = x.flatten(1, 2)  # [B, C*F', T']
        tmask = frame_mask(v, x.shape[-1])
        for layer in self.seq:
            x = layer(x) * tmask[:, None, :]
        pooled = torch.cat([masked_time_mean(x, tmask), masked_time_max(x, tmask), tempo, tonal], -1)
        return F.normalize(self.head(pooled), dim=-1)


class TextHead(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.n_facts = int(cfg.get("text_facts", 0))
        # width/depth of the text MLP are their own settings (text-only retraining,
        # `aligner.text_train`, may widen it); the defaults give the original head's layout
        hidden = int(cfg.get("text_hidden") or cfg["hidden"])
        layers, d = [], cfg["text_dim"] + self.n_facts
        for _ in range(int(cfg.get("text_layers", 1))):
            layers += [nn.Linear(d, hidden), nn.GELU(), nn.Dropout(cfg["dropout"])]
            d = hidden
        self.net = nn.Sequential(*layers, nn.Linear(d, cfg["dim"]))

    def forward(self, sent: torch.Tensor, facts: torch.Tensor | None = None) -> torch.Tensor:
        """sent float[B, 384] MiniLM sentence embeddings, facts float[B, n_facts] (required when
        the head was built with facts) -> float[B, dim] (L2-normalised)"""
        x = sent.float()
        if self.n_facts:
            if facts is None or facts.shape != (x.shape[0], self.n_facts):
                raise ValueError(f"this text head needs facts float[{x.shape[0]}, {self.n_facts}], "
                                 f"got {None if facts is None else tuple(facts.shape)}")
            x = torch.cat([x, facts.float()], -1)
        return F.normalize(self.net(x), dim=-1)


class JointModel(nn.Module):
    def __init__(self, cfg: dict | None = None):
        super().__init__()
        self.cfg = dict(DEFAULT_CONFIG, **(cfg or {}))
        self.audio = AudioTower(self.cfg)
        self.text = TextHead(self.cfg)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


def fuse_conv_bn(model: nn.Module) -> nn.Module:
    """Fold every eval-mode BatchNorm that follows a conv into the conv (inference only):
    same outputs, one pass over the activations less per layer."""
    for module in model.modules():
        if isinstance(module, nn.Sequential) and len(module) >= 2 \
                and isinstance(module[0], (nn.Conv1d, nn.Conv2d)) \
                and isinstance(module[1], (nn.BatchNorm1d, nn.BatchNorm2d)):
            conv, bn = module[0], module[1]
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            fused = type(conv)(conv.in_channels, conv.out_channels, conv.kernel_size,
                               stride=conv.stride, padding=conv.padding, bias=True)
            shape = (-1,) + (1,) * (conv.weight.dim() - 1)
            with torch.no_grad():
                fused.weight.copy_(conv.weight * scale.reshape(shape))
                b = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
                fused.bias.copy_((b - bn.running_mean) * scale + bn.bias)
            module[0] = fused
            module[1] = nn.Identity()
    return model
