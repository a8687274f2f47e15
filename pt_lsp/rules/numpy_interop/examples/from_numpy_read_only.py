"""Examples of PTL404 from-numpy-read-only."""

from pt_lsp.core.examples import Example, Probe, Runs, Runtime

EXAMPLES = (
    Example(
        "an in-place op on a tensor over a bytes payload mutates the bytes",
        """
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values)  # expect: PTL404
        t.mul_(2)
        """,
        fixed="""
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values.copy())
        t.mul_(2)
        """,
        runtime=Runtime(
            symptom=Probe('symptom = payload != b"\\x00\\x00\\x80\\x3f" * 4', "the immutable bytes object changed"),
            outputs="t",
        ),
    ),
    Example(
        "writing one element of a broadcast grid changes every row",
        """
        import numpy as np
        import torch

        base = np.zeros(3, dtype=np.float32)
        grid = np.broadcast_to(base, (4, 3))
        t = torch.from_numpy(grid)  # expect: PTL404
        t[0, 0] = 1.0
        """,
        fixed="""
        import numpy as np
        import torch

        base = np.zeros(3, dtype=np.float32)
        grid = np.broadcast_to(base, (4, 3))
        t = torch.from_numpy(grid.copy())
        t[0, 0] = 1.0
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = bool(t[3, 0] == 1.0) or base[0] != 0",
                "one write changed every row of the tensor and the base array",
            ),
            outputs="t",
            reference="""
            import torch

            t = torch.zeros(4, 3)
            t[0, 0] = 1.0
            """,
        ),
    ),
    Example(
        "a PIL image normalised in place",
        """
        import numpy as np
        import torch
        from PIL import Image

        img = Image.new("RGB", (8, 8), (255, 128, 0))
        x = torch.as_tensor(np.asarray(img))  # expect: PTL404
        x = x.permute(2, 0, 1).float().div_(255)
        """,
        fixed="""
        import numpy as np
        import torch
        from PIL import Image

        img = Image.new("RGB", (8, 8), (255, 128, 0))
        x = torch.as_tensor(np.asarray(img).copy())
        x = x.permute(2, 0, 1).float().div_(255)
        """,
        runtime=Runtime(
            Runs(
                "torch warns that the image's array is not writable; `.float()` copies before `div_`, so nothing is "
                "written through it yet: fragile, not wrong, and the copy computes the same tensor"
            ),
            needs=("PIL",),
            outputs="x",
        ),
    ),
    Example(
        "an array protected with flags.writeable",
        """
        import numpy as np
        import torch

        table = np.arange(10.0)
        table.flags.writeable = False
        t = torch.from_numpy(table)  # expect: PTL404
        t.add_(1.0)
        """,
        fixed="""
        import numpy as np
        import torch

        table = np.arange(10.0)
        table.flags.writeable = False
        t = torch.from_numpy(table.copy())
        t.add_(1.0)
        """,
        runtime=Runtime(
            Probe("symptom = table[0] != 0.0", "a write through the tensor changed the write-protected array"),
            outputs="(t, table)",
            reference="""
            import numpy as np
            import torch

            table = np.arange(10.0)
            table.flags.writeable = False
            t = torch.tensor(table)
            t.add_(1.0)
            """,
        ),
    ),
    Example(
        "frames read from a file",
        """
        import numpy as np
        import torch

        def load(path):
            with open(path, "rb") as f:
                raw = f.read()
            return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8))  # expect: PTL404
        """,
        fixed="""
        import numpy as np
        import torch

        def load(path):
            with open(path, "rb") as f:
                raw = f.read()
            return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).copy())
        """,
        runtime=Runtime(
            Runs(
                "torch warns that the bytes are not writable; nothing writes through the tensor here, but an in-place "
                "op on it would change an immutable bytes object: fragile, and the copy computes the same tensor"
            ),
            driver="""
            with open("frames.bin", "wb") as f:
                f.write(bytes(range(12)))
            frames = load("frames.bin")
            """,
            outputs="frames",
        ),
    ),
    Example(
        "setflags(write=False) on a lookup table",
        """
        import numpy as np
        import torch

        lut = np.linspace(0, 1, 256)
        lut.setflags(write=False)
        lut_t = torch.from_numpy(lut)  # expect: PTL404
        lut_t *= 255
        """,
        fixed="""
        import numpy as np
        import torch

        lut = np.linspace(0, 1, 256)
        lut.setflags(write=False)
        lut_t = torch.from_numpy(lut.copy())
        lut_t *= 255
        """,
        runtime=Runtime(
            Probe("symptom = lut[-1] != 1.0", "scaling the tensor scaled the write-protected lookup table"),
            outputs="(lut_t, lut)",
            reference="""
            import numpy as np
            import torch

            lut = np.linspace(0, 1, 256)
            lut.setflags(write=False)
            lut_t = torch.tensor(lut) * 255
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "a copy of the bytes-backed array",
        """
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        t = torch.from_numpy(np.frombuffer(payload, dtype=np.float32).copy())
        t.mul_(2)
        """,
        runtime=Runtime(),
    ),
    Example(
        "frombuffer over a bytearray is writable",
        """
        import numpy as np
        import torch

        buffer = bytearray(16)
        t = torch.from_numpy(np.frombuffer(buffer, dtype=np.float32))
        t.add_(1)
        """,
        runtime=Runtime(),
    ),
    Example(
        "torch.tensor copies",
        """
        import numpy as np
        import torch

        grid = np.broadcast_to(np.zeros(3, dtype=np.float32), (4, 3))
        t = torch.tensor(grid)
        t[0, 0] = 1.0
        """,
        runtime=Runtime(),
    ),
    Example(
        "np.array of a PIL image copies",
        """
        import numpy as np
        import torch
        from PIL import Image

        img = Image.new("RGB", (4, 4))
        x = torch.from_numpy(np.array(img))
        x.add_(1)
        """,
        runtime=Runtime(needs=("PIL",)),
    ),
    Example(
        "an ordinary array",
        """
        import numpy as np
        import torch

        def to_tensor(frames):
            return torch.from_numpy(np.stack(frames))
        """,
    ),
    Example(
        "as_tensor with a dtype converts (a copy)",
        """
        import numpy as np
        import torch

        payload = b"\\x01\\x02\\x03\\x04"
        t = torch.as_tensor(np.frombuffer(payload, dtype=np.uint8), dtype=torch.float32)
        """,
    ),
    Example(
        "an IDX file's pixels returned by a parser with the file's magic number",
        """
        import io

        import numpy as np
        import torch


        def parse(content):
            return np.frombuffer(content, dtype=np.uint8, offset=4), content[:4]


        def load(stream):
            pixels, magic = parse(stream.read())
            return pixels


        def to_tensor(pixels):
            return torch.from_numpy(pixels)  # expect: PTL404


        pixels = load(io.BytesIO(b"IDX1" + bytes(8)))
        t = to_tensor(pixels)
        t.add_(1)
        """,
        fixed="""
        import io

        import numpy as np
        import torch


        def parse(content):
            return np.frombuffer(content, dtype=np.uint8, offset=4), content[:4]


        def load(stream):
            pixels, magic = parse(stream.read())
            return pixels


        def to_tensor(pixels):
            return torch.from_numpy(pixels.copy())


        pixels = load(io.BytesIO(b"IDX1" + bytes(8)))
        t = to_tensor(pixels)
        t.add_(1)
        """,
        runtime=Runtime(
            symptom=Probe("symptom = pixels.base[4] != 0", "the immutable bytes the file was read into changed"),
            outputs="t",
        ),
    ),
)
