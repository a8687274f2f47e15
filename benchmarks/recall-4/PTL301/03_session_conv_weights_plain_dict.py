# Source: https://github.com/xiaxin1998/COTREC/issues/15
# Pattern: the session-recommendation model's item and session graph convolutions keep their
# per-layer weight matrices in a normal dictionary, `self.w_item = {}` filled with `nn.Linear`
# layers, instead of an `nn.ModuleDict`; `parameters()` does not see them, so they are never
# trained. The author switched to `nn.ModuleList` and got slightly better results.
# error: layers kept in a plain list were never trained
# symptom: the check at the end (the listed layers' weights did not change)
import torch
import torch.nn.functional as F
from torch import nn


class ItemConv(nn.Module):
    def __init__(self, layers, emb_size=16):
        super().__init__()
        self.emb_size = emb_size
        self.layers = layers
        self.w_item = {}  # bug: PTL301
        for i in range(self.layers):
            self.w_item["weight_item%d" % i] = nn.Linear(self.emb_size, self.emb_size, bias=False)

    def forward(self, adjacency, embedding):
        item_embeddings = embedding
        final = [item_embeddings]
        for i in range(self.layers):
            item_embeddings = self.w_item["weight_item%d" % i](item_embeddings)
            item_embeddings = torch.sparse.mm(adjacency, item_embeddings)
            final.append(F.normalize(item_embeddings, dim=-1, p=2))
        return torch.stack(final).sum(0) / (self.layers + 1)


class COTREC(nn.Module):
    def __init__(self, n_node=20, emb_size=16, layers=2):
        super().__init__()
        self.embedding = nn.Embedding(n_node, emb_size)
        self.ItemGraph = ItemConv(layers, emb_size)

    def forward(self, adjacency, session_items):
        item_emb = self.ItemGraph(adjacency, self.embedding.weight)
        session_emb = item_emb[session_items].mean(1)
        return session_emb @ item_emb.t()


torch.manual_seed(0)
n_node = 20
dense = (torch.rand(n_node, n_node) < 0.2).float()
adjacency = (dense / dense.sum(1, keepdim=True).clamp(min=1)).to_sparse()
model = COTREC(n_node)
before = [w.weight.detach().clone() for w in model.ItemGraph.w_item.values()]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(5):
    sessions, targets = torch.randint(0, n_node, (8, 3)), torch.randint(0, n_node, (8,))
    loss = F.cross_entropy(model(adjacency, sessions), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if all(torch.equal(b, w.weight) for b, w in zip(before, model.ItemGraph.w_item.values())):
    raise AssertionError("layers kept in a plain list were never trained")
