"""One InfMasking training step in PyTorch: the twin of bench/mosi_step.ts, on one of two configurations.

--config mosi (default; docs/shared.md#encoders, docs/infmasking.md#loss): per modality Conv1d(k=1, no
bias) to E = 40 + nn.TransformerEncoder (5 pre-LN layers, 5 heads, FFN 2048, dropout .1, ReLU, no
positions); K = 5 masks, ratio .8 (keep int(50 * .2) = 9 tokens per modality), tau .1, lambda .25, AdamW lr
1e-3, wd 1e-2.
--config trifeatures: per image modality torchvision's AlexNet `features` (5 convolutions, 3 max-pools),
then a 1x1 convolution 256 -> E = 512 per cell plus a fixed position buffer (36 tokens at 224 px); K = 6,
ratio .7 (keep 10 of 36), tau .1, lambda 1, AdamW lr 3e-4, wd 1e-4 (InfMasking's Trifeatures preset).

Both: fusion = CLS + 1 pre-LN block (8 heads, QuickGELU MLP E -> 4E -> E) + final LayerNorm; head
Linear-BN-ReLU-Linear-BN-ReLU-Linear (512, 512, 256). Objective: CoMM's 3 terms plus InfMasking's
closed-form masking term for each view (the masked tokens replaced by a learnable mask token), lambda ramped
at epoch 0 of 100, then AdamW (no decay on biases/norms/1-d params). Random data, batch 64 unless --batch.

The masking term uses q^T Sigma q = Var_t(q . k_t) (the same number as the reference's E x E covariance
product), as the TypeScript model does, so both sides do the same arithmetic.

Prints one JSON line: {"torch", "threads", "batch", "steps", "median_ms", "min_ms", "samples_per_s", "loss"}.
Usage: python bench/torch_mosi_step.py [--config mosi|trifeatures] [--batch N] [--size PX] [--steps N]
[--warmup N] [--device cpu|cuda]
(--device cuda: every tensor on the GPU through torch.set_default_device; each step syncs at loss.item().)
"""

import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

T, FEATS = 50, (20, 300)  # the MOSI sequences
ENC_LAYERS, ENC_HEADS, ENC_FFN, ENC_DROPOUT = 5, 5, 2048, 0.1
FUSION_HEADS, HEAD_HIDDEN, HEAD_OUT = 8, 512, 256
SELF_MASK = 1e8
EPOCHS = 100  # lambda's ramp is at epoch 0 of these
CONFIGS = {
    "mosi": {"E": 40, "K": 5, "ratio": 0.8, "tau": 0.1, "lambda": 0.25, "lr": 1e-3, "wd": 1e-2},
    "trifeatures": {"E": 512, "K": 6, "ratio": 0.7, "tau": 0.1, "lambda": 1.0, "lr": 3e-4, "wd": 1e-4},
}
# set by configure() from --config before the model is built
E, K, RATIO, TAU, LAMBDA, BATCH = 0, 0, 0.0, 0.0, 0.0, 64


def configure(name, batch):
    global E, K, RATIO, TAU, LAMBDA, BATCH
    c = CONFIGS[name]
    E, K, RATIO, TAU, LAMBDA, BATCH = c["E"], c["K"], c["ratio"], c["tau"], c["lambda"] / EPOCHS, batch
    return c


class SequenceEncoder(nn.Module):
    def __init__(self, feats):
        super().__init__()
        self.proj = nn.Conv1d(feats, E, kernel_size=1, bias=False)
        layer = nn.TransformerEncoderLayer(
            E, ENC_HEADS, ENC_FFN, ENC_DROPOUT, activation="relu", batch_first=True, norm_first=True
        )
        self.layers = nn.TransformerEncoder(layer, ENC_LAYERS, enable_nested_tensor=False)

    def forward(self, x):  # [B, T, F] -> [B, T, E]
        return self.layers(self.proj(x.transpose(1, 2)).transpose(1, 2))


class AlexNetEncoder(nn.Module):
    """torchvision's AlexNet `features` layout, then a 1x1 convolution to E per cell plus a fixed buffer."""

    def __init__(self, side):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        )
        cells = self.features(torch.zeros(1, 3, side, side)).shape[2:].numel()
        self.proj = nn.Linear(256, E)
        # timing only: the values of the sin-cos positions do not matter, their add does
        self.register_buffer("pos", torch.randn(1, cells, E))

    def forward(self, x):  # [B, 3, S, S] -> [B, cells, E]
        return self.proj(self.features(x).flatten(2).transpose(1, 2)) + self.pos


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class FusionBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(E)
        self.attn = nn.MultiheadAttention(E, FUSION_HEADS, batch_first=True)
        self.ln_2 = nn.LayerNorm(E)
        self.mlp = nn.Sequential(nn.Linear(E, 4 * E), QuickGELU(), nn.Linear(4 * E, E))

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Fusion(nn.Module):
    def __init__(self):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, E))
        self.mask_token = nn.Parameter(nn.init.trunc_normal_(torch.zeros(E), std=0.02, a=-0.02, b=0.02))
        self.block = FusionBlock()
        self.ln_post = nn.LayerNorm(E)
        std = E**-0.5  # CLIP init (1 layer)
        nn.init.normal_(self.block.attn.in_proj_weight, std=std)
        nn.init.normal_(self.block.attn.out_proj.weight, std=std * 2**-0.5)
        nn.init.normal_(self.block.mlp[2].weight, std=std * 2**-0.5)
        nn.init.normal_(self.block.mlp[0].weight, std=(2 * E) ** -0.5)

    def forward(self, tokens, subset, keeps=None):
        parts = []
        for i in subset:
            t = tokens[i]
            if keeps is not None:
                keep = keeps[i].unsqueeze(-1)
                t = t * keep + self.mask_token * (1 - keep)
            parts.append(t)
        x = torch.cat([self.cls_token.expand(tokens[0].shape[0], 1, E)] + parts, dim=1)
        return self.ln_post(self.block(x))[:, 0]


