"""Which devices verify runs on, and how the report names them."""

from __future__ import annotations

import platform
from dataclasses import dataclass

CPU, CUDA, FAKE_CUDA = "cpu", "cuda", "fake-cuda"


# Kept here (not imported from fake_cuda) so that planning never imports torch's internals.
PROXY_DESCRIPTION = "no CUDA device: CUDA simulated on the CPU (pt-lsp's fake-cuda proxy), not a GPU"
PROXY_BLIND_SPOTS = (
    "kernels' own CUDA errors (device-side asserts, unsupported dtypes, cuDNN), memory, streams and "
    "events, asynchronous errors, several GPUs, legacy torch.cuda.*Tensor constructors, and CUDA extensions"
)


@dataclass(frozen=True)
class TorchInfo:
    version: str
    cuda_available: bool
    gpu: str | None  # the GPU model, where there is one
    cuda_version: str | None


@dataclass(frozen=True)
class Device:
    name: str  # cpu | cuda | fake-cuda
    description: str

    @property
    def proxy(self) -> str | None:
        """The proxy's name where this row does not run on the device it stands for."""
        return FAKE_CUDA if self.name == FAKE_CUDA else None

    def to_json(self) -> dict:
        data = {"device": self.name, "description": self.description}
        if self.proxy:
            data["cannot_see"] = PROXY_BLIND_SPOTS
        return data


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
    """``requested`` is cpu | cuda | all. Without CUDA, the cuda request runs the examples that use
    CUDA on the fake-cuda proxy (``fake_cuda``: CUDA simulated on the CPU), and the report says so."""
    devices = []
    if requested in (CPU, "all"):
        devices.append(Device(CPU, _cpu_model()))
    if requested in (CUDA, "all"):
        if info.cuda_available:
            devices.append(Device(CUDA, f"{info.gpu} (CUDA {info.cuda_version})"))
        else:
            devices.append(Device(FAKE_CUDA, PROXY_DESCRIPTION))
    return devices
