# Source: https://github.com/pytorch/pytorch/issues/53348
# Pattern: a batched matrix product written as nested loops accumulates into a result tensor that was
# created with `requires_grad=True`, element by element (`res[b][c][h][k] = res[b][c][h][k] + ...`).
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch

ma = torch.randn(2, 3, 3, 4).requires_grad_(True)
mb = torch.randn(2, 3, 4, 5).requires_grad_(True)
B, C, H, W = ma.shape
B, C, W, K = mb.shape
res_torch = torch.zeros((B, C, H, K), requires_grad=True)
for b in range(B):
    for c in range(C):
        for h in range(H):
            for k in range(K):
                for r in range(W):
                    res_torch[b][c][h][k] = res_torch[b][c][h][k] + ma[b][c][h][r] * mb[b][c][r][k]  # bug: PTL203
res_torch.sum().backward()
print(ma.grad)
