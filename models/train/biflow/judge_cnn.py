"""The second judge: a convolutional classifier trained on the `fit` split, so that no
reported figure rests on one network's taste (the first judge, classifier.py, is an MLP).

It is built unlike the perceptual network G trains against (perceptual.py: 3x3 convolutions,
average pooling, LeakyReLU, no dense layer, features compared at three depths): 5x5
convolutions with batch norm and max pooling, then a dense 128-d layer whose activations
are the FLD features. Same interface as classifier.Classifier (features, out), so
classifier.predict and evaluate.score_samples take either judge.
"""
import os

import torch
import torch.nn.functional as nnf
from torch import nn
from tqdm import tqdm

ARCHITECTURE = ("CNN conv5x5(32)-BN-ReLU-maxpool, conv5x5(64)-BN-ReLU-maxpool, dense 128 "
                "(FLD features), 10; trained on fit")


class CNNJudge(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU())
        self.out = nn.Linear(128, 10)

    def features(self, x):
        return self.fc(self.conv(x))

    def forward(self, x):
        return self.out(self.features(x))


def train_or_load(path, x, y, steps=1500, batch=128, seed=1):
    """Loaded from `path`, else trained on (x, y) — the `fit` split — and saved there."""
    model = CNNJudge()
    if path and os.path.exists(path):
        model.load_state_dict(torch.load(path, map_location="cpu"))
        return model.eval()
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    model.train()
    for _ in tqdm(range(steps), desc="second judge", mininterval=5):
        idx = torch.randint(0, x.shape[0], (batch,), generator=gen)
        # No augmentation: shoes all face one way in Fashion-MNIST, and a judge that forgave
        # a flip or a shift would not see those errors in samples.
        loss = nnf.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save(model.state_dict(), path)
    return model


def default_path(here):
    return os.path.join(here, "checkpoints", "judge-cnn.pt")
