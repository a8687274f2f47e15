# Source: https://github.com/jacbz/Lofi/issues/14
# Pattern: the training function of a music VAE keeps per-epoch histories of the chord and melody
# losses (the epoch's summed loss tensors) and, after each epoch, draws them with
# `axs[0, 0].plot(epochs, train_losses_chords, ...)`; the plot fails on tensors that require grad
# (matplotlib is not installed: `Axes.plot` stands in, converting with `np.asarray`).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Axes:
    def plot(self, x, y, label=None, color=None):
        self.lines = (np.asarray(x), np.asarray(y))  # bug: PTL402


class LofiModel(nn.Module):
    def __init__(self, n_chords=12, n_notes=16, hidden=32):
        super().__init__()
        self.encoder = nn.Linear(n_chords + n_notes, hidden)
        self.chord_head = nn.Linear(hidden, n_chords)
        self.melody_head = nn.Linear(hidden, n_notes)

    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        return self.chord_head(h), self.melody_head(h)


def train(dataset, model, name, epochs=2):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    axs = {(0, 0): Axes(), (0, 1): Axes()}
    train_losses_chords, train_losses_melodies = [], []
    for epoch in range(epochs):
        epoch_chord_loss, epoch_melody_loss = 0, 0
        for x, chords, melody in dataset:
            chord_logits, melody_logits = model(x)
            loss_chords = F.cross_entropy(chord_logits, chords)
            loss_melody = F.cross_entropy(melody_logits, melody)
            optimizer.zero_grad()
            (loss_chords + loss_melody).backward()
            optimizer.step()
            epoch_chord_loss += loss_chords
            epoch_melody_loss += loss_melody
        train_losses_chords.append(epoch_chord_loss / len(dataset))
        train_losses_melodies.append(epoch_melody_loss / len(dataset))
        epochs_so_far = list(range(epoch + 1))
        axs[0, 0].plot(epochs_so_far, train_losses_chords, label="Train", color="royalblue")
        axs[0, 1].plot(epochs_so_far, train_losses_melodies, label="Train", color="royalblue")
    print(f"Finished training {name}")


data = [(torch.randn(8, 28), torch.randint(0, 12, (8,)), torch.randint(0, 16, (8,))) for _ in range(3)]
train(data, LofiModel(), "lofi2lofi")
