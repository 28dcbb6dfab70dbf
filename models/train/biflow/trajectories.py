"""F's trajectories over the training images, computed once per noise draw and reused.

F is frozen while G trains, so recomputing its 9 states for every minibatch is wasted
work. A draw stores, per image, the noisy input's states s_0..s_B in float16 (14 KB an
image for the s config) together with the labels the trajectory was computed with (label
dropout for classifier-free guidance is drawn once per draw, since the null class changes
F's trajectory). Training cycles through a few draws, one per epoch.
"""
import os
import time

import torch


class TrajectoryCache:
    def __init__(self, flow, x, y, draws, label_drop, seed=0, batch=500, dtype=torch.float16,
                 cache_dir=None, fingerprint=""):
        self.flow, self.x, self.y = flow, x, y
        # On disk, a draw is shared by every run against the same F (experiments, resumes).
        self.cache_dir, self.fingerprint = cache_dir, fingerprint
        self.draws, self.label_drop, self.seed = draws, label_drop, seed
        self.batch, self.dtype = batch, dtype
        self._store = {}  # draw index -> (states [N,S,T,D], labels [N])
        self.seconds = 0.0

    @torch.no_grad()
    def _compute(self, d):
        gen = torch.Generator().manual_seed(self.seed * 1000 + d)
        cfg = self.flow.cfg
        n = self.x.shape[0]
        keep = torch.rand(n, generator=gen) >= self.label_drop
        labels = torch.where(keep, self.y, torch.full_like(self.y, cfg.num_classes))
        states = torch.empty(n, cfg.f_blocks + 1, cfg.tokens, cfg.token_dim, dtype=self.dtype)
        t0 = time.time()
        for i in range(0, n, self.batch):
            xb = self.x[i:i + self.batch]
            noise = torch.randn(xb.shape, generator=gen)
            traj, _ = self.flow.trajectory(xb + cfg.noise_sigma * noise, labels[i:i + self.batch])
            states[i:i + self.batch] = torch.stack(traj, 1).to(self.dtype)
        self.seconds += time.time() - t0
        print(f"trajectory draw {d}: {n} images in {time.time() - t0:.0f} s", flush=True)
        return states, labels

    def _path(self, d):
        name = f"trajectories-{self.fingerprint[:16]}-n{self.x.shape[0]}-seed{self.seed}-d{d}.pt"
        return os.path.join(self.cache_dir, name)

    def _load_or_compute(self, d):
        path = self._path(d) if self.cache_dir else None
        if path and os.path.exists(path):
            saved = torch.load(path)
            return saved["states"], saved["labels"]
        states, labels = self._compute(d)
        if path:
            os.makedirs(self.cache_dir, exist_ok=True)
            torch.save({"states": states, "labels": labels}, path + ".tmp")
            os.replace(path + ".tmp", path)
        return states, labels

    def get(self, idx, epoch):
        """States (list of B+1 float32 tensors [b,T,D]) and labels for images `idx`."""
        d = epoch % self.draws
        if d not in self._store:
            self._store = {d: self._load_or_compute(d)}  # one draw in memory at a time
        states, labels = self._store[d]
        picked = states[idx].float()
        return [picked[:, k] for k in range(picked.shape[1])], labels[idx]
