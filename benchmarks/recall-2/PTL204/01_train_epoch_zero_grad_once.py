# Source: https://github.com/salesforce/corr_based_prediction/issues/1
# Pattern: `train(epoch)` calls `optimizer.zero_grad()` once, before its batch loop; every batch then
# backwards the classification loss plus a regulariser on the hidden representation and steps, so
# the gradients of all batches of the epoch add up in `.grad`.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(10, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x, ret_hid=False):
        hid = torch.relu(self.hidden(x))
        out = self.out(hid)
        return (out, hid) if ret_hid else out


def entropy_reg(hid_repr, targets):
    return hid_repr.pow(2).mean()


torch.manual_seed(0)
model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
trainloader = [(torch.randn(8, 10), torch.randint(0, 3, (8,))) for _ in range(4)]
beta = 0.1


def train(epoch):
    model.train()
    total_loss = 0.0
    optimizer.zero_grad()
    for inputs, targets in trainloader:
        outputs, hid_repr = model(inputs, ret_hid=True)
        loss = criterion(outputs, targets)
        regularization_loss = entropy_reg(hid_repr, targets)
        total_loss_ = loss + beta * regularization_loss
        total_loss_.backward()
        total_loss += loss.item()
        optimizer.step()  # bug: PTL204
    return total_loss / len(trainloader)


for epoch in range(1, 3):
    print(epoch, train(epoch))

inputs, targets = trainloader[-1]
outputs, hid_repr = model(inputs, ret_hid=True)
last = criterion(outputs, targets) + beta * entropy_reg(hid_repr, targets)
fresh = torch.autograd.grad(last, model.out.weight)[0]
if not torch.allclose(model.out.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
