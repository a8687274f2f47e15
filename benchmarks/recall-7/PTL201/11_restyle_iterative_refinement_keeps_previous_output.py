# Source: https://github.com/yuval-alaluf/restyle-encoder/issues/15
# Pattern: ReStyle's encoder refines its output over several iterations per batch, backwarding a loss at each one;
#   training from a converted generator, the reporter's coach fed the previous iteration's output image and latent
#   back into the next iteration without detaching them, and `loss.backward()` in
#   `perform_train_iteration_on_batch` raised "Trying to backward through the graph a second time" (the maintainer:
#   "This occurs when you are trying to pass a variable multiple times through the" network)
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class ReStyleNet(nn.Module):
    def __init__(self, latent_dim=16):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(6, 8, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, latent_dim)
        )
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 3 * 16 * 16), nn.Tanh())
        self.latent_avg = torch.zeros(latent_dim)

    def forward(self, x, latent):
        latent = latent + self.encoder(x)
        return self.decoder(latent).view(-1, 3, 16, 16), latent


class Coach:
    def __init__(self, n_iters_per_batch=3):
        self.net = ReStyleNet()
        self.optimizer = torch.optim.Adam(self.net.encoder.parameters(), lr=1e-4)
        self.n_iters_per_batch = n_iters_per_batch

    def perform_train_iteration_on_batch(self, x, y):
        y_hat, latent = None, None
        loss_dict = {}
        for iter in range(self.n_iters_per_batch):
            if iter == 0:
                avg_image = self.net.decoder(self.net.latent_avg).view(1, 3, 16, 16).detach()
                x_input = torch.cat([x, avg_image.expand_as(x)], dim=1)
                y_hat, latent = self.net(x_input, latent=self.net.latent_avg.expand(x.size(0), -1))
            else:
                x_input = torch.cat([x, y_hat], dim=1)
                y_hat, latent = self.net(x_input, latent=latent)
            loss = F.mse_loss(y_hat, y)
            self.optimizer.zero_grad()
            loss.backward()  # bug: PTL201
            self.optimizer.step()
            loss_dict[f"loss_{iter}"] = loss.item()
        return y_hat, loss_dict

    def train(self, batches):
        for x, y in batches:
            _, loss_dict = self.perform_train_iteration_on_batch(x, y)
            print(loss_dict)


Coach().train([(torch.rand(2, 3, 16, 16) * 2 - 1,) * 2 for _ in range(2)])
