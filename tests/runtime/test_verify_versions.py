import pytest

from pt_lsp.runtime.versions import VersionSpecError, release, satisfies


def test_release_ignores_local_and_pre_release_parts():
    assert release("2.13.0+cpu") == (2, 13, 0)
    assert release("2.5.0a0+git1234") == (2, 5, 0)


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.13.0+cpu", ">=2.0,<3", True),
        ("2.13.0", ">=2.14", False),
        ("1.13.1", ">=2.0,<3", False),
        ("2.0.0", "<2", False),
        ("2.0.0", "==2", True),  # missing parts read as zero
        ("2.1.2", "==2.1.*", True),
        ("2.10.0", "==2.1.*", False),
        ("2.1.2", "!=2.1.*", False),
        ("2.3.0", "~=2.1", True),
        ("3.0.0", "~=2.1", False),
        ("2.13.0", "", True),
        ("2.13.0", "2.13.0", True),
    ],
)
def test_satisfies(version, spec, expected):
    assert satisfies(version, spec) is expected


@pytest.mark.parametrize("spec", ["=>2", ">=two", ">2.*", "~=2"])
def test_invalid_spec_is_reported(spec):
    with pytest.raises(VersionSpecError):
        satisfies("2.13.0", spec)
