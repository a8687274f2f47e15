# Source: https://github.com/collabora/WhisperLive/pull/11
# Pattern: a transcription server receives audio frames as bytes over a websocket, views them with
# `np.frombuffer(frame, dtype=np.float32)`, and passes `torch.from_numpy(frame_np)` to a VAD model.
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch
from torch import nn


class VoiceActivityDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(512, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x, sr):
        return torch.sigmoid(self.net(x))


class ServeClient:
    RATE = 16000

    def __init__(self):
        self.vad_model = VoiceActivityDetector()

    def speech_to_text(self, frames):
        for frame in frames:
            frame_np = np.frombuffer(frame, dtype=np.float32)
            speech_prob = self.vad_model(torch.from_numpy(frame_np), self.RATE).item()  # bug: PTL404
            print(round(speech_prob, 3))


client = ServeClient()
client.speech_to_text([np.random.rand(512).astype(np.float32).tobytes() for _ in range(2)])
