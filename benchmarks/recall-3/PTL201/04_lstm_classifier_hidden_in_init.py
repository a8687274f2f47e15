# Source: https://github.com/pytorch/pytorch/issues/2769
# Pattern: a video-feature LSTM classifier makes its `(h, c)` state once in `__init__` with
# `init_hidden()` and `forward` stores the LSTM's new state back in `self.hidden`; the `train()`
# function moves the target with `if use_cuda:` and backwards each batch's loss, so the second batch
# backwards into the first batch's freed graph through the carried state.
# error: Trying to backward through the graph a second time
import torch
import torch.nn.functional as F
from torch import nn

use_cuda = torch.cuda.is_available()


class LSTM(nn.Module):
    def __init__(self, input_len=32, hidden_len=32, target_size=5, is_softmax=True):
        super().__init__()
        self.hidden_len = hidden_len
        self.is_softmax = is_softmax
        self.lstm = nn.LSTM(input_len, hidden_len, batch_first=True)
        self.target_size = target_size
        self.hidden2class = nn.Linear(hidden_len, target_size)
        self.hidden = self.init_hidden()

    def init_hidden(self):
        return (torch.zeros(1, 1, self.hidden_len), torch.zeros(1, 1, self.hidden_len))

    def forward(self, x):
        lstm_out, self.hidden = self.lstm(x, self.hidden)
        cls_scores = self.hidden2class(lstm_out[:, -1, :]).view(-1, self.target_size)
        if self.is_softmax:
            cls_scores = F.log_softmax(cls_scores, dim=1)
        return cls_scores


def train(train_data, model, criterion, optimizer, epoch):
    model.train()
    for i, (input, target) in enumerate(train_data):
        if use_cuda:
            target = target.cuda(non_blocking=True)
        output = model(input)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()  # bug: PTL201
        optimizer.step()
        print(epoch, i, loss.item())


model = LSTM()
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
train_data = [(torch.randn(1, 12, 32), torch.randint(0, 5, (1,))) for _ in range(3)]
for epoch in range(2):
    train(train_data, model, criterion, optimizer, epoch)
