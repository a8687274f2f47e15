# Projecting network outputs onto a simplex with cvxpy: cvxpy's Variable is not torch's.
import cvxpy as cp
import numpy as np
import torch
import torch.nn as nn
from cvxpy import Variable

net = nn.Linear(6, 4)
raw = net(torch.randn(1, 6)).detach().numpy().ravel()

x = Variable(4)
problem = cp.Problem(cp.Minimize(cp.sum_squares(x - raw)), [x >= 0, cp.sum(x) == 1])
problem.solve()
w = cp.Variable(4, nonneg=True)
print(np.round(x.value, 3), w.shape)
projected = torch.from_numpy(np.asarray(x.value, dtype=np.float32))
print(projected.sum().item(), projected.numpy())
