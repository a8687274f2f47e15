"""Examples of PTL103 legacy-tensor-constructor."""

from pt_lsp.core.examples import Example, Raises, Runs, Runtime

EXAMPLES = (
    Example(
        "float64 features from NumPy passed through torch.FloatTensor",
        """
        import numpy as np
        import torch

        features = np.random.rand(8, 4)
        inputs = torch.from_numpy(features)
        inputs = torch.FloatTensor(inputs)  # expect: PTL103
        layer = torch.nn.Linear(4, 2)
        out = layer(inputs)
        """,
        fixed="""
        import numpy as np
        import torch

        features = np.random.rand(8, 4)
        inputs = torch.from_numpy(features)
        inputs = torch.as_tensor(inputs, dtype=torch.float32)
        layer = torch.nn.Linear(4, 2)
        out = layer(inputs)
        """,
        runtime=Runtime(
            symptom=Raises("TypeError", r"expected TensorOptions\(dtype=float"),
            outputs="out",
            needs=("numpy",),
            reference="""
            import numpy as np
            import torch

            features = np.random.rand(8, 4)
            inputs = torch.from_numpy(features).float()
            layer = torch.nn.Linear(4, 2)
            out = layer(inputs)
            """,
        ),
    ),
    Example(
        "a uint8 segmentation mask made a LongTensor for cross_entropy",
        """
        import numpy as np
        import torch
        import torch.nn.functional as F

        mask = (np.random.rand(2, 8, 8) > 0.5).astype(np.uint8)
        target = torch.from_numpy(mask)
        target = torch.LongTensor(target)  # expect: PTL103
        logits = torch.randn(2, 2, 8, 8)
        loss = F.cross_entropy(logits, target)
        """,
        fixed="""
        import numpy as np
        import torch
        import torch.nn.functional as F

        mask = (np.random.rand(2, 8, 8) > 0.5).astype(np.uint8)
        target = torch.from_numpy(mask)
        target = torch.as_tensor(target, dtype=torch.int64)
        logits = torch.randn(2, 2, 8, 8)
        loss = F.cross_entropy(logits, target)
        """,
        runtime=Runtime(
            symptom=Raises("TypeError", r"expected TensorOptions\(dtype=long int"),
            outputs="loss",
            needs=("numpy",),
            reference="""
            import numpy as np
            import torch
            import torch.nn.functional as F

            mask = (np.random.rand(2, 8, 8) > 0.5).astype(np.uint8)
            target = torch.from_numpy(mask).long()
            logits = torch.randn(2, 2, 8, 8)
            loss = F.cross_entropy(logits, target)
            """,
        ),
    ),
    Example(
        "class weights for a weighted loss",
        """
        import torch
        import torch.nn as nn

        weights = torch.FloatTensor([0.2, 0.3, 0.5])  # expect: PTL103
        criterion = nn.CrossEntropyLoss(weight=weights)
        """,
        fixed="""
        import torch
        import torch.nn as nn

        weights = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float32)
        criterion = nn.CrossEntropyLoss(weight=weights)
        """,
        runtime=Runtime(
            Runs(
                "`torch.FloatTensor(list)` builds the float32 tensor that `torch.tensor(..., dtype=torch.float32)` does"
            ),
            outputs="(weights, weights.dtype, loss)",
            driver="""
            loss = criterion(torch.randn(4, 3), torch.tensor([0, 2, 1, 2]))
            """,
        ),
    ),
    Example(
        "an LSTM hidden state allocated with sizes (old tutorials)",
        """
        import torch

        def init_hidden(num_layers, batch_size, hidden_size):
            h = torch.FloatTensor(num_layers, batch_size, hidden_size).zero_()  # expect: PTL103
            return h, h.clone()
        """,
        fixed="""
        import torch

        def init_hidden(num_layers, batch_size, hidden_size):
            h = torch.empty(num_layers, batch_size, hidden_size, dtype=torch.float32).zero_()
            return h, h.clone()
        """,
        runtime=Runtime(
            Runs("`torch.FloatTensor(sizes)` allocates what `torch.empty(sizes, dtype=torch.float32)` does"),
            outputs="(h, c, h.dtype)",
            driver="""
            h, c = init_hidden(2, 3, 5)
            """,
        ),
    ),
    Example(
        "token ids through torch.Tensor become floats",
        """
        import torch

        token_ids = [101, 2023, 2003, 1037, 102]
        ids = torch.Tensor(token_ids)  # expect: PTL103
        """,
        fixed="""
        import torch

        token_ids = [101, 2023, 2003, 1037, 102]
        ids = torch.as_tensor(token_ids, dtype=torch.float32)
        """,
        runtime=Runtime(
            Runs("the fix keeps the float32 ids that `torch.Tensor` made"),
            outputs="(ids, ids.dtype)",
        ),
    ),
    Example(
        "GAN labels on the GPU with torch.cuda.FloatTensor",
        """
        import torch

        batch_size = 64
        real_label = torch.cuda.FloatTensor(batch_size).fill_(1.0)  # expect: PTL103
        """,
        fixed="""
        import torch

        batch_size = 64
        real_label = torch.empty(batch_size, dtype=torch.float32, device="cuda").fill_(1.0)
        """,
        static_only=(
            "torch.cuda.FloatTensor exists only in a CUDA build of torch: the CPU rewrite and the fake-cuda"
            " proxy do not simulate the legacy typed CUDA constructors"
        ),
    ),
    Example(
        "a NumPy array loaded from disk",
        """
        import numpy as np
        import torch

        np.save("embeddings.npy", np.random.rand(100, 16))  # the preprocessing step's output
        x = torch.Tensor(np.load("embeddings.npy"))  # expect: PTL103
        """,
        fixed="""
        import numpy as np
        import torch

        np.save("embeddings.npy", np.random.rand(100, 16))  # the preprocessing step's output
        x = torch.as_tensor(np.load("embeddings.npy"), dtype=torch.float32)
        """,
        runtime=Runtime(
            Runs("`torch.Tensor(array)` converts the float64 array to float32, as the fix spells it"),
            outputs="(x, x.dtype)",
            needs=("numpy",),
        ),
    ),
    Example(
        "graph edges with an imported LongTensor",
        """
        from torch import LongTensor

        edge_index = LongTensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # expect: PTL103
        """,
        fixed="""
        import torch
        from torch import LongTensor

        edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]], dtype=torch.int64)
        """,
        runtime=Runtime(
            Runs("`LongTensor(list)` builds the int64 tensor that `torch.tensor(..., dtype=torch.int64)` does"),
            outputs="(edge_index, edge_index.dtype)",
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "torch.tensor with an explicit dtype, from_numpy for arrays",
        """
        import numpy as np
        import torch

        weights = torch.tensor([0.2, 0.3, 0.5])
        labels = torch.tensor([1, 0, 2], dtype=torch.long)
        features = torch.from_numpy(np.random.rand(3, 4)).float()
        loss = torch.nn.functional.cross_entropy(features[:, :3], labels, weight=weights)
        """,
        runtime=Runtime(needs=("numpy",)),
    ),
    Example(
        "torch.Tensor with sizes, and the empty constructor",
        """
        import torch

        x = torch.randn(2, 3)
        buffer = torch.Tensor(4, 5)
        like = torch.Tensor(x.size())
        nothing = torch.Tensor()
        one = torch.Tensor(3)
        """,
        runtime=Runtime(),
    ),
    Example(
        "the typed classes as arguments: x.type(...) and isinstance",
        """
        import torch

        x = torch.arange(4)
        y = x.type(torch.FloatTensor)
        is_long = isinstance(x, torch.LongTensor)
        z = y.type(torch.DoubleTensor)
        """,
        runtime=Runtime(),
    ),
    Example(
        "a size or data of unknown type: torch.Tensor(n) is left alone",
        """
        import torch

        def allocate(n):
            return torch.Tensor(n)
        """,
    ),
    Example(
        "another library's FloatTensor and type annotations",
        """
        import torch
        from mylib.tensors import FloatTensor

        def scale(x: torch.FloatTensor) -> torch.Tensor:
            return x * 2

        values = FloatTensor([1.0, 2.0])
        """,
    ),
    Example(
        "a subclass of torch.Tensor",
        """
        import torch

        class Tagged(torch.Tensor):
            pass

        t = torch.as_tensor([1.0, 2.0]).as_subclass(Tagged)
        """,
        runtime=Runtime(),
    ),
)
