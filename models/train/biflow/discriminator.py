"""A small class-conditional discriminator for G's adversarial term.

Projection discriminator (Miyato & Koyama 2018, "cGANs with Projection Discriminator"):
logit = psi(h) + <embed(y), h>, with spectral normalisation on every weight (Miyato et al.
2018) so its gradients stay bounded, trained with the hinge loss. One-step generators that
add such a term to a regression loss (ADD / SD-Turbo, DMD2) get sharp one-pass samples; here
it sits beside G's alignment and reconstruction terms, so G stays F's inverse.
"""
import torch
import torch.nn.functional as nnf
from torch import nn
from torch.nn.utils import spectral_norm


class Discriminator(nn.Module):
    def __init__(self, num_classes=10, widths=(32, 64, 128)):
        super().__init__()
        a, b, c = widths
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(1, a, 3, padding=1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(a, b, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),  # 14
            spectral_norm(nn.Conv2d(b, c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),  # 7
            spectral_norm(nn.Conv2d(c, c, 3, padding=1)), nn.LeakyReLU(0.2),
        )
        self.linear = spectral_norm(nn.Linear(c, 1))
        self.embed = spectral_norm(nn.Embedding(num_classes, c))

    def forward(self, x, y):
        """x [B,1,28,28] in [-1,1], y [B] class indices (no null class) -> logits [B]."""
        h = self.body(x).sum((2, 3))
        return self.linear(h).squeeze(1) + (self.embed(y) * h).sum(1)


def d_hinge_loss(real_logits, fake_logits):
    return nnf.relu(1 - real_logits).mean() + nnf.relu(1 + fake_logits).mean()


def g_hinge_loss(fake_logits):
    return -fake_logits.mean()
