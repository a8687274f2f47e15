# The same models written correctly: nn.ModuleList / nn.ModuleDict / nn.ParameterList,
# buffers through register_buffer, plain Python lists only for ints and strings.
import math

import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, in_features, hidden_sizes, out_features, dropout=0.1):
        super().__init__()
        self.hidden_sizes = list(hidden_sizes)
        self.names = [f"fc{i}" for i in range(len(hidden_sizes))]
        self.layers = nn.ModuleList()
        prev = in_features
        for h in hidden_sizes:
            self.layers.append(nn.Linear(prev, h))
            prev = h
        self.out = nn.Linear(prev, out_features)
        self.dropout = dropout

    def forward(self, x):
        for layer in self.layers:
            x = nn.functional.dropout(torch.relu(layer(x)), self.dropout, self.training)
        return self.out(x)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:x.size(0)]


class MultiHead(nn.Module):
    def __init__(self, d, tasks=("cls", "reg")):
        super().__init__()
        self.tasks = list(tasks)
        self.heads = nn.ModuleDict({t: nn.Linear(d, 1) for t in tasks})
        self.task_weights = nn.ParameterList([nn.Parameter(torch.ones(1)) for _ in tasks])
        self.kernel_sizes = (3, 5, 7)
        self.convs = nn.ModuleList([nn.Conv1d(d, d, k, padding=k // 2) for k in self.kernel_sizes])

    def forward(self, x):
        x = sum(conv(x) for conv in self.convs).mean(-1)
        return {t: w * self.heads[t](x) for t, w in zip(self.tasks, self.task_weights)}


class LearnedScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1), requires_grad=True)
        self.register_buffer("running_mean", torch.zeros(1))
        self.history = []

    def forward(self, x):
        self.history.append(x.mean().item())
        return x * self.scale


model = MLP(10, [64, 32], 2)
pe = PositionalEncoding(16)
mh = MultiHead(8)
print(len(list(model.parameters())), len(list(mh.parameters())), pe.pe.shape)
