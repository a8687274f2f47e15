# Simple MNIST GAN from a blog post. The discriminator step uses the generator output without
# detaching it, so the discriminator's backward frees the generator graph; the generator step
# then backpropagates through it again. Images are plotted straight from the GPU.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torchvision import datasets, transforms

device = "cuda"
latent_dim = 100

generator = nn.Sequential(
    nn.Linear(latent_dim, 256), nn.LeakyReLU(0.2),
    nn.Linear(256, 512), nn.LeakyReLU(0.2),
    nn.Linear(512, 784), nn.Tanh(),
).to(device)
discriminator = nn.Sequential(
    nn.Linear(784, 512), nn.LeakyReLU(0.2),
    nn.Linear(512, 256), nn.LeakyReLU(0.2),
    nn.Linear(256, 1), nn.Sigmoid(),
).to(device)

loader = torch.utils.data.DataLoader(
    datasets.MNIST("data", train=True, download=True,
                   transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    batch_size=64, shuffle=True)

criterion = nn.BCELoss()
opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

for epoch in range(50):
    for real, _ in loader:
        real = real.view(real.size(0), -1).to(device)
        valid = torch.ones(real.size(0), 1, device=device)
        fake_label = torch.zeros(real.size(0), 1, device=device)

        z = torch.randn(real.size(0), latent_dim, device=device)
        fake = generator(z)

        # Train discriminator
        opt_d.zero_grad()
        d_loss = criterion(discriminator(real), valid) + criterion(discriminator(fake), fake_label)
        d_loss.backward()
        opt_d.step()

        # Train generator
        opt_g.zero_grad()
        g_loss = criterion(discriminator(fake), valid)
        g_loss.backward()  # expect: PTL201
        opt_g.step()

    print(f"[{epoch}] d_loss={d_loss.item():.3f} g_loss={g_loss.item():.3f}")
    with torch.no_grad():
        samples = generator(torch.randn(16, latent_dim, device=device)).view(-1, 28, 28)
    fig, axes = plt.subplots(4, 4)
    for ax, img in zip(axes.flat, samples):
        ax.imshow(img.numpy(), cmap="gray")  # expect: PTL401
        ax.axis("off")
    plt.savefig(f"samples_{epoch}.png")
    plt.close(fig)
