# Source: https://github.com/psywaves/EVCF/issues/1
# Pattern: the fix the reporter settled on: `pred_val = pred_val.cpu().numpy()` and
# `x = x.cpu().numpy()` before the numpy ranking; the rest of `evaluate_vae()` is unchanged.
# device: fake-cuda
import argparse

import numpy as np
import torch
from torch import nn


class VAE(nn.Module):
    def __init__(self, n_items, z_dim=8):
        super().__init__()
        self.encoder = nn.Linear(n_items, 2 * z_dim)
        self.decoder = nn.Linear(z_dim, n_items)

    def reconstruct_x(self, x):
        mu, _ = self.encoder(x).chunk(2, dim=1)
        return torch.log_softmax(self.decoder(torch.tanh(mu)), dim=1)


def ndcg_binary_at_k_batch(x_pred, heldout_batch, k=5):
    idx_topk = np.argsort(-x_pred, axis=1)[:, :k]
    tp = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (np.take_along_axis(heldout_batch, idx_topk, axis=1) * tp).sum(axis=1)
    idcg = np.array([tp[: min(int(n), k)].sum() for n in (heldout_batch != 0).sum(axis=1)])
    return dcg / np.maximum(idcg, 1e-8)


def evaluate_vae(args, model, data_loader):
    model.eval()
    scores = []
    for train, test in data_loader:
        if args.cuda:
            train, test = train.cuda(), test.cuda()
        x = train
        with torch.no_grad():
            pred_val = model.reconstruct_x(x)
            pred_val = pred_val.cpu().numpy()
            x = x.cpu().numpy()
            pred_val[x.nonzero()] = -np.inf
            scores.append(ndcg_binary_at_k_batch(pred_val, test.cpu().numpy()))
    return float(np.concatenate(scores).mean())


args = argparse.Namespace(cuda=torch.cuda.is_available())
model = VAE(n_items=20)
if args.cuda:
    model.cuda()
loader = [((torch.rand(4, 20) > 0.7).float(), (torch.rand(4, 20) > 0.7).float()) for _ in range(2)]
print(evaluate_vae(args, model, loader))
