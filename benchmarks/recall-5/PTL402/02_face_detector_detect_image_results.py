# Source: https://github.com/cosanlab/py-feat/issues/194
# Pattern: a face-analysis detector's `detect_image` runs its face and emotion models with gradients enabled
#   (the maintainers' fix moved inference under `torch.inference_mode()`) and builds its result table with
#   `.numpy()`
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
import torch.nn as nn


class Detector:
    def __init__(self):
        self.face_model = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 5)
        )
        self.emotion_model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 7), nn.Softmax(dim=1))

    def detect_faces(self, image):
        return torch.sigmoid(self.face_model(image))

    def detect_image(self, image):
        faces = self.detect_faces(image)
        emotions = self.emotion_model(faces)
        return {
            "FaceRectX": faces[:, 0].numpy(),  # bug: PTL402
            "FaceScore": faces[:, 4].numpy(),  # also: PTL402
            "emotions": emotions.numpy(),  # also: PTL402
        }


detector = Detector()
prediction = detector.detect_image(torch.rand(1, 3, 24, 24))
print({k: np.round(v, 3) for k, v in prediction.items()})
