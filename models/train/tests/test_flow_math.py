"""The math under BiFlow's training code, checked on tiny random models in seconds.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m unittest discover -s models/train/tests -v

Each test compares against an independent expectation: the identity (inverse after
forward), autograd's Jacobian (log-determinant), the Jacobian's sparsity (causality), and
the checkpoint's own record of F (resume refusal).
"""
import os
import subprocess
import sys
import tempfile
import unittest

import torch

TRAIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAIN)
from biflow import config  # noqa: E402
from biflow.forward_flow import ForwardFlow, jacobi_block_update  # noqa: E402
from biflow.reverse_model import ReverseModel  # noqa: E402


def random_flow(seed=0, **overrides):
    """A tiny F with non-trivial weights (its output projections start at zero)."""
    torch.manual_seed(seed)
    cfg = config.get("tiny", height=8, width=8, patch=2, **overrides)
    f = ForwardFlow(cfg).double().eval()
    with torch.no_grad():
        for block in f.blocks:
            block.proj_out.weight.normal_(0, 0.3)
            block.proj_out.bias.normal_(0, 0.1)
    return f


class FlowMath(unittest.TestCase):
    def test_inverse_after_forward_is_identity(self):
        f = random_flow()
        x = torch.rand(4, 1, 8, 8, dtype=torch.float64) * 2 - 1
        y = torch.tensor([0, 3, 9, 10])  # 10: the null class
        z, _ = f(x, y)
        self.assertGreater(float((z - x).abs().max()), 0.1)  # F is not the identity
        back = f.inverse(z, y, guidance=0.0)
        # The decoder keeps its KV cache in float32, so float32 round-off is the bound.
        self.assertLess(float((back - x).abs().max()), 1e-6)

    def test_log_determinant_matches_autograd_jacobian(self):
        f = random_flow(seed=1)
        x = torch.rand(1, 1, 8, 8, dtype=torch.float64) * 2 - 1
        y = torch.tensor([2])
        _, logdet = f(x, y)
        jac = torch.autograd.functional.jacobian(lambda v: f(v.reshape(1, 1, 8, 8), y)[0].flatten(),
                                                 x.flatten())
        sign, expected = torch.linalg.slogdet(jac)
        self.assertEqual(float(sign), 1.0)
        self.assertAlmostEqual(float(logdet), float(expected), places=8)

    def test_each_block_is_causal_in_its_token_order(self):
        f = random_flow(seed=2)
        cfg = f.cfg
        t, d = cfg.tokens, cfg.token_dim
        x = torch.randn(1, t, d, dtype=torch.float64)
        y = torch.tensor([5])
        for k, block in enumerate(f.blocks):
            jac = torch.autograd.functional.jacobian(lambda v: block(v, y)[0], x)
            # Token-level dependence [out token, in token], in the block's own order.
            dep = jac.reshape(t, d, t, d).abs().sum(dim=(1, 3))
            if block.reversed_order:
                dep = dep.flip(0).flip(1)
            upper = torch.triu(dep, diagonal=1)
            self.assertEqual(float(upper.max()), 0.0, f"block {k} reads future tokens")
            # ...and it does read the past: the flow is not trivially diagonal.
            self.assertGreater(float(torch.tril(dep, diagonal=-1).max()), 0.0)

    def test_jacobi_update_makes_one_more_token_exact_per_step(self):
        # The independent expectation: each block's token-by-token inverse (f.inverse runs
        # them all; here one block at a time through FlowBlock.forward's inverse relation).
        f = random_flow(seed=4)
        cfg = f.cfg
        y = torch.tensor([1, 10])
        w = torch.tensor([0.0, 1.5], dtype=torch.float64)
        for k, block in enumerate(f.blocks):
            p = dict(block.named_parameters())
            x_true = torch.randn(2, cfg.tokens, cfg.token_dim, dtype=torch.float64)
            xo = block.order(x_true)
            # z of this block under guidance: x = z*exp(ls)+mu with the guided parameters.
            mu_c, ls_c = block.params(xo, y)
            mu_u, ls_u = block.params(xo, torch.full_like(y, cfg.num_classes))
            ww = w.reshape(2, 1, 1)
            mu, ls = (1 + ww) * mu_c - ww * mu_u, (1 + ww) * ls_c - ww * ls_u
            zo = (xo - mu) * torch.exp(-ls)
            guess = zo.clone()
            for step in range(1, cfg.tokens):
                guess = jacobi_block_update(p, cfg, guess, zo, y, w)
                err = (guess - xo).abs().amax(dim=(0, 2))
                self.assertLess(float(err[: step + 1].max()), 1e-7, f"block {k} step {step}")
            self.assertLess(float((guess - xo).abs().max()), 1e-7)
            self.assertGreater(float((zo - xo).abs().max()), 1e-2)  # the start was not the answer

    def test_jacobi_inverse_is_the_exact_inverse_with_tokens_minus_one_updates(self):
        # The independent expectation: F's token-by-token inverse (KV-cached causal decoding).
        f = random_flow(seed=5)
        cfg = f.cfg
        z = torch.randn(3, 1, 8, 8, dtype=torch.float64)
        y = torch.tensor([2, 7, 10])
        exact = f.inverse(z, y, guidance=0.5)
        full = f.jacobi_inverse(z, y, 0.5, [cfg.tokens - 1] * cfg.f_blocks)
        self.assertLess(float((full - exact).abs().max()), 1e-6)
        # Fewer updates approximate it, and more updates approximate it better.
        errs = [float((f.jacobi_inverse(z, y, 0.5, [k] * cfg.f_blocks) - exact).abs().max()) for k in (1, 4)]
        self.assertGreater(errs[0], errs[1])
        self.assertGreater(errs[1], 1e-6)

    def test_grown_reverse_model_computes_what_it_grew_from(self):
        torch.manual_seed(3)
        small = ReverseModel(config.get("tiny"))
        with torch.no_grad():
            for p in small.parameters():
                p.normal_(0, 0.2)
        big = ReverseModel(config.get("tiny", g_first_layers=3))
        self.assertEqual(big.grow_from(small.state_dict()), ["blocks.0.1", "blocks.0.2"])
        z = torch.randn(3, 1, 28, 28)
        y, w = torch.tensor([1, 2, 10]), torch.tensor([0.0, 1.0, 2.0])
        self.assertTrue(torch.allclose(big(z, y, w), small(z, y, w), atol=1e-6))


def run_train(*args):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, os.path.join(TRAIN, "train.py"), *args], env=env,
                          capture_output=True, text=True)


class ResumeRefusesChangedForward(unittest.TestCase):
    def test_g_refuses_an_f_it_was_not_trained_against(self):
        with tempfile.TemporaryDirectory() as run:
            common = ["--config", "tiny", "--run-dir", run, "--warmup", "2", "--threads", "1",
                      "--trajectory-draws", "0"]
            self.assertEqual(run_train("forward", "--steps", "2", *common).returncode, 0)
            self.assertEqual(run_train("reverse", "--steps", "2", *common).returncode, 0)
            ok = run_train("reverse", "--steps", "1", *common)
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            self.assertEqual(run_train("forward", "--steps", "1", *common).returncode, 0)
            refused = run_train("reverse", "--steps", "1", *common)
            self.assertNotEqual(refused.returncode, 0)
            self.assertIn("F changed since G was trained", refused.stdout + refused.stderr)
            allowed = run_train("reverse", "--steps", "1", "--new-forward", *common)
            self.assertEqual(allowed.returncode, 0, allowed.stdout + allowed.stderr)


if __name__ == "__main__":
    unittest.main()
