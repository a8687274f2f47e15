# Source: https://openillumi.com/en/en-pytorch-cuda-numpy-typeerror-fix
# Pattern: the inference post-processing the article describes: a predictor class runs the model on
# the GPU it picked (`self.device`) and takes the class index with `output.numpy().argmax()` on the
# CUDA output (the article's fix is `output.detach().cpu().numpy().argmax()`).
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import torch
from torch import nn

CLASSES = ["cat", "dog", "bird"]


class Predictor:
    def __init__(self, model):
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device).eval()

    def preprocess(self, image):
        return ((image - 0.5) / 0.5).unsqueeze(0).to(self.device)

    @torch.no_grad()
    def predict(self, image):
        output = self.model(self.preprocess(image))
        index = output.numpy().argmax()  # bug: PTL401
        return CLASSES[index]


model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))
predictor = Predictor(model)
print(predictor.predict(torch.rand(3, 32, 32)))
