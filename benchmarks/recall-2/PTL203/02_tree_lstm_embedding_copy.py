# Source: https://github.com/dasguptar/treelstm.pytorch/pull/26
# Pattern: the similarity Tree-LSTM's constructor copies pretrained GloVe vectors into its embedding
# with `self.emb.weight.copy_(...)` after `.data` was removed in the 0.4 migration; with
# `freeze_embed` off, the embedding weight requires grad and the copy fails.
# error: a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class ChildSumTreeLSTM(nn.Module):
    def __init__(self, in_dim, mem_dim):
        super().__init__()
        self.ioux = nn.Linear(in_dim, 3 * mem_dim)
        self.fx = nn.Linear(in_dim, mem_dim)

    def forward(self, inputs):
        i, o, u = torch.split(self.ioux(inputs), self.fx.out_features, dim=-1)
        return torch.sigmoid(o) * torch.tanh(torch.sigmoid(i) * torch.tanh(u))


class SimilarityTreeLSTM(nn.Module):
    def __init__(self, vocab_size, in_dim, mem_dim, sparsity, freeze, init_emb):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, in_dim, padding_idx=0, sparse=sparsity)
        if freeze:
            self.emb.weight.requires_grad = False
        self.emb.weight.copy_(init_emb)  # bug: PTL203
        self.childsumtreelstm = ChildSumTreeLSTM(in_dim, mem_dim)
        self.similarity = nn.Linear(2 * mem_dim, 5)

    def forward(self, linputs, rinputs):
        lstate = self.childsumtreelstm(self.emb(linputs)).mean(0)
        rstate = self.childsumtreelstm(self.emb(rinputs)).mean(0)
        return self.similarity(torch.cat([lstate * rstate, (lstate - rstate).abs()]))


vocab_size, input_dim, mem_dim = 20, 8, 6
emb = torch.randn(vocab_size, input_dim)
model = SimilarityTreeLSTM(vocab_size, input_dim, mem_dim, sparsity=False, freeze=False, init_emb=emb)
print(model(torch.tensor([1, 2, 3]), torch.tensor([4, 5])))
