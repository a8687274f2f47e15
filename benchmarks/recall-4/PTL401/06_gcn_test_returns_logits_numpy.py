# Source: https://github.com/FighterLYL/GraphNeuralNetwork/issues/1
# Pattern: the book's GCN notebook evaluates the node classifier in `test(mask)` under
# `torch.no_grad()` and returns `test_mask_logits.numpy()` and `tensor_y[mask].numpy()`; with the
# graph and the model on the GPU, the conversion fails. The reporter added `.cpu()`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import torch
import torch.nn.functional as F
from torch import nn


class GraphConvolution(nn.Module):
    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(input_dim, output_dim))
        nn.init.kaiming_uniform_(self.weight)

    def forward(self, adjacency, input_feature):
        return torch.sparse.mm(adjacency, input_feature @ self.weight)


class GcnNet(nn.Module):
    def __init__(self, input_dim=16, hidden=8, num_classes=3):
        super().__init__()
        self.gcn1 = GraphConvolution(input_dim, hidden)
        self.gcn2 = GraphConvolution(hidden, num_classes)

    def forward(self, adjacency, feature):
        return self.gcn2(adjacency, F.relu(self.gcn1(adjacency, feature)))


device = "cuda" if torch.cuda.is_available() else "cpu"
n = 12
adj = torch.eye(n) + (torch.rand(n, n) < 0.2).float()
tensor_adjacency = (adj / adj.sum(1, keepdim=True)).to_sparse().to(device)
tensor_x = torch.randn(n, 16).to(device)
tensor_y = torch.randint(0, 3, (n,)).to(device)
tensor_test_mask = (torch.arange(n) >= 8).to(device)
model = GcnNet().to(device)


def test(mask):
    model.eval()
    with torch.no_grad():
        logits = model(tensor_adjacency, tensor_x)
        test_mask_logits = logits[mask]
        predict_y = test_mask_logits.max(1)[1]
        accuarcy = torch.eq(predict_y, tensor_y[mask]).float().mean()
    return accuarcy, test_mask_logits.numpy(), tensor_y[mask].numpy()  # bug: PTL401


test_acc, test_logits, test_label = test(tensor_test_mask)
print(test_acc.item(), test_logits.shape)
