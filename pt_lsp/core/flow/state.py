"""The abstract state at one program point, and how branches join."""

from __future__ import annotations

import ast
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from ..walk import attr_path
from .lattice import Device, GraphNode, must
from .values import Kind, Value

Function = ast.FunctionDef | ast.AsyncFunctionDef
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MAX_LINEAGE = 512  # steps up the two lineages in search of a common ancestor before a full join
SHARE_FROM = 64  # maps (both sides together) this large are joined by lineage; smaller ones in full, cheaper
TRACK_FROM = 16  # a fork of a smaller map keeps no lineage (its joins are made in full)


class Lineage:
    """Where a map stands among its forks: the lineage of the map it was forked from (``origin``,
    at that map's ``version`` then: ``mark``) and the keys written since (``written``; None for a
    root, which has nothing to differ from). Holds no contents: a long chain of them costs the
    keys written, not copies of the maps."""

    __slots__ = ("origin", "mark", "version", "written")

    def __init__(self, origin: Lineage | None = None, written: set[Any] | None = None) -> None:
        self.origin = origin
        self.mark: int = origin.version if origin is not None else 0
        self.version: int = 0  # bumped by every write: a fork of an older version is no longer related
        self.written = written

    def parent(self) -> Lineage | None:
        """The origin, while it is unchanged since the fork (else this map may differ from it anywhere)."""
        origin = self.origin
        return origin if origin is not None and origin.version == self.mark else None


