"""Examples of PTL106 chained-slice-indexing."""

from pt_lsp.core.examples import Example, Probe, Runtime

EXAMPLES = (
    Example(
        "cropping a 16x16 patch from an image",
        """
        import torch

        image = torch.rand(3, 32, 32)[0]
        patch = image[8:24][8:24]  # expect: PTL106
        """,
        fixed="""
        import torch

        image = torch.rand(3, 32, 32)[0]
        patch = image[8:24][8:24]
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = tuple(patch.shape) != (16, 16)",
                "the patch is not 16x16: the second slice cut rows again",
            )
        ),
    ),
    Example(
        "a block of a NumPy grid",
        """
        import numpy as np

        grid = np.arange(100).reshape(10, 10)
        block = grid[2:5][1:3]  # expect: PTL106
        """,
        fixed="""
        import numpy as np

        grid = np.arange(100).reshape(10, 10)
        block = grid[2:5][1:3]
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = block.shape != (3, 2)",
                "the block is not rows 2:5, columns 1:3",
            ),
            needs=("numpy",),
        ),
    ),
    Example(
        "the first features of the first samples",
        """
        import torch

        data = torch.randn(100, 20)
        subset = data[0:10][0:5]  # expect: PTL106
        """,
        fixed="""
        import torch

        data = torch.randn(100, 20)
        subset = data[0:10][0:5]
        """,
        runtime=Runtime(
            Probe(
                "symptom = tuple(subset.shape) != (10, 5)",
                "the subset is 5 samples with all 20 features, not 10 samples with 5 features",
            )
        ),
    ),
    Example(
        "an attention map window in a function",
        """
        import torch

        def window(n):
            attn = torch.softmax(torch.randn(n, n), dim=-1)
            return attn[4:12][4:12]  # expect: PTL106
        """,
        runtime=Runtime(
            Probe("symptom = tuple(w.shape) != (8, 8)", "the window is not 8x8: the second slice cut rows again"),
            driver="""
            w = window(16)
            """,
        ),
    ),
    Example(
        "a slice of a batch loaded with np.load",
        """
        import numpy as np

        np.save("frames.npy", np.random.rand(240, 320))  # a grayscale frame saved by the capture step
        frames = np.load("frames.npy")
        roi = frames[100:200][50:150]  # expect: PTL106
        """,
        runtime=Runtime(
            Probe("symptom = roi.shape != (100, 100)", "the region is not rows 100:200, columns 50:150"),
            needs=("numpy",),
        ),
    ),
    Example(
        "a tensor returned by a factory, sliced twice inline",
        """
        import torch

        band = torch.eye(8)[2:6][1:3]  # expect: PTL106
        """,
        runtime=Runtime(
            Probe("symptom = tuple(band.shape) != (4, 2)", "the band is not rows 2:6, columns 1:3"),
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "indexing both dimensions at once",
        """
        import torch

        image = torch.rand(32, 32)
        patch = image[8:24, 8:24]
        assert patch.shape == (16, 16)
        """,
        runtime=Runtime(),
    ),
    Example(
        "chained slicing of a list and a string",
        """
        tokens = ["a", "b", "c", "d", "e"]
        middle = tokens[1:4][0:2]
        name = "checkpoint_0010.pt"[0:15][11:15]
        """,
        runtime=Runtime(),
    ),
    Example(
        "open-ended slices trim a sequence on purpose",
        """
        import torch

        seq = torch.arange(20)
        trimmed = seq[1:][:10]
        tail = seq[:-1][5:]
        """,
        runtime=Runtime(),
    ),
    Example(
        "a slice then an index",
        """
        import torch

        x = torch.randn(10, 4)
        row = x[2:5][0]
        col = x[2:5][:, 1]
        """,
        runtime=Runtime(),
    ),
    Example(
        "an object of unknown type",
        """
        def crop(x):
            return x[0:10][2:4]
        """,
    ),
    Example(
        "a pandas frame sliced by rows twice",
        """
        import pandas as pd

        frame = pd.read_csv("train.csv")
        head = frame[0:100][10:20]
        """,
    ),
)
