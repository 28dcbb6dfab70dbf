"""Modules with exactly the ONNX contract of docs/MODEL-CONTRACT.md, for export.

`DecodeStep` and `JacobiStep` gather one flow block's weights by a runtime `block` index
from stacked copies of every block's parameters, so a single `decode_step.onnx` (and
`jacobi_step.onnx`) serves all blocks.
"""
import torch
from torch import nn

from .forward_flow import decode_block_step, jacobi_block_update
from .layers import patchify, unpatchify


class Reverse(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, z, klass, guidance):
        return self.g(z, klass, guidance)


class Forward(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, image, klass):
        return self.f(image, klass)


class DecodeStep(nn.Module):
    """(block, position, token, class, k_cache, v_cache) -> (mu, log_scale, caches').

    Feeds the already-decoded token at `position` (in the block's own token order) and
    returns the affine parameters of token position+1: x[t+1] = z[t+1]*exp(log_scale)+mu.
    Caches are [layers, batch, heads, tokens, head_dim], zeros at the start of a block.
    """

    def __init__(self, f):
        super().__init__()
        self.cfg = f.cfg
        self.names = [n for n, _ in f.blocks[0].named_parameters()]
        for i, n in enumerate(self.names):
            stacked = torch.stack([dict(b.named_parameters())[n].detach() for b in f.blocks])
            self.register_buffer(f"w{i}", stacked)

    def forward(self, block, position, token, klass, k_cache, v_cache):
        weights = {n: getattr(self, f"w{i}")[block] for i, n in enumerate(self.names)}
        caches = [(k_cache[i], v_cache[i]) for i in range(k_cache.shape[0])]
        mu, log_scale, new = decode_block_step(weights, self.cfg, token, position, klass, caches)
        return mu, log_scale, torch.stack([k for k, _ in new]), torch.stack([v for _, v in new])


class JacobiStep(nn.Module):
    """(block, x, z, class, guidance) -> x_next: one parallel update of a block's inverse.

    x (the current guess) and z (the block's output, i.e. what is being inverted) are
    images [batch,C,H,W]; x_next = z*exp(log_scale(x)) + mu(x) for every token at once, in
    the block's own token order, with classifier-free guidance per image. Iterating it
    from x = z inverts the block: after k updates tokens 0..k (block order) are exact.
    """

    def __init__(self, f):
        super().__init__()
        self.cfg = f.cfg
        self.names = [n for n, _ in f.blocks[0].named_parameters()]
        for i, n in enumerate(self.names):
            stacked = torch.stack([dict(b.named_parameters())[n].detach() for b in f.blocks])
            self.register_buffer(f"w{i}", stacked)
        t = f.cfg.tokens
        # Each block's token order as a permutation (a flip is its own inverse).
        orders = [torch.arange(t - 1, -1, -1) if b.reversed_order else torch.arange(t) for b in f.blocks]
        self.register_buffer("orders", torch.stack(orders))

    def forward(self, block, x, z, klass, guidance):
        c = self.cfg
        weights = {n: getattr(self, f"w{i}")[block] for i, n in enumerate(self.names)}
        order = self.orders[block]
        xo = patchify(x, c.patch)[:, order]
        zo = patchify(z, c.patch)[:, order]
        out = jacobi_block_update(weights, c, xo, zo, klass, guidance)
        return unpatchify(out[:, order], c.patch, c.channels, c.height, c.width)
