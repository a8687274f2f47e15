# Source: https://github.com/WenjieDu/PyPOTS/issues/3
# Pattern: the fix: the mask is a buffer, so `.to(device)` moves it
# device: fake-cuda
import torch
import torch.nn as nn


class EncoderLayer(nn.Module):
    def __init__(self, d_model, n_head=2):
        super().__init__()
        self.n_head, self.d_k = n_head, d_model // n_head
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.fc = nn.Linear(d_model, d_model)

    def forward(self, x, attn_mask):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.n_head, self.d_k).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-2, -1) / self.d_k**0.5
        scores = scores.masked_fill(attn_mask == 1, -1e9)
        return x + self.fc((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))


class SAITS(nn.Module):
    def __init__(self, n_steps, n_features, d_model=16, n_layers=2):
        super().__init__()
        self.embedding = nn.Linear(n_features * 2, d_model)
        self.layers = nn.ModuleList(EncoderLayer(d_model) for _ in range(n_layers))
        self.reduce = nn.Linear(d_model, n_features)
        self.register_buffer("diagonal_attention_mask", torch.eye(n_steps))

    def impute(self, X, masks):
        enc_output = self.embedding(torch.cat([X, masks], dim=2))
        for encoder_layer in self.layers:
            enc_output = encoder_layer(enc_output, self.diagonal_attention_mask)
        return masks * X + (1 - masks) * self.reduce(enc_output)


device = "cuda" if torch.cuda.is_available() else "cpu"
model = SAITS(n_steps=12, n_features=5).to(device)
X = torch.randn(4, 12, 5, device=device)
masks = (torch.rand(4, 12, 5, device=device) > 0.2).float()
print(model.impute(X * masks, masks).shape)