def make_head():
    return nn.Sequential(
        nn.Linear(E, HEAD_HIDDEN), nn.BatchNorm1d(HEAD_HIDDEN), nn.ReLU(),
        nn.Linear(HEAD_HIDDEN, HEAD_HIDDEN), nn.BatchNorm1d(HEAD_HIDDEN), nn.ReLU(),
        nn.Linear(HEAD_HIDDEN, HEAD_OUT),
    )


class InfMaskingModel(nn.Module):
    def __init__(self, config, side):
        super().__init__()
        if config == "mosi":
            self.encoders = nn.ModuleList([SequenceEncoder(f) for f in FEATS])
        else:
            self.encoders = nn.ModuleList([AlexNetEncoder(side) for _ in range(2)])
        self.fusion = Fusion()
        self.head = make_head()

    def random_keep(self, batch, length):
        """Keep int(L (1 - ratio)) tokens per sample: the first ones in the argsort of uniform noise."""
        n_keep = int(length * (1 - RATIO))
        ids = torch.argsort(torch.rand(batch, length), dim=1)[:, :n_keep]
        return torch.zeros(batch, length).scatter_(1, ids, 1.0)

    def view(self, xs):
        tokens = [enc(x) for enc, x in zip(self.encoders, xs)]
        subsets = [[0], [1], [0, 1]]
        z = [self.head(self.fusion(tokens, s)) for s in subsets]
        b = xs[0].shape[0]
        masked = [
            self.head(self.fusion(tokens, [0, 1], [self.random_keep(b, t.shape[1]) for t in tokens]))
            for _ in range(K)
        ]
        return z, masked


def nt_xent(z1, z2):
    n = z1.shape[0]
    z = torch.cat([z1, z2])
    sim = z @ z.T / TAU - SELF_MASK * torch.eye(2 * n) / TAU
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(sim, partner)


def mask_term(q, masked):
    b = q.shape[0]
    d = torch.einsum("kbe,be->kb", torch.stack(masked), q)  # q_b . k_{t,b}
    v = LAMBDA * d.var(dim=0, unbiased=False) / TAU**2
    pos = d.mean(dim=0) / TAU + 0.5 * v
    keys = torch.cat(masked + [q])  # [(K+1)B, E]
    negs = (q @ keys.T - SELF_MASK * torch.eye(b).repeat(1, K + 1)) / TAU
    logits = torch.cat([pos[:, None], negs], dim=1)
    return -F.log_softmax(logits, dim=1)[:, 0].mean() + 0.5 * v.mean()


def objective(v1, v2):
    z1 = [F.normalize(z, dim=-1) for z in v1[0]]
    z2 = [F.normalize(z, dim=-1) for z in v2[0]]
    m1 = [F.normalize(k, dim=-1) for k in v1[1]]
    m2 = [F.normalize(k, dim=-1) for k in v2[1]]
    comm = [0.5 * (nt_xent(z1[i], z2[-1]) + nt_xent(z2[i], z1[-1])) for i in range(3)]
    terms = [mask_term(z1[-1], m1), mask_term(z2[-1], m2)] + comm
    return torch.stack(terms).mean()


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        skip = p.ndim < 2 or any(s in name for s in ("bias", "ln", "bn", "norm"))
        (no_decay if skip else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="mosi")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=224, help="image side (trifeatures)")
    args = ap.parse_args()
    c = configure(args.config, args.batch)
    torch.set_num_threads(2)
    torch.set_default_device(args.device)
    torch.manual_seed(0)
    model = InfMaskingModel(args.config, args.size).train()
    opt = torch.optim.AdamW(param_groups(model, c["wd"]), lr=c["lr"])
    shapes = [(T, f) for f in FEATS] if args.config == "mosi" else [(3, args.size, args.size)] * 2
    views = [[torch.randn(BATCH, *s) for s in shapes] for _ in range(2)]
    times, loss = [], float("nan")
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        loss_t = objective(model.view(views[0]), model.view(views[1]))
        opt.zero_grad(set_to_none=True)
        loss_t.backward()
        opt.step()
        loss = loss_t.item()
        if step >= args.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(json.dumps({
        "torch": torch.__version__,
        "config": args.config,
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "batch": BATCH,
        "steps": args.steps,
        "median_ms": med,
        "min_ms": min(times),
        "samples_per_s": BATCH / (med / 1000),
        "loss": loss,
    }))


if __name__ == "__main__":
    main()
