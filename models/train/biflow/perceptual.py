"""A perceptual distance for G: normalised activations of a small CNN at several depths,
compared LPIPS-style (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features").

MSE rewards the class mean wherever G is unsure (detail above 8 cycles is mostly averaged
away); a distance between feature maps does not, since a blurred image and a sharp one land
far apart in them. The network is trained as a classifier on the `fit` split only, and it
is a CNN on purpose: the judge that scores samples (classifier.py) is an MLP, so G is not
trained to please the network that grades it.
"""
import os

import torch
import torch.nn.functional as nnf
from torch import nn
from tqdm import tqdm


class FeatureNet(nn.Module):
    """Three convolutional stages (28, 14 and 7 pixels); the classifier head trains them."""

    def __init__(self, widths=(32, 64, 96)):
        super().__init__()
        a, b, c = widths

        def conv(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.LeakyReLU(0.2))

        self.stages = nn.ModuleList([
            nn.Sequential(conv(1, a), conv(a, a)),
            nn.Sequential(nn.AvgPool2d(2), conv(a, b), conv(b, b)),
            nn.Sequential(nn.AvgPool2d(2), conv(b, c), conv(c, c)),
        ])
        self.head = nn.Linear(c, 10)

    def features(self, x):
        out = []
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out

    def forward(self, x):
        return self.head(self.features(x)[-1].mean((2, 3)))


def _unit(f, eps=1e-8):
    """Each spatial position's feature vector scaled to unit length (LPIPS's normalisation)."""
    return f / (f.pow(2).sum(1, keepdim=True) + eps).sqrt()


def distance(net, a, b):
    """Mean over images of the summed per-stage squared distance of unit-normalised
    features; a and b are [B,1,28,28] in [-1,1]. Gradients flow into `a` (and `b`)."""
    total = 0.0
    for fa, fb in zip(net.features(a), net.features(b)):
        total = total + (_unit(fa) - _unit(fb)).pow(2).sum(1).mean((1, 2))
    return total.mean()


def train_or_load(path, x, y, steps=800, batch=128, seed=0):
    """The frozen feature network: loaded from `path`, else trained on (x, y) and saved.
    Light augmentation (a 1-pixel shift) keeps its features from hinging on exact pixels."""
    net = FeatureNet()
    if path and os.path.exists(path):
        net.load_state_dict(torch.load(path, map_location="cpu"))
        return _frozen(net)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    net.train()
    for _ in tqdm(range(steps), desc="perceptual net", mininterval=5):
        idx = torch.randint(0, x.shape[0], (batch,), generator=gen)
        dx, dy = torch.randint(-1, 2, (2,), generator=gen).tolist()
        xb = torch.roll(x[idx], shifts=(dy, dx), dims=(2, 3))
        loss = nnf.cross_entropy(net(xb), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save(net.state_dict(), path + ".tmp")
        os.replace(path + ".tmp", path)
    return _frozen(net)


def _frozen(net):
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
