"""Forward model F: an improved TARFlow mapping (noisy) images to Gaussian noise.

B autoregressive affine flow blocks over patch tokens. Block k sees the tokens in
canonical order when k is even and reversed when k is odd; token t's shift and
log-scale come from a causal transformer over tokens < t (token 0 passes unchanged).
States between blocks are always kept in canonical order, so the trajectory F records
is directly comparable with the hidden states of the reverse model G.
"""
import math

import torch
import torch.nn.functional as nnf
from torch import nn

from .layers import Layer, causal_mask, patchify, soft_clip, unpatchify


class FlowBlock(nn.Module):
    def __init__(self, cfg, reversed_order):
        super().__init__()
        t, d, w = cfg.tokens, cfg.token_dim, cfg.f_width
        self.reversed_order = reversed_order
        self.clip = cfg.clip if cfg.use_clip else None
        self.proj_in = nn.Linear(d, w)
        self.pos = nn.Parameter(torch.randn(t, w) * 0.02)
        self.class_emb = nn.Embedding(cfg.num_classes + 1, w)
        nn.init.normal_(self.class_emb.weight, std=0.02)
        self.layers = nn.ModuleList([Layer(w, cfg.f_heads) for _ in range(cfg.f_layers)])
        self.norm_out = nn.LayerNorm(w)
        self.proj_out = nn.Linear(w, 2 * d)
        # Start every block at the identity map: training is stable from step one.
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)
        self.register_buffer("mask", causal_mask(t), persistent=False)

    def order(self, x):
        return x.flip(1) if self.reversed_order else x

    def params_from_hidden(self, h):
        mu, log_scale = self.proj_out(self.norm_out(h)).chunk(2, dim=-1)
        if self.clip is not None:
            mu, log_scale = soft_clip(mu, self.clip), soft_clip(log_scale, self.clip)
        return mu, log_scale

    def params(self, x, y):
        """Per-token (mu, log_scale) for x in this block's order, from tokens < t."""
        h = self.proj_in(x) + self.pos + self.class_emb(y)[:, None, :]
        for layer in self.layers:
            h = layer(h, self.mask)
        mu, log_scale = self.params_from_hidden(h)
        pad = torch.zeros_like(mu[:, :1])
        return torch.cat([pad, mu[:, :-1]], 1), torch.cat([pad, log_scale[:, :-1]], 1)

    def forward(self, x, y, guidance=None):
        """Data -> noise for canonical-order tokens x; returns (z, logdet)."""
        xo = self.order(x)
        mu, log_scale = self.params(xo, y)
        z = (xo - mu) * torch.exp(-log_scale)
        return self.order(z), -log_scale.sum(dim=(1, 2))


