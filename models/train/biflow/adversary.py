"""The discriminator's side of G's adversarial term: its weights, optimizer and step count,
kept in the run folder beside G's checkpoint (`discriminator.pt`, not committed: a run
without it starts a fresh discriminator, which trains alone before G feels it)."""
import os

import torch

from . import checkpoint
from .discriminator import Discriminator, d_hinge_loss, g_hinge_loss


class Adversary:
    def __init__(self, path, cfg, device, lr=2e-4):
        self.path, self.cfg = path, cfg
        self.net = Discriminator(cfg.num_classes).to(device)
        # beta1 = 0, as GANs with spectral norm usually train (Miyato et al. 2018).
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr, betas=(0.0, 0.99))
        self.steps = 0
        state = checkpoint.load(path, device)
        if state is not None:
            self.net.load_state_dict(state["model"])
            self.opt.load_state_dict(state["opt"])
            self.steps = state["steps"]
            print(f"discriminator resumed at its step {self.steps}", flush=True)

    def train_step(self, real, real_y, fake, fake_y):
        """One hinge-loss step on real images and (detached) samples; returns its loss."""
        for p in self.net.parameters():
            p.requires_grad_(True)
        loss = d_hinge_loss(self.net(real, real_y), self.net(fake, fake_y))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        return loss.detach()

    def ramp(self):
        """0 while the discriminator warms up alone, then linear to 1 over adv_ramp steps."""
        c = self.cfg
        return min(1.0, max(0.0, (self.steps - c.adv_d_warmup) / max(1, c.adv_ramp)))

    def generator_loss(self, fake, fake_y):
        # G's gradient only: the discriminator's own weights stay out of G's backward.
        for p in self.net.parameters():
            p.requires_grad_(False)
        return g_hinge_loss(self.net(fake, fake_y))

    def save(self):
        checkpoint.save(self.path, model=self.net.state_dict(), opt=self.opt.state_dict(),
                        steps=self.steps)
