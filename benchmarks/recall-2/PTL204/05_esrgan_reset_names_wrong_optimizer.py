# Source: https://github.com/Lornatang/ESRGAN-PyTorch/issues/39
# Pattern: the GAN training function "initialises generator gradients" and "initialises discriminator
# gradients" with two lines that both say `g_optimizer.zero_grad(...)`; the discriminator optimizer is
# stepped every iteration but never reset.
# error: gradients accumulated across steps
# symptom: the check at the end (the discriminator's .grad is not the last batch's gradient)
import torch
from torch import nn


def train(d_model, g_model, pixel_criterion, adversarial_criterion, d_optimizer, g_optimizer, loader):
    for _batch_index, (lr, gt) in enumerate(loader):
        real_label = torch.ones(gt.size(0), 1)
        fake_label = torch.zeros(gt.size(0), 1)

        # Initialize generator gradients
        g_optimizer.zero_grad(set_to_none=True)
        # Initialize discriminator gradients
        g_optimizer.zero_grad(set_to_none=True)

        # train the generator with the discriminator frozen
        for d_parameters in d_model.parameters():
            d_parameters.requires_grad = False
        sr = g_model(lr)
        pixel_loss = pixel_criterion(sr, gt)
        adversarial_loss = adversarial_criterion(d_model(sr) - d_model(gt.detach()).mean(0), real_label)
        g_loss = pixel_loss + 5e-3 * adversarial_loss
        g_loss.backward()
        g_optimizer.step()

        # train the discriminator
        for d_parameters in d_model.parameters():
            d_parameters.requires_grad = True
        gt_output = d_model(gt)
        sr_output = d_model(sr.detach())
        d_loss_gt = adversarial_criterion(gt_output - sr_output.mean(0), real_label)
        d_loss_sr = adversarial_criterion(sr_output - gt_output.mean(0), fake_label)
        d_loss = (d_loss_gt + d_loss_sr) / 2
        d_loss.backward()
        d_optimizer.step()  # bug: PTL204


torch.manual_seed(0)
g_model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
d_model = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
pixel_criterion = nn.L1Loss()
adversarial_criterion = nn.BCEWithLogitsLoss()
d_optimizer = torch.optim.Adam(d_model.parameters(), lr=1e-5)
g_optimizer = torch.optim.Adam(g_model.parameters(), lr=1e-5)
loader = [(torch.randn(6, 4), torch.randn(6, 8)) for _ in range(4)]
train(d_model, g_model, pixel_criterion, adversarial_criterion, d_optimizer, g_optimizer, loader)

lr, gt = loader[-1]
sr = g_model(lr).detach()
gt_output, sr_output = d_model(gt), d_model(sr)
last = (
    adversarial_criterion(gt_output - sr_output.mean(0), torch.ones(6, 1))
    + adversarial_criterion(sr_output - gt_output.mean(0), torch.zeros(6, 1))
) / 2
fresh = torch.autograd.grad(last, d_model[0].weight)[0]
if not torch.allclose(d_model[0].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