class ForwardFlow(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.blocks = nn.ModuleList([FlowBlock(cfg, reversed_order=(k % 2 == 1))
                                     for k in range(cfg.f_blocks)])

    def tokens(self, image):
        return patchify(image, self.cfg.patch)

    def image(self, tokens):
        c = self.cfg
        return unpatchify(tokens, c.patch, c.channels, c.height, c.width)

    def trajectory(self, image, y):
        """All states s_0 (=input tokens) ... s_B (=z), canonical order, and logdet."""
        s = self.tokens(image)
        states = [s]
        logdet = torch.zeros(image.shape[0], device=image.device)
        for block in self.blocks:
            s, ld = block(s, y)
            logdet = logdet + ld
            states.append(s)
        return states, logdet

    def forward(self, image, y):
        """image [B,C,H,W] -> (z [B,C,H,W], logdet [B])."""
        states, logdet = self.trajectory(image, y)
        return self.image(states[-1]), logdet

    def log_prob(self, image, y):
        z, logdet = self(image, y)
        prior = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).flatten(1).sum(1)
        return prior + logdet

    def nll_loss(self, image, y):
        """Mean negative log-likelihood per dimension (nats): the training objective."""
        dims = image[0].numel()
        return -(self.log_prob(image, y)).mean() / dims

    # ---- exact inverse: token-by-token causal decoding with a KV cache -------------

    @torch.no_grad()
    def inverse(self, z_image, y, guidance=0.0):
        """Noise -> data by inverting each block token by token (TARFlow sampling).

        With guidance w > 0, every step's parameters are (1+w)*p(.|y) - w*p(.|null),
        TARFlow's classifier-free guidance, computed as one batch of 2B.
        """
        cfg = self.cfg
        b = z_image.shape[0]
        s = self.tokens(z_image)
        guided = guidance != 0.0
        yy = torch.cat([y, torch.full_like(y, cfg.num_classes)]) if guided else y
        for block in reversed(self.blocks):
            zo = block.order(s)
            weights = dict(block.named_parameters())
            xo = torch.zeros_like(zo)
            xo[:, 0] = zo[:, 0]
            nb = yy.shape[0]
            heads, dh = cfg.f_heads, cfg.f_width // cfg.f_heads
            dev = z_image.device
            caches = [(torch.zeros(nb, heads, cfg.tokens, dh, device=dev),
                       torch.zeros(nb, heads, cfg.tokens, dh, device=dev)) for _ in block.layers]
            for t in range(1, cfg.tokens):
                prev = xo[:, t - 1]
                if guided:
                    prev = torch.cat([prev, prev])
                mu, log_scale, caches = decode_block_step(
                    weights, cfg, prev, torch.tensor(t - 1, device=dev), yy, caches)
                if guided:
                    mu = (1 + guidance) * mu[:b] - guidance * mu[b:]
                    log_scale = (1 + guidance) * log_scale[:b] - guidance * log_scale[b:]
                xo[:, t] = zo[:, t] * torch.exp(log_scale) + mu
            s = block.order(xo)
        return self.image(s)

    @torch.no_grad()
    def jacobi_inverse(self, z_image, y, guidance, iterations):
        """Noise -> data by Jacobi (parallel fixed-point) iteration of each block's inverse.

        iterations[k] updates of block k (block 0 first; blocks run last to first), each from
        the start x = z of that block: the algorithm of jacobi_step.onnx and the service's
        sampler=jacobi (src/flow/jacobi.ts), so tokens - 1 updates per block is exact.
        guidance: a float for every image, mixed as in `inverse`.
        """
        s = self.tokens(z_image)
        w = torch.full((z_image.shape[0],), float(guidance), dtype=z_image.dtype, device=z_image.device)
        for k in reversed(range(len(self.blocks))):
            block = self.blocks[k]
            zo = block.order(s)
            weights = dict(block.named_parameters())
            x = zo
            for _ in range(iterations[k]):
                x = jacobi_block_update(weights, self.cfg, x, zo, y, w)
            s = block.order(x)
        return self.image(s)