class Facts(dict[K, V]):
    """A map of one state (names, freed graphs...) that knows what it was forked from.

    ``fork()`` copies the map (a C-level copy) and starts a ``Lineage`` below the parent's;
    every write then logs its key. While the parent is unchanged, the child differs from it
    only at the logged keys, so a join of two states forked from one point, or of a loop's head
    and the end of a pass run from it, looks at what either path wrote, not at every name and
    graph of the function: linear in what the branch did, not in the number of statements
    before it (benchmarks/bench_growth.py, sequential-loops)."""

    __slots__ = ("lineage",)

    def __init__(self, source: Mapping[K, V] | None = None) -> None:
        dict.__init__(self, source or {})
        self.lineage: Lineage | None = None  # made when a fork needs it: a root until then

    def fork(self) -> Facts[K, V]:
        child: Facts[K, V] = Facts(self)
        if len(self) >= TRACK_FROM:
            if self.lineage is None:
                self.lineage = Lineage()
            child.lineage = Lineage(self.lineage, set())
        return child

    def touched(self, keys: Iterable[K]) -> None:
        lineage = self.lineage
        if lineage is not None:
            lineage.version += 1
            if lineage.written is not None:
                lineage.written.update(keys)

    def __setitem__(self, key: K, value: V) -> None:
        dict.__setitem__(self, key, value)
        self.touched((key,))

    def __delitem__(self, key: K) -> None:
        dict.__delitem__(self, key)
        self.touched((key,))

    def pop(self, key: K, *default: Any) -> Any:
        if key in self:
            self.touched((key,))
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[K, V]:
        item = dict.popitem(self)
        self.touched((item[0],))
        return item

    def setdefault(self, key: K, default: Any = None) -> Any:
        if key in self:
            return dict.__getitem__(self, key)
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        new = dict(*args, **kwargs)
        dict.update(self, new)
        self.touched(new)

    def clear(self) -> None:
        self.touched(list(self))
        dict.clear(self)

    def __ior__(self, other: Any) -> Facts[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self


def fork(facts: Mapping[K, V]) -> Facts[K, V]:
    """A copy of ``facts`` that remembers it (a plain dict's copy starts a lineage of its own)."""
    return facts.fork() if isinstance(facts, Facts) else Facts(facts)


def changed(mine: Mapping[K, V], theirs: Mapping[K, V]) -> tuple[set[K], Lineage] | None:
    """The keys where two maps may differ (a key outside them is in both or neither, with the
    very same value) and their nearest common ancestor; None when none is found. The two
    lineages are walked up a step at a time each, so a near ancestor costs a few steps."""
    if mine is theirs and isinstance(mine, Facts) and mine.lineage is not None:
        return set(), mine.lineage
    if not (isinstance(mine, Facts) and isinstance(theirs, Facts)):
        return None
    if mine.lineage is None or theirs.lineage is None:
        return None
    chains: tuple[list[Lineage], list[Lineage]] = ([mine.lineage], [theirs.lineage])
    seen: tuple[dict[int, int], dict[int, int]] = ({id(mine.lineage): 0}, {id(theirs.lineage): 0})
    if mine.lineage is theirs.lineage:
        return set(), mine.lineage
    for _ in range(MAX_LINEAGE):
        moved = False
        for side in (0, 1):
            step = chains[side][-1].parent()
            if step is None:
                continue
            moved = True
            other = seen[1 - side].get(id(step))
            if other is not None:  # the common ancestor: what either wrote below it
                ends = (len(chains[side]), other) if side == 0 else (other, len(chains[side]))
                keys: set[K] = set()
                for chain, end in zip(chains, ends):
                    for lineage in chain[:end]:
                        assert lineage.written is not None  # below an ancestor: not a root
                        keys |= lineage.written
                return keys, step
            seen[side][id(step)] = len(chains[side])
            chains[side].append(step)
        if not moved:
            return None
    return None


def delta(mine: Mapping[K, V], theirs: Mapping[K, V]) -> tuple[set[K], Lineage] | None:
    """``changed(mine, theirs)`` where that is cheaper than a walk of the two maps: None for
    small maps, to be joined in full."""
    return None if len(mine) + len(theirs) < SHARE_FROM else changed(mine, theirs)


def _descend(result: Facts[K, V], ancestor: Lineage, keys: set[K]) -> None:
    """Record that ``result`` differs from the map of ``ancestor`` only at ``keys``."""
    result.lineage = Lineage(ancestor, set(keys))


def must_join(mine: Mapping[K, V], theirs: Mapping[K, V]) -> dict[K, V]:
    """``must(mine, theirs)`` (lattice.py), looking only at the keys either side wrote since
    they parted where they share an ancestor."""
    found = delta(mine, theirs)
    if found is None:
        return Facts(must(mine, theirs))
    keys, ancestor = found
    result = Facts(mine)
    for key in keys:
        if key in result and key not in theirs:
            dict.__delitem__(result, key)
    _descend(result, ancestor, keys)
    return result


def join_env(mine: Mapping[str, Value], theirs: Mapping[str, Value], items: set[str]) -> dict[str, Value]:
    """The names after a join: each name's values joined, NONE (a name narrowed to None on one
    path) adding nothing, and the list items stored on one path only (``items``) dropped. Where
    the two share an ancestor, only the names either path wrote since are looked at."""
    found = delta(mine, theirs)
    env = Facts(mine)
    if found is None:
        names: Iterable[str] = theirs
    else:
        names = found[0]
        new = [name for name in names if name in theirs and name not in mine]
        if len(new) > 1:  # appended in their order, as a join of the whole maps would
            order = {name: i for i, name in enumerate(theirs)} if len(new) > 8 else None
            new.sort(key=order.__getitem__ if order is not None else list(theirs).index)
        names = [*(name for name in names if name in mine), *new]
    for name in names:
        value = theirs.get(name)
        if value is None:
            continue
        mine_value = env.get(name)
        if mine_value is not value:
            # NONE (a name narrowed to None on one path) adds nothing: no graph, no device
            env[name] = (
                value
                if mine_value is None or mine_value is NONE
                else mine_value
                if value is NONE
                else mine_value.join(value)
            )
    for key in items:
        env.pop(key, None)
    if found is not None:
        _descend(env, found[1], found[0] | items)
    else:
        env.lineage = None  # a root: the writes above were the join's own
    return env


# A name on a path where it is None (``if x is None:``, the else of ``if x is not None:``). Compared
# by identity: a join takes the other path's value, so a detach on the not-None path holds after it.
NONE = Value(kind=Kind.OTHER, requires_grad=False)


@dataclass
class State:
    env: dict[str, Value] = field(default_factory=Facts)  # names and "obj.attr" paths
    freed: dict[GraphNode, ast.Call] = field(default_factory=Facts)  # node -> backward that freed it
    grad_enabled: bool = True
    default_device: Device = Device.CPU
    # The condition of the innermost branch on this path and whether it holds there, for
    # evidence steps ("moved to CUDA here (under `use_cuda`)"); rendered only for a step.
    under: tuple[ast.expr, bool] | None = None
    # Nodes a backward went through with retain_graph=True -> that backward.
    retained: dict[GraphNode, ast.Call] = field(default_factory=Facts)
    # Retained nodes that saved parameters an optimizer then updated in place -> its step().
    updated: dict[GraphNode, ast.Call] = field(default_factory=Facts)
    # List items stored by index (`hidden[i] = h.detach()`), kept in env under the text
    # "hidden[i]": what a read of the same index gets until the list, the index or a call
    # handed the list changes (a strong update; audit-5 G1).
    items: set[str] = field(default_factory=set)
    # (id of an `if` a later sibling repeats, side) -> the retained and updated facts that side
    # had and the join after the `if` dropped (correlated.py): restored on that side of the later one
    paths: dict[tuple[int, bool], tuple[dict[GraphNode, ast.Call], dict[GraphNode, ast.Call]]] = field(
        default_factory=dict
    )

    def copy(self) -> State:
        return State(
            fork(self.env),
            fork(self.freed),
            self.grad_enabled,
            self.default_device,
            self.under,
            fork(self.retained),
            fork(self.updated),
            set(self.items),
            dict(self.paths),
        )

    def forget_items(self, touched: str) -> None:
        """Drop the stored items of the list or index named ``touched`` (a name or a path)."""
        for key in [k for k in self.items if item_touches(k, touched)]:
            self.items.discard(key)
            self.env.pop(key, None)

    def rebind(self, target: ast.AST, value: Value) -> None:
        """Give the variable or attribute path ``target`` a new value (an in-place change such
        as ``x.detach_()`` or ``model.cuda()``); other targets are left alone."""
        path = attr_path(target)
        if path is not None:
            self.env[path] = value

    def join(self, other: State | None) -> State:
        if other is None:
            return self
        # the list items stored on one path only are dropped: the list's element holds
        env = join_env(self.env, other.env, self.items ^ other.items)
        # Must-freed: a graph counts as freed after a join only when every path freed it, so
        # that a backward taken on one branch never meets a value kept on the other.
        freed = must_join(self.freed, other.freed)
        return State(
            env,
            freed,
            self.grad_enabled and other.grad_enabled,
            self.default_device
            if self.default_device is other.default_device
            else self.default_device.join(other.default_device),
            None,
            must_join(self.retained, other.retained),
            must_join(self.updated, other.updated),  # a step on every path, like freed
            self.items & other.items,
            join_paths(self.paths, other.paths),
        )


def join_paths(
    mine: dict[tuple[int, bool], tuple[dict[GraphNode, ast.Call], dict[GraphNode, ast.Call]]],
    theirs: dict[tuple[int, bool], tuple[dict[GraphNode, ast.Call], dict[GraphNode, ast.Call]]],
) -> dict[tuple[int, bool], tuple[dict[GraphNode, ast.Call], dict[GraphNode, ast.Call]]]:
    """The side facts both paths hold (must facts, like ``retained``)."""
    if mine is theirs or not mine:
        return dict(mine)
    joined = {}
    for key, (retained, updated) in mine.items():
        other = theirs.get(key)
        if other is not None:
            joined[key] = (
                {n: c for n, c in retained.items() if other[0].get(n) is c},
                {n: c for n, c in updated.items() if other[1].get(n) is c},
            )
    return joined


def item_key(target: ast.expr) -> str | None:
    """``hidden[i]`` / ``hidden[0]`` / ``ret["mel"]`` (a list or dict path indexed by a name, an
    integer or a string): its env key."""
    if not isinstance(target, ast.Subscript):
        return None
    path = attr_path(target.value)
    index = target.slice
    if path is None:
        return None
    if isinstance(index, ast.Name):
        return f"{path}[{index.id}]"
    if isinstance(index, ast.Constant) and type(index.value) in (int, str):
        return f"{path}[{index.value!r}]"
    return None


def item_touches(key: str, touched: str) -> bool:
    """Whether rebinding or mutating ``touched`` may change the item ``key`` names."""
    container, index = key[:-1].split("[", 1)
    return container == touched or container.startswith(touched + ".") or index == touched


STATE_FIELDS = tuple(f.name for f in fields(State))  # what a state holds, to adopt another's in place


def join_states(states: Iterable[State | None]) -> State | None:
    result = None
    for state in states:
        if state is None:
            continue
        result = state.copy() if result is None else result.join(state)
    return result


@dataclass
class Frame:
    """One function activation (or the module body)."""

    node: ast.AST
    returns: list[Value] = field(default_factory=list)
    locals: frozenset[str] = frozenset()
    exits: list[State] = field(default_factory=list)  # the state at each `return`
    yields: list[Value] = field(default_factory=list)  # what a generator function yields


@dataclass
class LoopFrame:
    """One loop being interpreted: where its passes start (graph node ids) and what it hands on."""

    node: ast.For | ast.AsyncFor | ast.While
    start_uid: int
    pass_start_uid: int = 0
    head: State | None = None
    live_in: frozenset[str] = frozenset()
    entry: State | None = None  # the state before the loop
    breaks: list[State] = field(default_factory=list)
    continues: list[State] = field(default_factory=list)


@dataclass
class Stack:
    """The activations and the loops being interpreted, innermost last."""

    frames: list[Frame] = field(default_factory=list)
    loops: list[LoopFrame] = field(default_factory=list)

    def is_parameter(self, name: str) -> bool:
        """Whether ``name`` is a parameter of the function being interpreted."""
        function = self.frames[-1].node if self.frames else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        arguments = function.args
        return any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs))
