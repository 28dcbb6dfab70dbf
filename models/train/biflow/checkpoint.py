"""Checkpoints that make training cumulative: every run resumes from the last one."""
import copy
import os

import torch


class EMA:
    """Exponential moving average of weights; sampling and export use these."""

    def __init__(self, model, decay):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, step):
        # Short warm-up so early checkpoints are not dominated by the random init.
        d = min(self.decay, (1 + step) / (10 + step))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1 - d)


def resume_path(path):
    """Where the optimizer state and raw weights of `path` live: beside it, never committed,
    so the committed checkpoint is the EMA weights alone (a third of the size)."""
    return path[:-3] + ".resume.pt" if path.endswith(".pt") else path + ".resume"


def save(path, **state):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a crash mid-save never leaves a torn checkpoint


def load(path, device="cpu"):
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location=device)