def decode_block_step(p, cfg, token, position, y, caches):
    """One token of a flow block's exact inverse, written over an explicit weight dict.

    `p` maps the block's parameter names to tensors: the block's own parameters when
    sampling in PyTorch, or weights gathered by block index in the exported
    decode_step.onnx (tracing cannot swap module parameters). Feeds the decoded token at
    `position` (block order) and returns the (mu, log_scale) of position+1 and the caches.
    token [B,D]; position int64 scalar tensor; caches: per layer (k, v) [B,H,T,dh].
    """
    def lin(name, x):
        return nnf.linear(x, p[name + ".weight"], p[name + ".bias"])

    def norm(name, x):
        return nnf.layer_norm(x, (cfg.f_width,), p[name + ".weight"], p[name + ".bias"])

    heads = cfg.f_heads
    dh = cfg.f_width // heads
    b = token.shape[0]
    h = lin("proj_in", token[:, None, :]) + p["pos"][position] + \
        nnf.embedding(y, p["class_emb.weight"])[:, None, :]
    slots = torch.arange(cfg.tokens, device=token.device)
    # One-hot blend instead of an in-place write: exports with a dynamic position.
    here = (slots == position).to(h.dtype).reshape(1, 1, -1, 1)
    visible = (slots <= position).reshape(1, 1, 1, -1)
    new_caches = []
    for i, (kc, vc) in enumerate(caches):
        pre = f"layers.{i}."
        q, k, v = lin(pre + "attn.qkv", norm(pre + "norm1", h)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, 1, heads, dh).permute(0, 2, 1, 3) for t in (q, k, v))
        kc = kc * (1 - here) + k * here
        vc = vc * (1 - here) + v * here
        scores = torch.matmul(q, kc.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        probs = torch.softmax(scores.masked_fill(~visible, -1e9), dim=-1)
        o = torch.matmul(probs, vc).permute(0, 2, 1, 3).reshape(b, 1, heads * dh)
        h = h + lin(pre + "attn.out", o)
        h = h + lin(pre + "mlp.2", nnf.gelu(lin(pre + "mlp.0", norm(pre + "norm2", h))))
        new_caches.append((kc, vc))
    mu, log_scale = lin("proj_out", norm("norm_out", h))[:, 0].chunk(2, dim=-1)
    if cfg.use_clip:
        mu, log_scale = soft_clip(mu, cfg.clip), soft_clip(log_scale, cfg.clip)
    return mu, log_scale, new_caches


def block_params_parallel(p, cfg, x, y):
    """FlowBlock.params over an explicit weight dict: every token's (mu, log_scale) at once.

    x [B,T,D] in the block's own order; token t's parameters come from tokens < t (token
    0 gets zeros). The same computation as FlowBlock.params, written over `p` so that
    jacobi_step.onnx can gather one block's weights by a runtime index (decode_block_step).
    """
    def lin(name, t):
        return nnf.linear(t, p[name + ".weight"], p[name + ".bias"])

    def norm(name, t):
        return nnf.layer_norm(t, (cfg.f_width,), p[name + ".weight"], p[name + ".bias"])

    heads = cfg.f_heads
    dh = cfg.f_width // heads
    b, n = x.shape[0], cfg.tokens
    h = lin("proj_in", x) + p["pos"] + nnf.embedding(y, p["class_emb.weight"])[:, None, :]
    mask = causal_mask(n, device=x.device)
    for i in range(cfg.f_layers):
        pre = f"layers.{i}."
        q, k, v = lin(pre + "attn.qkv", norm(pre + "norm1", h)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, heads, dh).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh))
        probs = torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)
        o = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(b, n, heads * dh)
        h = h + lin(pre + "attn.out", o)
        h = h + lin(pre + "mlp.2", nnf.gelu(lin(pre + "mlp.0", norm(pre + "norm2", h))))
    mu, log_scale = lin("proj_out", norm("norm_out", h)).chunk(2, dim=-1)
    if cfg.use_clip:
        mu, log_scale = soft_clip(mu, cfg.clip), soft_clip(log_scale, cfg.clip)
    pad = torch.zeros_like(mu[:, :1])
    return torch.cat([pad, mu[:, :-1]], 1), torch.cat([pad, log_scale[:, :-1]], 1)


def jacobi_block_update(p, cfg, x, z, y, guidance):
    """One Jacobi (parallel fixed-point) step of a flow block's inverse, all tokens at once.

    Block k maps its input x to z = (x - mu(x_<t)) * exp(-log_scale(x_<t)); its inverse is
    the fixed point of x <- z * exp(log_scale(x)) + mu(x). From any start, token t is exact
    after t steps (token 0 passes through), since its parameters depend only on tokens < t
    (GS-Jacobi, arXiv 2505.12849). x, z [B,T,D] in the block's order; guidance [B] mixes
    (1+w)*p(.|y) - w*p(.|null) with the conditional and unconditional rows as one batch.
    """
    b = x.shape[0]
    rows = torch.cat([x, x])
    classes = torch.cat([y, torch.full_like(y, cfg.num_classes)])
    mu, log_scale = block_params_parallel(p, cfg, rows, classes)
    w = guidance.reshape(b, 1, 1)
    mu = (1 + w) * mu[:b] - w * mu[b:]
    log_scale = (1 + w) * log_scale[:b] - w * log_scale[b:]
    return z * torch.exp(log_scale) + mu
