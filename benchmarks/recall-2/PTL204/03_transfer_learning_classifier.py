# Source: https://github.com/udacity/deep-learning-v2-pytorch/pull/160
# Pattern: the transfer-learning notebook freezes a pretrained feature extractor, replaces the
# classifier, and trains it with Adam over `model.classifier.parameters()`: forward, loss, backward,
# step, and no `zero_grad` in the loop.
# error: gradients accumulated across steps
# symptom: the check at the end (the classifier's .grad is not the last batch's gradient)
from collections import OrderedDict

import torch
from torch import nn, optim

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Sequential(OrderedDict([("features", nn.Sequential(nn.Linear(32, 16), nn.ReLU()))]))
for param in model.parameters():
    param.requires_grad = False
model.classifier = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2), nn.LogSoftmax(dim=1))
criterion = nn.NLLLoss()
optimizer = optim.Adam(model.classifier.parameters(), lr=1e-5)
model.to(device)
trainloader = [(torch.randn(6, 32), torch.randint(0, 2, (6,))) for _ in range(5)]

for ii, (inputs, labels) in enumerate(trainloader):
    inputs, labels = inputs.to(device), labels.to(device)
    outputs = model.forward(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()  # bug: PTL204
    if ii == 3:
        break

inputs, labels = trainloader[3]
weight = model.classifier[0].weight
fresh = torch.autograd.grad(criterion(model(inputs), labels), weight)[0]
if not torch.allclose(weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
