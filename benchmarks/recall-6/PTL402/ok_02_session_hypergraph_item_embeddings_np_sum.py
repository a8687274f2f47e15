# Source: https://github.com/xiaxin1998/DHCN/issues/8
# Pattern: the fix: the layers' embeddings are averaged with torch, which keeps the graph
import torch
import torch.nn as nn


class HyperConv(nn.Module):
    def __init__(self, layers, emb_size=16):
        super().__init__()
        self.layers = layers
        self.emb_size = emb_size

    def forward(self, adjacency, embedding):
        item_embeddings = embedding
        final = [item_embeddings]
        for i in range(self.layers):
            item_embeddings = torch.sparse.mm(adjacency, item_embeddings)
            final.append(item_embeddings)
        item_embeddings = torch.stack(final).sum(0) / (self.layers + 1)
        return item_embeddings


class DHCN(nn.Module):
    def __init__(self, n_node, emb_size=16, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(n_node, emb_size)
        self.hyper_conv = HyperConv(layers, emb_size)

    def forward(self, adjacency, session_items):
        item_embeddings = self.hyper_conv(adjacency, self.embedding.weight)
        return item_embeddings[session_items].mean(dim=1) @ item_embeddings.t()


n_node = 20
dense = (torch.rand(n_node, n_node) < 0.2).float()
adjacency = (dense / dense.sum(1, keepdim=True).clamp(min=1)).to_sparse()
model = DHCN(n_node)
scores = model(adjacency, torch.randint(0, n_node, (4, 5)))
loss = nn.functional.cross_entropy(scores, torch.randint(0, n_node, (4,)))
loss.backward()
