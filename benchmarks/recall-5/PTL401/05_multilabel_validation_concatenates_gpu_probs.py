# Source: https://github.com/JunwenBai/C-GMVAE/pull/1
# Pattern: a multi-label VAE's validation loop collects the predicted label probabilities batch by batch (on
#   the GPU) and joins them with `np.concatenate` to compute its metrics
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class LabelEncoder(nn.Module):
    def __init__(self, feat_dim=24, n_labels=6, latent=8):
        super().__init__()
        self.fx = nn.Sequential(nn.Linear(feat_dim, 32), nn.ReLU(), nn.Linear(32, latent))
        self.label_emb = nn.Parameter(torch.randn(n_labels, latent))

    def forward(self, x):
        return torch.sigmoid(self.fx(x) @ self.label_emb.T)


def validate(model, loader, device):
    model.eval()
    all_indiv_prob, all_labels = [], []
    with torch.no_grad():
        for feats, labels in loader:
            indiv_prob = model(feats.to(device))
            all_indiv_prob.append(indiv_prob)
            all_labels.append(labels.numpy())
    all_indiv_prob = np.concatenate(all_indiv_prob)  # bug: PTL401
    all_labels = np.concatenate(all_labels)
    return ((all_indiv_prob > 0.5) == all_labels).mean()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = LabelEncoder().to(device)
loader = [(torch.randn(8, 24), torch.randint(0, 2, (8, 6))) for _ in range(3)]
print(validate(model, loader, device))
