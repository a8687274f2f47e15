"""Examples of PTL109 packed-sequence-unpacked."""

from pt_lsp.core.examples import Example, Raises, Runtime

# Python 3.13 adds ", got 4" after the count.
TWO = Raises("ValueError", r"too many values to unpack \(expected 2")

EXAMPLES = (
    Example(
        "a captioning loss over the packed scores, as tutorials wrote it for torch 0.4",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        scores = torch.randn(3, 5, 10)
        targets = torch.randint(0, 10, (3, 5))
        lengths = [5, 4, 2]
        scores, _ = pack_padded_sequence(scores, lengths, batch_first=True)  # expect: PTL109
        targets, _ = pack_padded_sequence(targets, lengths, batch_first=True)  # expect: PTL109
        loss = torch.nn.functional.cross_entropy(scores, targets)
        """,
        fixed="""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        scores = torch.randn(3, 5, 10)
        targets = torch.randint(0, 10, (3, 5))
        lengths = [5, 4, 2]
        scores = pack_padded_sequence(scores, lengths, batch_first=True).data
        targets = pack_padded_sequence(targets, lengths, batch_first=True).data
        loss = torch.nn.functional.cross_entropy(scores, targets)
        """,
        runtime=Runtime(
            TWO,
            outputs="(scores, targets, loss)",
            reference="""
            import torch
            from torch.nn.utils.rnn import pack_padded_sequence

            scores = torch.randn(3, 5, 10)
            targets = torch.randint(0, 10, (3, 5))
            lengths = [5, 4, 2]
            scores = pack_padded_sequence(scores, lengths, batch_first=True)[0]
            targets = pack_padded_sequence(targets, lengths, batch_first=True)[0]
            loss = torch.nn.functional.cross_entropy(scores, targets)
            """,
        ),
    ),
    Example(
        "the function imported under a short alias",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence as pack

        x = torch.arange(12.0).reshape(2, 3, 2)
        flat, _ = pack(x, [3, 1], batch_first=True)  # expect: PTL109
        """,
        fixed="""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence as pack

        x = torch.arange(12.0).reshape(2, 3, 2)
        flat = pack(x, [3, 1], batch_first=True).data
        """,
        runtime=Runtime(
            TWO,
            outputs="flat",
            reference="""
            import torch

            x = torch.arange(12.0).reshape(2, 3, 2)
            flat = torch.stack([x[0, 0], x[1, 0], x[0, 1], x[0, 2]])
            """,
        ),
    ),
    Example(
        "a packed sequence named, then unpacked into its data and batch sizes",
        """
        import torch
        from torch import nn

        x = torch.randn(4, 3, 8)
        packed = nn.utils.rnn.pack_padded_sequence(x, [4, 3, 1])
        data, sizes = packed  # expect: PTL109
        print(data.shape, sizes.tolist())
        """,
        fixed="""
        import torch
        from torch import nn

        x = torch.randn(4, 3, 8)
        packed = nn.utils.rnn.pack_padded_sequence(x, [4, 3, 1])
        data, sizes = packed.data, packed.batch_sizes
        print(data.shape, sizes.tolist())
        """,
        runtime=Runtime(
            TWO,
            outputs="(data, sizes)",
            reference="""
            import torch
            from torch import nn

            x = torch.randn(4, 3, 8)
            packed = nn.utils.rnn.pack_padded_sequence(x, [4, 3, 1])
            data, sizes = packed[0], packed[1]
            """,
        ),
    ),
    Example(
        "pack_sequence through a module alias, with the batch sizes never read",
        """
        import torch
        import torch.nn.utils.rnn as rnn_utils

        seqs = [torch.ones(3, 2), torch.ones(2, 2), torch.ones(1, 2)]
        flat, batch_sizes = rnn_utils.pack_sequence(seqs)  # expect: PTL109
        total = flat.sum()
        """,
        fixed="""
        import torch
        import torch.nn.utils.rnn as rnn_utils

        seqs = [torch.ones(3, 2), torch.ones(2, 2), torch.ones(1, 2)]
        flat = rnn_utils.pack_sequence(seqs).data
        total = flat.sum()
        """,
        runtime=Runtime(
            TWO,
            outputs="(flat, total)",
            reference="""
            import torch

            flat = torch.ones(6, 2)
            total = flat.sum()
            """,
        ),
    ),
    Example(
        "three names: there never were three fields, no automatic fix",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        x = torch.randn(3, 2, 4)
        data, sizes, order = pack_padded_sequence(x, [3, 2], enforce_sorted=False)  # expect: PTL109
        """,
        runtime=Runtime(Raises("ValueError", r"too many values to unpack \(expected 3")),
    ),
    Example(
        "a sequence-labelling loss module, the call split over lines",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence


        class ViterbiLoss(torch.nn.Module):
            def forward(self, scores, tags, lengths):
                scores_at_targets = scores.gather(2, tags.unsqueeze(2)).squeeze(2)
                scores_at_targets, _ = pack_padded_sequence(  # expect: PTL109
                    scores_at_targets, lengths, batch_first=True
                )
                return -scores_at_targets.sum()
        """,
        fixed="""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence


        class ViterbiLoss(torch.nn.Module):
            def forward(self, scores, tags, lengths):
                scores_at_targets = scores.gather(2, tags.unsqueeze(2)).squeeze(2)
                scores_at_targets = pack_padded_sequence(
                    scores_at_targets, lengths, batch_first=True
                ).data
                return -scores_at_targets.sum()
        """,
        runtime=Runtime(
            TWO,
            outputs="loss",
            reference="""
            import torch
            from torch.nn.utils.rnn import pack_padded_sequence


            class ViterbiLoss(torch.nn.Module):
                def forward(self, scores, tags, lengths):
                    scores_at_targets = scores.gather(2, tags.unsqueeze(2)).squeeze(2)
                    scores_at_targets = pack_padded_sequence(scores_at_targets, lengths, batch_first=True)[0]
                    return -scores_at_targets.sum()
            """,
            driver="""
            scores = torch.arange(24.0).reshape(2, 3, 4)
            tags = torch.tensor([[0, 1, 2], [3, 0, 1]])
            loss = ViterbiLoss()(scores, tags, [3, 2])
            """,
        ),
    ),
    Example(
        "a loop over two packed sequences unpacking each into two names",
        """
        import torch
        from torch.nn.utils.rnn import pack_sequence

        a = pack_sequence([torch.ones(2, 3), torch.ones(1, 3)])
        b = pack_sequence([torch.zeros(3, 3)])
        for data, sizes in [a, b]:  # expect: PTL109
            print(data.shape, sizes)
        """,
        runtime=Runtime(TWO),
    ),
    Example(
        "a batch packed on the CPU, moved to the GPU, then unpacked the old way",
        """
        import torch
        from torch.nn.utils.rnn import pack_sequence

        batch = pack_sequence([torch.ones(3, 2), torch.ones(2, 2)]).to("cuda")
        flat, _ = batch  # expect: PTL109
        total = flat.sum()
        """,
        fixed="""
        import torch
        from torch.nn.utils.rnn import pack_sequence

        batch = pack_sequence([torch.ones(3, 2), torch.ones(2, 2)]).to("cuda")
        flat = batch.data
        total = flat.sum()
        """,
        runtime=Runtime(
            TWO,
            outputs="total",
            reference="""
            import torch

            total = torch.ones(5, 2, device="cuda").sum()
            """,
        ),
    ),
    Example(
        "the packed sequence's fields read by name",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        packed = pack_padded_sequence(torch.randn(3, 5, 10), [5, 4, 2], batch_first=True)
        scores, sizes = packed.data, packed.batch_sizes
        """,
        runtime=Runtime(),
    ),
    Example(
        "all four fields unpacked",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        data, sizes, sorted_indices, unsorted_indices = pack_padded_sequence(
            torch.randn(3, 2, 4), [2, 3], enforce_sorted=False
        )
        """,
        runtime=Runtime(),
    ),
    Example(
        "pad_packed_sequence returns a true pair",
        """
        import torch
        from torch import nn

        lstm = nn.LSTM(4, 6)
        packed = nn.utils.rnn.pack_padded_sequence(torch.randn(5, 2, 4), [5, 3])
        output, (h, c) = lstm(packed)
        padded, lengths = nn.utils.rnn.pad_packed_sequence(output)
        """,
        runtime=Runtime(),
    ),
    Example(
        "a packed batch moved to the GPU, all four fields unpacked",
        """
        import torch
        from torch.nn.utils.rnn import pack_sequence

        batch = pack_sequence([torch.ones(2, 2), torch.ones(3, 2)], enforce_sorted=False).to("cuda")
        data, batch_sizes, sorted_indices, unsorted_indices = batch
        total = data.sum()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a local function that happens to be called pack_padded_sequence",
        """
        def pack_padded_sequence(values, lengths, batch_first=False):
            return [v for v, n in zip(values, lengths) if n], sum(lengths)


        kept, total = pack_padded_sequence([1, 2, 3], [1, 0, 2])
        """,
        runtime=Runtime(),
    ),
    Example(
        "the name rebound to a pair before it is unpacked",
        """
        import torch
        from torch.nn.utils.rnn import pack_sequence

        packed = pack_sequence([torch.ones(2, 3), torch.ones(1, 3)])
        packed = (packed.data, packed.batch_sizes)
        data, sizes = packed
        """,
        runtime=Runtime(),
    ),
    Example(
        "a starred target takes the remaining fields",
        """
        import torch
        from torch.nn.utils.rnn import pack_sequence

        data, *rest = pack_sequence([torch.ones(2, 3), torch.ones(1, 3)])
        """,
        runtime=Runtime(),
    ),
    Example(
        "packed on one branch only, a pair on the other",
        """
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence

        x = torch.randn(3, 2, 4)
        use_packing = False
        if use_packing:
            seq = pack_padded_sequence(x, [3, 2])
        else:
            seq = (x, torch.tensor([3, 2]))
        inputs, lengths = seq
        """,
        runtime=Runtime(),
    ),
)
