"""Which devices verify runs on, and how the report names them."""

from __future__ import annotations

import platform
from dataclasses import dataclass

CPU, CUDA, META_PROXY = "cpu", "cuda", "meta-proxy"


@dataclass(frozen=True)
class TorchInfo:
    version: str
    cuda_available: bool
    gpu: str | None  # the GPU model, where there is one
    cuda_version: str | None


@dataclass(frozen=True)
class Device:
    name: str  # cpu | cuda | meta-proxy
    description: str

    def to_json(self) -> dict:
        return {"device": self.name, "description": self.description}


def torch_info() -> TorchInfo:
    import torch

    available = bool(torch.cuda.is_available())
    gpu = torch.cuda.get_device_name(0) if available else None
    return TorchInfo(torch.__version__, available, gpu, getattr(torch.version, "cuda", None))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def plan_devices(requested: str, info: TorchInfo) -> list[Device]:
    """``requested`` is cpu | cuda | all. Without CUDA, the cuda request runs the CUDA-only
    symptoms on the meta proxy, and the report says so."""
    devices = []
    if requested in (CPU, "all"):
        devices.append(Device(CPU, _cpu_model()))
    if requested in (CUDA, "all"):
        if info.cuda_available:
            devices.append(Device(CUDA, f"{info.gpu} (CUDA {info.cuda_version})"))
        else:
            devices.append(
                Device(
                    META_PROXY,
                    "no CUDA device: CUDA-only symptoms run on torch's meta device as a proxy, not on a GPU",
                )
            )
    return devices
