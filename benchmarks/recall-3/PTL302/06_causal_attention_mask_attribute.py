# Source: https://aissential.tech/articles/5e378cc7-f191-4f1f-ac6c-336434c414aa
# Pattern: the "without buffers" causal-attention module of the buffers article (Sebastian Raschka's
# LLM code): the causal mask is a plain attribute, `self.mask = torch.triu(torch.ones(...),
# diagonal=1)`, used in `forward` with `masked_fill_`; after `ca.to(device)` the mask stays on the CPU.
# error: Expected all tensors to be on the same device
# symptom: the masked_fill_ in forward
# device: fake-cuda
import torch
from torch import nn


class CausalAttentionWithoutBuffers(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.d_out = d_out
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.mask = torch.triu(torch.ones(context_length, context_length), diagonal=1)  # bug: PTL302

    def forward(self, x):
        b, num_tokens, d_in = x.shape
        keys, queries, values = self.W_key(x), self.W_query(x), self.W_value(x)
        attn_scores = queries @ keys.transpose(1, 2)
        attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = self.dropout(torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1))
        return attn_weights @ values


torch.manual_seed(123)
batch = torch.rand(2, 6, 3)
context_length = batch.shape[1]
ca = CausalAttentionWithoutBuffers(3, 2, context_length, 0.0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
batch = batch.to(device)
ca.to(device)
with torch.no_grad():
    print(ca(batch).shape)
