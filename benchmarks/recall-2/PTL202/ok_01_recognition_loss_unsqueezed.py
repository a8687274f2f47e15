# Source: https://github.com/mindee/doctr/pull/379
# Pattern: the merged fix: `compute_loss` returns `ce_loss.mean()`.
import torch
import torch.nn.functional as F
from torch import nn

VOCAB, MAX_LEN = 12, 6


class MASTER(nn.Module):
    def __init__(self, vocab_size=VOCAB, d_model=16):
        super().__init__()
        self.feat = nn.Linear(8, d_model)
        self.decoder = nn.GRU(d_model, d_model, batch_first=True)
        self.linear = nn.Linear(d_model, vocab_size + 1)

    @staticmethod
    def compute_loss(model_output, gt, seq_len):
        input_len = model_output.shape[1]
        seq_len = seq_len + 1  # the <eos> token
        cce = F.cross_entropy(model_output.permute(0, 2, 1), gt, reduction="none")
        mask_2d = torch.arange(input_len)[None, :] >= seq_len[:, None]
        cce[mask_2d] = 0
        ce_loss = cce.sum(1) / seq_len.to(dtype=torch.float32)
        return ce_loss.mean()

    def forward(self, x, target=None, seq_len=None):
        feats = self.feat(x)
        decoded, _ = self.decoder(feats)
        logits = self.linear(decoded)
        out = {"out_map": logits}
        if target is not None:
            out["loss"] = self.compute_loss(logits, target, seq_len)
        return out


model = MASTER()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(2):
    images = torch.randn(4, MAX_LEN, 8)
    targets = torch.randint(0, VOCAB + 1, (4, MAX_LEN))
    seq_len = torch.randint(1, MAX_LEN - 1, (4,))
    train_loss = model(images, targets, seq_len)["loss"]
    optimizer.zero_grad()
    train_loss.backward()
    optimizer.step()
