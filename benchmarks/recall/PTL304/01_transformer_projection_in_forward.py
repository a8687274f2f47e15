# Source: https://github.com/graykode/nlp-tutorial/issues/29
# Pattern: multi-head attention builds its output projection and LayerNorm inside forward, so they are
# new random layers on every call and never trained.
# error: new random weights on every call
# symptom: the check at the end (two calls on the same input in eval mode differ)
import torch
from torch import nn

d_model, d_k, d_v, n_heads = 16, 4, 4, 2


class MultiHeadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.W_Q = nn.Linear(d_model, d_k * n_heads)
        self.W_K = nn.Linear(d_model, d_k * n_heads)
        self.W_V = nn.Linear(d_model, d_v * n_heads)

    def forward(self, Q, K, V):
        residual, batch_size = Q, Q.size(0)
        q_s = self.W_Q(Q).view(batch_size, -1, n_heads, d_k).transpose(1, 2)
        k_s = self.W_K(K).view(batch_size, -1, n_heads, d_k).transpose(1, 2)
        v_s = self.W_V(V).view(batch_size, -1, n_heads, d_v).transpose(1, 2)
        attn = torch.softmax(q_s @ k_s.transpose(-1, -2) / d_k**0.5, dim=-1)
        context = (attn @ v_s).transpose(1, 2).contiguous().view(batch_size, -1, n_heads * d_v)
        output = nn.Linear(n_heads * d_v, d_model)(context)  # bug: PTL304
        return nn.LayerNorm(d_model)(output + residual)  # also: PTL304


mha = MultiHeadAttention().eval()
x = torch.randn(2, 5, d_model)
if not torch.equal(mha(x, x, x), mha(x, x, x)):
    raise AssertionError("new random weights on every call")
