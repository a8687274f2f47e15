import torch
import torch.nn.functional as F
from torch.autograd import Variable  # expect: PTL101

model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
correct = 0
for _ in range(3):
    images, labels = torch.randn(16, 1, 8, 8), torch.randint(0, 10, (16,))
    images = Variable(images, volatile=True)  # expect: PTL101
    outputs = model(images)
    correct += (outputs.argmax(1) == labels).sum().item()
print(correct, F.relu(torch.ones(1)).item())
