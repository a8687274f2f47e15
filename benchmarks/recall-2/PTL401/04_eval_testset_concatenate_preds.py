# Source: https://github.com/motefly/DeepGBM/issues/4
# Pattern: `EvalTestset` runs the model batch by batch on the GPU under `no_grad`, appends each batch's
# outputs to `y_preds`, and returns `np.concatenate(y_preds, 0)`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import math

import numpy as np
import torch
from torch import nn


def EvalTestset(test_x, test_y, model, test_batch_size, device):
    test_len = test_x.shape[0]
    test_num_batch = math.ceil(test_len / test_batch_size)
    sum_loss = 0.0
    y_preds = []
    model.eval()
    with torch.no_grad():
        for jdx in range(test_num_batch):
            tst_st = jdx * test_batch_size
            tst_ed = min(test_len, tst_st + test_batch_size)
            inputs = torch.from_numpy(test_x[tst_st:tst_ed].astype(np.float32)).to(device)
            targets = torch.from_numpy(test_y[tst_st:tst_ed].astype(np.float32)).to(device)
            outputs = model(inputs).view(-1)
            sum_loss += nn.functional.mse_loss(outputs, targets, reduction="sum").item()
            y_preds.append(outputs)
    return sum_loss / test_len, np.concatenate(y_preds, 0)  # bug: PTL401


device = torch.device("cuda")
model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
test_x, test_y = np.random.rand(10, 5), np.random.rand(10)
print(EvalTestset(test_x, test_y, model, 4, device))
