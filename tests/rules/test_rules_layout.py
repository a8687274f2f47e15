"""The rules' layout: pt_lsp/rules/<family>/<rule_name>.py, one rule per module, examples beside it.

The family of a rule is the one of its code's hundred (scripts/new_rule.py holds the policy:
0xx syntax, 1xx legacy_api, 2xx autograd, 3xx modules, 4xx numpy_interop, 5xx tensorboard; a
family outside it owns one hundred of its own).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import pt_lsp.rules
from pt_lsp.core.rule import Rule, all_rules

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "pt_lsp" / "rules"


def _policy() -> dict[str, int]:
    spec = importlib.util.spec_from_file_location("new_rule_policy", ROOT / "scripts" / "new_rule.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return dict(module.FAMILIES)


FAMILIES = _policy()
PRODUCT_RULES = {code: rule for code, rule in all_rules().items() if rule.__module__.startswith("pt_lsp.rules.")}


def _all_modules() -> list[str]:
    """Every module and package under pt_lsp.rules, helpers and examples included."""
    return [info.name for info in pkgutil.walk_packages(pt_lsp.rules.__path__, prefix="pt_lsp.rules.")]


def test_the_rules_package_holds_only_families():
    assert sorted(p.name for p in RULES_DIR.glob("*.py")) == ["__init__.py"]
    for family in (p for p in RULES_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert (family / "__init__.py").is_file(), family


def test_every_product_rule_is_registered():
    assert PRODUCT_RULES, "no rule under pt_lsp.rules registered"
    assert set(FAMILIES) <= {rule.__module__.split(".")[2] for rule in PRODUCT_RULES.values()}


@pytest.mark.parametrize("code", list(PRODUCT_RULES))
def test_rule_module_is_family_and_name(code):
    rule = PRODUCT_RULES[code]
    family = rule.__module__.split(".")[2]
    assert rule.__module__ == f"pt_lsp.rules.{family}.{rule.name.replace('-', '_')}"
    if family in FAMILIES:
        assert int(code[3]) == FAMILIES[family], f"{code} is in {family}, whose codes are PTL{FAMILIES[family]}xx"


def test_each_hundred_belongs_to_one_family():
    families: dict[int, set[str]] = {}
    for code, rule in PRODUCT_RULES.items():
        families.setdefault(int(code[3]), set()).add(rule.__module__.split(".")[2])
    assert all(len(names) == 1 for names in families.values()), families
    owners = [next(iter(names)) for names in families.values()]
    assert len(owners) == len(set(owners)), families  # and each family to one hundred
    for hundred, names in families.items():
        (family,) = names
        assert FAMILIES.get(family, hundred) == hundred
        assert family in FAMILIES or hundred not in FAMILIES.values()


def _examples_module(rule: type[Rule]):
    package, leaf = rule.__module__.rsplit(".", 1)
    name = f"{package}.examples.{leaf}"
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


@pytest.mark.parametrize("code", list(PRODUCT_RULES))
def test_examples_live_beside_the_rule(code):
    rule = PRODUCT_RULES[code]
    module = _examples_module(rule)
    if module is not None:
        assert module.EXAMPLES is rule.examples, f"{code}: examples not from {module.__name__}"
        return
    # No examples module: the examples are written in the rule module itself.
    for other in _examples_modules():
        assert getattr(other, "EXAMPLES", None) is not rule.examples, f"{code} borrows {other.__name__}"


def _examples_modules():
    return [importlib.import_module(name) for name in _all_modules() if ".examples." in name]


def test_every_examples_module_belongs_to_a_rule():
    modules = {rule.__module__ for rule in PRODUCT_RULES.values()}
    for module in _examples_modules():
        owner = module.__name__.replace(".examples.", ".", 1)
        assert owner in modules, f"{module.__name__} has no rule module {owner}"
        assert isinstance(getattr(module, "EXAMPLES", None), tuple), module.__name__


def test_no_module_defines_two_rules():
    for name in _all_modules():
        module = importlib.import_module(name)
        defined = [
            cls.__name__
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Rule) and cls is not Rule and cls.__module__ == name
        ]
        assert len(defined) <= 1, f"{name} defines {defined}"
