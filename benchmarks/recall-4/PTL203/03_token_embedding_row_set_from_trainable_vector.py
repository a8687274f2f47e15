# Source: https://github.com/huggingface/diffusers/issues/3256
# Pattern: to learn a new token, the user writes the output of a small trainable function into the
# text encoder's token-embedding matrix, `token_embedding.weight[token_id] = my_function(w)`; the
# matrix is a leaf parameter that requires grad, and the item assignment raises. (The CLIP text
# encoder is not installed: a small embedding + transformer layer stands in.)
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, vocab=50, dim=16):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.layer = nn.TransformerEncoderLayer(dim, 2, 32, batch_first=True)

    def get_input_embeddings(self):
        return self.token_embedding

    def forward(self, ids):
        return self.layer(self.token_embedding(ids))


class MyFunction(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())

    def forward(self, w):
        return self.mlp(w)


text_encoder = TextEncoder()
placeholder_token_id = 49
trainable_weight = nn.Parameter(torch.randn(16))
my_function = MyFunction()
optimizer = torch.optim.Adam([trainable_weight, *my_function.parameters()], lr=1e-3)
for step in range(2):
    text_encoder.get_input_embeddings().weight[placeholder_token_id] = my_function(trainable_weight)  # bug: PTL203
    hidden = text_encoder(torch.tensor([[1, 2, placeholder_token_id]]))
    loss = hidden.pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
