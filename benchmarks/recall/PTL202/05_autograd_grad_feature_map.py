# Source: https://github.com/Animadversio/GAN-Geometry/issues/4
# Pattern: the gradient of a feature-map objective with respect to latent perturbations, with
# torch.autograd.grad on the (non-scalar) activations and no grad_outputs.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class ForwardHVPOperator:
    def __init__(self, generator, objective, code):
        self.generator = generator
        self.objective = objective
        self.code = code

    def apply(self, vecs, eps=1e-2):
        perturb_vecs = (self.code + eps * vecs).detach().requires_grad_(True)
        img = self.generator(perturb_vecs)
        activs = self.objective(img)
        ftgrad = torch.autograd.grad(activs, perturb_vecs, retain_graph=False, create_graph=False)[0]  # bug: PTL202
        return ftgrad


G = nn.Sequential(nn.Linear(8, 3 * 8 * 8), nn.Unflatten(1, (3, 8, 8)))
objective = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
op = ForwardHVPOperator(G, objective, torch.randn(1, 8))
op.apply(torch.randn(2, 8))
