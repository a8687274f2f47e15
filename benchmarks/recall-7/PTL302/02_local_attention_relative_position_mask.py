# Source: https://github.com/jordiclive/Convert-PolyAI-Torch/issues/3
# Pattern: "register relevant position mask so automatically on cuda": the ConveRT-style encoder's local
#   self-attention builds its relative-position window mask once in `__init__` for the maximum length and slices it
#   per input, as a plain tensor attribute; on a GPU the attention's `masked_fill` gets a CPU mask; the issue
#   registers it as a buffer
# error: Expected all tensors to be on the same device
# symptom: raised in the attention's `forward`, where the CPU mask meets the CUDA scores
# device: fake-cuda
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class LocalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, window, max_len=64):
        super().__init__()
        self.h, self.d_k = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        positions = torch.arange(max_len)
        self.relevant_mask = (positions[None, :] - positions[:, None]).abs() <= window  # bug: PTL302

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, self.d_k).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-2, -1) / self.d_k**0.5
        scores = scores.masked_fill(~self.relevant_mask[:n, :n], float("-inf"))
        return self.out((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))


class ConveRTEncoder(nn.Module):
    def __init__(self, vocab=100, d_model=16, windows=(3, 5)):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.layers = nn.ModuleList(LocalSelfAttention(d_model, 2, w) for w in windows)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, tokens):
        x = self.embed(tokens)
        for layer in self.layers:
            x = self.norm(x + layer(x))
        return x.mean(dim=1)


device = "cuda" if torch.cuda.is_available() else "cpu"
encoder = ConveRTEncoder().to(device)
context, reply = torch.randint(0, 100, (4, 12), device=device), torch.randint(0, 100, (4, 12), device=device)
scores = F.normalize(encoder(context), dim=-1) @ F.normalize(encoder(reply), dim=-1).t()
loss = F.cross_entropy(scores * 10, torch.arange(4, device=device))
loss.backward()
print(f"loss {loss.item():.4f}")
