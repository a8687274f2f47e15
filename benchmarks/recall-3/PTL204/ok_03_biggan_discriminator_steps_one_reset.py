# Source: https://github.com/ajbrock/BigGAN-PyTorch/issues/25
# Pattern: the author's fix: `D.optim.zero_grad()` at the start of every discriminator step, so each
# of the `num_D_steps` updates uses its own gradient.
import torch
import torch.nn.functional as F
from torch import nn

LR_D = 0.05


class Generator(nn.Module):
    def __init__(self, dim_z=4):
        super().__init__()
        self.dim_z = dim_z
        self.fc = nn.Linear(dim_z, 6)
        self.optim = torch.optim.SGD(self.parameters(), lr=0.05)

    def forward(self, z):
        return torch.tanh(self.fc(z))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 1)
        self.optim = torch.optim.SGD(self.parameters(), lr=LR_D)

    def forward(self, x):
        return self.fc(x)


def toggle_grad(model, on_or_off):
    for param in model.parameters():
        param.requires_grad = on_or_off


def GAN_training_function(G, D, config):
    def train(x_batches, z_batches):
        G.optim.zero_grad()
        D.optim.zero_grad()
        for step_index in range(config["num_D_steps"]):
            D.optim.zero_grad()
            x, z = x_batches[step_index], z_batches[step_index]
            with torch.no_grad():
                G_z = G(z)
            D_loss = F.relu(1.0 - D(x)).mean() + F.relu(1.0 + D(G_z)).mean()
            D_loss.backward()
            D.optim.step()
        toggle_grad(D, False)
        G.optim.zero_grad()
        G_loss = -D(G(z_batches[-1])).mean()
        G_loss.backward()
        G.optim.step()
        toggle_grad(D, True)
        return {"D_loss": float(D_loss), "G_loss": float(G_loss)}

    return train


torch.manual_seed(0)
G, D = Generator(), Discriminator()
config = {"num_D_steps": 2}
train = GAN_training_function(G, D, config)
x_batches = [torch.rand(8, 6) * 2 - 1 for _ in range(2)]
z_batches = [torch.randn(8, G.dim_z) for _ in range(2)]
train(x_batches, z_batches)

# the last D step's own gradient, at the weights before the last steps (plain SGD: w_prev = w + lr * grad)
with torch.no_grad():
    w_prev = (D.fc.weight + LR_D * D.fc.weight.grad).requires_grad_()
    b_prev = D.fc.bias + LR_D * D.fc.bias.grad
    # G was stepped after the D steps too: the generator output the last D step saw
    G_w, G_b = G.fc.weight + 0.05 * G.fc.weight.grad, G.fc.bias + 0.05 * G.fc.bias.grad
    G_z = torch.tanh(F.linear(z_batches[-1], G_w, G_b))
x = x_batches[-1]
last_loss = F.relu(1.0 - F.linear(x, w_prev, b_prev)).mean() + F.relu(1.0 + F.linear(G_z, w_prev, b_prev)).mean()
fresh = torch.autograd.grad(last_loss, w_prev)[0]
if not torch.allclose(D.fc.weight.grad, fresh, rtol=1e-3, atol=1e-6):
    raise AssertionError("gradients accumulated across steps")
