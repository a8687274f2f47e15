"""How verify compares what a fixed program computes with the intended program."""

from pt_lsp.runtime.compare import difference


def tensor(values, dtype="torch.float32", shape=None):
    return {"shape": shape or [len(values)], "dtype": dtype, "values": values}


def test_equal_within_tolerance():
    assert difference(tensor([1.0, 2.0]), tensor([1.0, 2.0 + 1e-7]), 1e-5) is None


def test_values_shape_and_dtype_each_differ():
    assert difference(tensor([1.0, 2.5]), tensor([1.0, 2.0]), 1e-5) == "outputs: values differ (max abs difference 0.5)"
    assert difference(tensor([1.0, 2.0], shape=[2, 1]), tensor([1.0, 2.0]), 1e-5) == "outputs: shape [2, 1] != [2]"
    # The same numbers in another dtype are another result (an int64 index is not a float32 loss).
    assert difference(tensor([1.0, 2.0], "torch.int64"), tensor([1.0, 2.0]), 1e-5) == (
        "outputs: dtype torch.int64 != torch.float32"
    )


def test_containers_name_the_place_of_the_first_difference():
    actual = {"list": [tensor([1.0]), {"dict": {"w": tensor([3.0])}}]}
    expected = {"list": [tensor([1.0]), {"dict": {"w": tensor([4.0])}}]}
    assert difference(actual, expected, 1e-5) == "outputs[1]['w']: values differ (max abs difference 1)"
