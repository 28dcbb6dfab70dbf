"""Mode-collapse figures for generated samples: within-class diversity and k-NN
precision / recall (Kynkäänniemi et al., NeurIPS 2019) in the judge's feature space.

Diversity: mean pairwise pixel distance between samples of one class, averaged over
classes, divided by the same figure for real images; 1.0 means real data's variety, a
model that regresses to a class mean scores well below.
Precision: the fraction of generated samples inside the real manifold (the union of
balls around each real feature reaching its k-th nearest real neighbour); recall: the
fraction of real samples inside the generated manifold.
"""
import torch


def mean_pairwise_distance(x):
    flat = x.flatten(1).double()
    d = torch.cdist(flat, flat)
    n = flat.shape[0]
    return float(d.sum() / (n * (n - 1)))


def within_class_diversity(samples, labels, num_classes, per_class=200):
    """Mean over classes of the mean pairwise L2 distance (pixels in [-1, 1])."""
    out = []
    for k in range(num_classes):
        xs = samples[labels == k][:per_class]
        if xs.shape[0] >= 2:
            out.append(mean_pairwise_distance(xs))
    return sum(out) / len(out) if out else None  # None: no class has two samples


def diversity_ratio(samples, labels, real_x, real_y, num_classes, per_class=200):
    real = within_class_diversity(real_x, real_y, num_classes, per_class)
    fake = within_class_diversity(samples, labels, num_classes, per_class)
    return None if real is None or fake is None else fake / real


def _radii(feats, k):
    d = torch.cdist(feats, feats)
    # k+1: the nearest "neighbour" of a point is itself at distance 0.
    return d.kthvalue(k + 1, dim=1).values


def _coverage(manifold, radii, queries, chunk=1000):
    inside = []
    for i in range(0, queries.shape[0], chunk):
        d = torch.cdist(queries[i:i + chunk], manifold)
        inside.append((d <= radii[None, :]).any(dim=1))
    return float(torch.cat(inside).double().mean())


def precision_recall(real_feats, fake_feats, k=3):
    """(precision, recall), or (None, None) with too few points for k neighbours."""
    if min(real_feats.shape[0], fake_feats.shape[0]) <= k:
        return None, None
    real, fake = real_feats.double(), fake_feats.double()
    precision = _coverage(real, _radii(real, k), fake)
    recall = _coverage(fake, _radii(fake, k), real)
    return precision, recall
