# Source: https://github.com/radixark/miles/pull/703
# Pattern: an RL rollout worker receives the routed-expert ids of each generated sequence from the
# inference server as base64 bytes, views them with `np.frombuffer(...)` and wraps them with
# `torch.from_numpy(...)` for routing replay; the PR copies the arrays first.
# error: The given NumPy array is not writable
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
    routed = np.frombuffer(raw, dtype=np.int32).reshape(meta["shape"])
    sample.response = output["text"]
    sample.rollout_routed_experts = torch.from_numpy(routed)  # bug: PTL404
    return sample


samples = [generate(Sample(f"prompt {i}"), fake_server_response(5)) for i in range(2)]
print([s.rollout_routed_experts.shape for s in samples])
