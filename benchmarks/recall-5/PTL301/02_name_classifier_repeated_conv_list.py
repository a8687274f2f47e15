# Source: https://github.com/mikeizbicki/cmc-csci181-deeplearning/issues/7
# Pattern: a homework CNN over character one-hots keeps its extra conv layers in `(num_layers - 1) * [nn.Conv1d(...)]`,
#   a plain list (of one layer repeated); the optimizer is built from `parameters()` and never sees it
#   (the report's `_init_` typo, fixed in its thread, is written correctly here)
# error: the listed layers were not trained
# symptom: the check at the end (the listed conv's weights are compared before and after training)
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNNModel(nn.Module):
    def __init__(self, vocab_size, hidden, num_layers, input_length, n_categories):
        super().__init__()
        self.relu = nn.ReLU()
        self.cnn = nn.Conv1d(vocab_size, hidden, 3, padding=1)
        self.cnns = (num_layers - 1) * [nn.Conv1d(hidden, hidden, 3, padding=1)]  # bug: PTL301
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
