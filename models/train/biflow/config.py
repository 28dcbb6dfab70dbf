"""Model and training configurations. `s` is the shipped model; `tiny` is for CI."""
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Config:
    name: str = "s"
    channels: int = 1
    height: int = 28
    width: int = 28
    num_classes: int = 10
    patch: int = 4
    # forward flow F
    f_blocks: int = 8
    f_layers: int = 1
    f_width: int = 96
    f_heads: int = 4
    noise_sigma: float = 0.05
    clip: float = 3.0
    use_clip: bool = True
    label_drop: float = 0.1
    # reverse model G
    g_layers: int = 1          # layers per G block (one G block per F block)
    # Layers of G's first block, the one that inverts F's last block: that block does most
    # of the Gaussianization and is the most sequential to invert (0: same as g_layers).
    g_first_layers: int = 0
    # Weight of the first block's alignment term relative to the others (1: all equal).
    align_first_weight: float = 1.0
    g_width: int = 96
    g_heads: int = 4
    g_residual: bool = True    # blocks update a token-space estimate (off: heads predict states)
    use_align: bool = True     # hidden alignment; off = naive distillation
    use_denoise: bool = True   # extra final block predicting clean x
    guidance_max: float = 3.0
    cfg_fraction: float = 0.5  # extra CFG-distillation examples per batch, as a fraction
    # Perceptual term on G's final (denoised) output against the clean image: LPIPS-style
    # distance in a CNN trained on `fit` (perceptual.py); 0 = off (every release to 1.3.0).
    perceptual_weight: float = 0.0
    # Adversarial term on G's guided samples from prior noise (discriminator.py): this
    # factor times the adaptive weight that balances its gradient against the
    # reconstruction terms' at G's last layer; 0 = off. The discriminator trains alone for
    # adv_d_warmup steps, then the term ramps in linearly over adv_ramp steps.
    adv_weight: float = 0.0
    adv_d_warmup: int = 200
    adv_ramp: int = 500

    @property
    def first_block_layers(self):
        return self.g_first_layers or self.g_layers

    @property
    def tokens(self):
        return (self.height // self.patch) * (self.width // self.patch)

    @property
    def token_dim(self):
        return self.channels * self.patch * self.patch

    def to_dict(self):
        d = asdict(self)
        d.update(tokens=self.tokens, token_dim=self.token_dim)
        return d


CONFIGS = {
    "s": Config(),
    # Ablation rows: the same method at a size that trains in minutes on 2 cores.
    "xs": Config(name="xs", f_blocks=4, f_layers=1, f_width=64, f_heads=4,
                 g_layers=1, g_width=64, g_heads=4),
    "tiny": Config(name="tiny", f_blocks=2, f_layers=1, f_width=32, f_heads=2,
                   g_layers=1, g_width=32, g_heads=2),
}


def get(name, **overrides):
    return replace(CONFIGS[name], **overrides)


def from_dict(d):
    fields = {k: v for k, v in d.items() if k in Config.__dataclass_fields__}
    return Config(**fields)
