# Source: https://theneuralbase.com/pytorch/learn/beginner/nn-module-the-base-class-for-all-networks/
# Pattern: the fix: `super().__init__()` is the first line
import torch
import torch.nn as nn


class TabularNet(nn.Module):
    def __init__(self, input_size, hidden_size=64, output_size=2, dropout=0.2):
        super().__init__()
        self.input_size = input_size
        self.hidden = nn.Linear(input_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.out(self.dropout(torch.relu(self.hidden(x))))


model = TabularNet(10)
model.eval()
with torch.no_grad():
    print(model(torch.randn(4, 10)))
