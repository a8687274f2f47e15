# Source: https://github.com/RomanovMikeV/setka/issues/13
# Pattern: fix: the metrics pipe hands the logger Python floats (`.item()`)
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Pipe:
    def on_batch(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        pass


class ComputeMetrics(Pipe):
    def on_batch(self, trainer):
        accuracy = (trainer.output.argmax(dim=1) == trainer.target).float().mean()
        trainer.status["loss"], trainer.status["accuracy"] = trainer.loss.item(), accuracy.item()


class Logger(Pipe):
    def __init__(self):
        self.history = {}

    def on_batch(self, trainer):
        for name, value in trainer.status.items():
            self.history.setdefault(name, []).append(value)

    def on_epoch_end(self, trainer):
        for name, values in self.history.items():
            curve = np.array(values)
            print(f"epoch {trainer.epoch} {name}: mean {curve.mean():.4f} last {curve[-1]:.4f}")


class Trainer:
    def __init__(self, model, pipes):
        self.model, self.pipes = model.to(device), pipes
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        self.status, self.epoch = {}, 0

    def run_epoch(self, loader):
        for inputs, target in loader:
            inputs, self.target = inputs.to(device), target.to(device)
            self.output = self.model(inputs)
            self.loss = nn.functional.cross_entropy(self.output, self.target)
            self.optimizer.zero_grad()
            self.loss.backward()
            self.optimizer.step()
            for pipe in self.pipes:
                pipe.on_batch(self)
        for pipe in self.pipes:
            pipe.on_epoch_end(self)
        self.epoch += 1


trainer = Trainer(nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3)), [ComputeMetrics(), Logger()])
loader = [(torch.randn(8, 10), torch.randint(0, 3, (8,))) for _ in range(4)]
for _ in range(2):
    trainer.run_epoch(loader)
