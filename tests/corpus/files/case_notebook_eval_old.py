# Notebook-style evaluation from an old Kaggle kernel: model on the GPU, predictions pulled out
# with the .data.cpu().numpy() idiom, a confusion matrix plotted with seaborn.
import numpy as np
import seaborn as sns
import torch
import torch.nn as nn
from sklearn.metrics import confusion_matrix

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
model.load_state_dict(torch.load("mnist_mlp.pt"))
model = model.cuda()
model.eval()

test_x = torch.rand(1000, 1, 28, 28)
test_y = torch.randint(0, 10, (1000,))

preds = []
for i in range(0, 1000, 100):
    batch = test_x[i:i + 100].cuda()
    out = model(batch)
    preds.append(out.data.cpu().numpy().argmax(1))  # expect: PTL102
preds = np.concatenate(preds)
cm = confusion_matrix(test_y.numpy(), preds)
sns.heatmap(cm, annot=True, fmt="d")

with torch.no_grad():
    probs = torch.softmax(model(test_x[:10].cuda()), dim=1)
print(probs.cpu().numpy().round(2))
print(probs.max(1)[0].numpy())  # expect: PTL401
