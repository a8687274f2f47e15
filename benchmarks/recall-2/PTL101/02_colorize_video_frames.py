# Source: https://github.com/iver56/automatic-video-colorization/issues/3
# Pattern: the apply script colorizes a video frame by frame: each grayscale frame becomes a tensor,
# is wrapped as `Variable(..., volatile=True)` and passed through the colorization network.
# error: volatile was removed and now has no effect
# warnings-as-errors
import numpy as np
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class ColorizationNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 2, 3, padding=1), nn.Tanh())

    def forward(self, l_channel):
        return self.net(l_channel)


def colorize_frame(model, frame):
    l_channel = frame.astype(np.float32) / 255.0
    input_var = Variable(torch.from_numpy(l_channel)[None, None], volatile=True)  # bug: PTL101
    ab = model(input_var)
    return np.concatenate([l_channel[None], ab[0].detach().numpy()], axis=0)


model = ColorizationNet()
model.eval()
video = [np.random.randint(0, 255, (16, 16), dtype=np.uint8) for _ in range(3)]
colorized = [colorize_frame(model, frame) for frame in video]
print(len(colorized), colorized[0].shape)
