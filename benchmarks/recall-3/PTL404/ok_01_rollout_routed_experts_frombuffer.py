# Source: https://github.com/radixark/miles/pull/703
# Pattern: the PR's fix: the array viewed from the server's bytes is copied (`.copy()`) before
# `torch.from_numpy`, so the tensor owns writable memory.
# warnings-as-errors
import base64

import numpy as np
import torch


def fake_server_response(num_tokens, num_layers=2, topk=2):
    experts = np.random.randint(0, 8, size=(num_tokens, num_layers, topk)).astype(np.int32)
    return {
        "text": "ok",
        "meta_info": {
            "routed_experts": base64.b64encode(experts.tobytes()).decode(),
            "shape": [num_tokens, num_layers, topk],
        },
    }


class Sample:
    def __init__(self, prompt):
        self.prompt = prompt
        self.response = None
        self.rollout_routed_experts = None


def generate(sample, output):
    meta = output["meta_info"]
    raw = base64.b64decode(meta["routed_experts"])
    routed = np.frombuffer(raw, dtype=np.int32).reshape(meta["shape"]).copy()
    sample.response = output["text"]
    sample.rollout_routed_experts = torch.from_numpy(routed)
    return sample


samples = [generate(Sample(f"prompt {i}"), fake_server_response(5)) for i in range(2)]
print([s.rollout_routed_experts.shape for s in samples])
