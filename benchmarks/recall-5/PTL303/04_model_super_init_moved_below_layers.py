# Source: https://theneuralbase.com/pytorch/learn/beginner/nn-module-the-base-class-for-all-networks/
# Pattern: the page's first rule ("calling super().__init__() is nonnegotiable" and comes first): a model whose
#   `super().__init__()` ended up below the layer definitions after a refactor that set defaults first
# error: cannot assign module before Module.__init__() call
import torch
import torch.nn as nn


class TabularNet(nn.Module):
    def __init__(self, input_size, hidden_size=64, output_size=2, dropout=0.2):
        self.input_size = input_size
        self.hidden = nn.Linear(input_size, hidden_size)  # bug: PTL303
        self.dropout = nn.Dropout(dropout)  # also: PTL303
        self.out = nn.Linear(hidden_size, output_size)  # also: PTL303
        super().__init__()

    def forward(self, x):
        return self.out(self.dropout(torch.relu(self.hidden(x))))


model = TabularNet(10)
model.eval()
with torch.no_grad():
    print(model(torch.randn(4, 10)))
