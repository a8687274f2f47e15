"""A small GAN training step, with the classic mistake of the discriminator update."""
import torch
import torch.nn as nn

latent_dim = 64
device = "cuda" if torch.cuda.is_available() else "cpu"

generator = nn.Sequential(
    nn.Linear(latent_dim, 256), nn.LeakyReLU(0.2),
    nn.Linear(256, 784), nn.Tanh(),
).to(device)
discriminator = nn.Sequential(
    nn.Linear(784, 256), nn.LeakyReLU(0.2),
    nn.Linear(256, 1),
).to(device)

opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
adversarial_loss = nn.BCEWithLogitsLoss()


def train_step(real_images):
    batch = real_images.size(0)
    real_images = real_images.view(batch, -1).to(device)
    valid = torch.ones(batch, 1, device=device)
    fake_labels = torch.zeros(batch, 1, device=device)

    z = torch.randn(batch, latent_dim, device=device)
    fake_images = generator(z)

    # Discriminator: real vs. fake
    real_loss = adversarial_loss(discriminator(real_images), valid)
    fake_loss = adversarial_loss(discriminator(fake_images), fake_labels)
    d_loss = (real_loss + fake_loss) / 2
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()

    # Generator: fool the discriminator
    g_loss = adversarial_loss(discriminator(fake_images), valid)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return d_loss.item(), g_loss.item(), fake_images


def save_samples(images):
    import matplotlib.pyplot as plt

    grid = images[:16].view(16, 28, 28)
    fig, axes = plt.subplots(4, 4)
    for ax, img in zip(axes.flat, grid):
        ax.imshow(img.detach().numpy(), cmap="gray")
    fig.savefig("samples.png")
