"""Transformer pieces shared by F and G, written to export cleanly to ONNX opset 17.

Attention is hand-written: torch 1.13 has no scaled_dot_product_attention and
nn.MultiheadAttention freezes the batch size in export. Patchify uses reshape/permute
because F.fold does not export.
"""
import math

import torch
from torch import nn


def patchify(x, patch):
    """[B,C,H,W] -> [B,T,D] with T=(H/p)*(W/p) row-major patches, D=C*p*p."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // patch, patch, w // patch, patch)
    x = x.permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b, (h // patch) * (w // patch), c * patch * patch)


def unpatchify(t, patch, channels, height, width):
    b = t.shape[0]
    gh, gw = height // patch, width // patch
    x = t.reshape(b, gh, gw, channels, patch, patch)
    x = x.permute(0, 3, 1, 4, 2, 5)
    return x.reshape(b, channels, height, width)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        assert width % heads == 0
        self.heads = heads
        self.head_dim = width // heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def split_heads(self, t):
        b, n, _ = t.shape
        return t.reshape(b, n, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def qkv_heads(self, h):
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        return self.split_heads(q), self.split_heads(k), self.split_heads(v)

    def attend(self, q, k, v, mask):
        """q [B,H,Nq,dh], k/v [B,H,Nk,dh]; mask broadcastable to [B,H,Nq,Nk], True = keep."""
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        if mask is not None:
            scores = scores.masked_fill(~mask, -1e9)
        probs = torch.softmax(scores, dim=-1)
        o = torch.matmul(probs, v)
        b, _, n, _ = o.shape
        return self.out(o.permute(0, 2, 1, 3).reshape(b, n, self.heads * self.head_dim))

    def forward(self, h, mask=None):
        q, k, v = self.qkv_heads(h)
        return self.attend(q, k, v, mask)


class Layer(nn.Module):
    """Pre-norm transformer layer (attention + 4x GELU MLP)."""

    def __init__(self, width, heads, mlp_ratio=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(),
                                 nn.Linear(mlp_ratio * width, width))

    def forward(self, h, mask=None):
        h = h + self.attn(self.norm1(h), mask)
        return h + self.mlp(self.norm2(h))


def causal_mask(n, device=None):
    return torch.tril(torch.ones(n, n, dtype=torch.bool, device=device)).reshape(1, 1, n, n)


def soft_clip(t, c):
    """Norm control: squash per-step flow parameters into (-c, c) with a smooth clip."""
    return c * torch.tanh(t / c)
