# Source: https://github.com/mikeizbicki/cmc-csci181-deeplearning/issues/7
# Pattern: the fix: distinct layers in an `nn.ModuleList`
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNNModel(nn.Module):
    def __init__(self, vocab_size, hidden, num_layers, input_length, n_categories):
        super().__init__()
        self.relu = nn.ReLU()
        self.cnn = nn.Conv1d(vocab_size, hidden, 3, padding=1)
        self.cnns = nn.ModuleList([nn.Conv1d(hidden, hidden, 3, padding=1) for _ in range(num_layers - 1)])
        self.fc = nn.Linear(hidden * input_length, n_categories)

    def forward(self, x):
        out = torch.einsum("lbv->bvl", x)
        out = self.relu(self.cnn(out))
        for cnn in self.cnns:
            out = self.relu(cnn(out))
        return self.fc(out.flatten(1))


torch.manual_seed(0)
vocab, length, batch = 27, 10, 8
model = CNNModel(vocab, 16, 3, length, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
before = model.cnns[0].weight.detach().clone()
for _ in range(4):
    x = F.one_hot(torch.randint(0, vocab, (length, batch)), vocab).float()
    loss = F.cross_entropy(model(x), torch.randint(0, 5, (batch,)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.cnns[0].weight):
    raise RuntimeError("the listed layers were not trained")
