"""Reverse model G (BiFlow): noise -> clean image in one forward pass (1-NFE).

A bidirectional transformer conditioned on class and guidance scale w. It has one block
per F block, visited in reverse order; after block j a projection head updates a
token-space estimate that is aligned with F's normalized state s_{B-j} (hidden alignment,
paper Sec. 3). An extra final block maps to
the clean image (learned denoising), replacing TARFlow's score-based denoising step.
"""
import math

import torch
from torch import nn

from .layers import Layer, patchify, unpatchify


def fourier_features(w, dims=32, max_period=100.0):
    half = dims // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=w.device) / half)
    angles = w[:, None] * freqs[None, :] * 10.0
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


class ReverseModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        w, d, t = cfg.g_width, cfg.token_dim, cfg.tokens
        self.proj_in = nn.Linear(d, w)
        self.pos = nn.Parameter(torch.randn(t, w) * 0.02)
        self.class_emb = nn.Embedding(cfg.num_classes + 1, w)
        nn.init.normal_(self.class_emb.weight, std=0.02)
        self.guidance_mlp = nn.Sequential(nn.Linear(32, w), nn.GELU(), nn.Linear(w, w))
        n_blocks = cfg.f_blocks + (1 if cfg.use_denoise else 0)
        self.blocks = nn.ModuleList([
            nn.ModuleList([Layer(w, cfg.g_heads) for _ in range(
                cfg.first_block_layers if i == 0 else cfg.g_layers)])
            for i in range(n_blocks)])
        # Each block re-reads the condition: cheap, and keeps guidance from fading.
        self.cond_proj = nn.ModuleList([nn.Linear(w, w) for _ in range(n_blocks)])
        self.heads = nn.ModuleList([
            nn.Sequential(nn.LayerNorm(w), nn.Linear(w, d)) for _ in range(n_blocks)])
        for head in self.heads if cfg.g_residual else []:  # start as the identity z -> z
            nn.init.zeros_(head[1].weight)
            nn.init.zeros_(head[1].bias)

    def grow_from(self, state_dict):
        """Loads weights of a G with fewer layers in its first block (an explicit
        architecture change, `g_first_layers`): matching tensors are copied and each new
        layer starts as the identity (zero output projections of attention and MLP), so
        the grown G computes exactly what the loaded one did. Returns the new layers' names.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if unexpected or any(not k.startswith("blocks.0.") for k in missing):
            raise ValueError(f"not a growth of the first block: missing {missing[:4]}, "
                             f"unexpected {unexpected[:4]}")
        own.update({k: v for k, v in state_dict.items()})
        self.load_state_dict(own)
        new_layers = sorted({".".join(k.split(".")[:3]) for k in missing})
        with torch.no_grad():
            for name in new_layers:
                layer = self.get_submodule(name)
                for lin in (layer.attn.out, layer.mlp[2]):
                    lin.weight.zero_()
                    lin.bias.zero_()
        return new_layers

    def forward_tokens(self, z_tokens, y, guidance):
        """Returns the token-space estimate after each block; the last is the image.

        The estimate starts at z and every block adds its head's output to it, so a block
        only has to undo one F block (a small change: each moves tokens by ~0.3 RMS)
        instead of re-deriving the whole state from its hidden features.
        """
        cond = self.class_emb(y) + self.guidance_mlp(fourier_features(guidance))
        h = self.proj_in(z_tokens) + self.pos
        estimate = z_tokens
        outs = []
        for layers, cproj, head in zip(self.blocks, self.cond_proj, self.heads):
            h = h + cproj(cond)[:, None, :]
            for layer in layers:
                h = layer(h)
            # g_residual off: each head predicts the state outright (the first design).
            estimate = estimate + head(h) if self.cfg.g_residual else head(h)
            outs.append(estimate)
        return outs

    def forward(self, z, y, guidance):
        """z [B,C,H,W], class [B] int64, guidance [B] float -> image [B,C,H,W] in [-1,1]."""
        c = self.cfg
        tokens = self.forward_tokens(patchify(z, c.patch), y, guidance)[-1]
        return unpatchify(tokens, c.patch, c.channels, c.height, c.width).clamp(-1.0, 1.0)
