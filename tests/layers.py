"""The layers of ``hub/``, bottom to top, and a checker that reads every import (issue 14).

An import may go to its own layer or below, never up. Every import counts: at the top of a module,
inside a function (a lazy import is still a dependency, it only moves the failure to run time) and
under ``if TYPE_CHECKING:`` (a type is a dependency too). A module's layer is that of the longest
module prefix in :data:`LAYERS` that names it, so ``hub.connectors.formats`` (the file-format
readers) is base although the rest of ``hub.connectors`` is layer 7. ``docs/layout.md`` draws
this map; ``tests/test_layers.py`` holds the tree to it.

The checker reads the source with :mod:`ast` and imports nothing of ``hub``, so a module whose
imports are broken is still checked, and a synthetic tree (the tests' own) can be checked as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# (layer name, module prefixes), bottom to top. A prefix names a module and everything under it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "hub.errors",
            "hub.reasons_zh",
            "hub.bounds",
            "hub.events",
            "hub.domain",
            "hub.connectors.formats",  # pure readers: no storage, no standard
            "hub.standard",
            "hub.settings",  # read once at the edge; may import only this layer
        ),
    ),
    (
        "ports",
        (
            "hub.storage.ports",
            "hub.projections.ports",
            # the table descriptions the read-model port speaks (imports nothing of hub)
            "hub.projections.tables",
        ),
    ),
    (
        "processing",
        (
            "hub.processing",
            # the package itself (it re-exports the runner and the catalogue) and the pure
            # projections; a new module under hub/projections/ is pure unless placed otherwise
            "hub.projections",
            "hub.projections.base",
            "hub.projections.catalogue",
            "hub.projections.dossier",
            "hub.projections.provenance",
            "hub.projections.records",
            "hub.projections.regions",
            "hub.projections.scorecards",
        ),
    ),
    (
        "adapters",
        (
            "hub.storage",  # the backends and their SQL; hub.storage.ports is a port (above)
            "hub.projections.sqlite",
            "hub.projections.postgres",
            "hub.backends",  # the one backend picker
            "hub.national",  # client, protocol, simulator
            "hub.kafka",
        ),
    ),
    ("engine", ("hub.engine",)),
    ("runtime", ("hub.runtime",)),
    ("connectors", ("hub.connectors",)),  # but hub.connectors.formats is base (above)
    ("read side", ("hub.query", "hub.audit", "hub.report", "hub.metrics", "hub.testing")),
    ("top", ("hub.api", "hub.console", "hub.cli", "hub.demo", "hub.__main__")),
)

# Imports the layers allow but the design does not: (importer prefix, target prefix, why).
FORBIDDEN: tuple[tuple[str, str, str], ...] = (
    (
        "hub.connectors.formats",
        "hub.standard",
        "the file-format readers are pure readers: they turn bytes into rows and know no standard",
    ),
)


@dataclass(frozen=True)
class Layer:
    """Where a module sits: its layer's number (1 at the bottom), its name, and the prefix that
    placed it."""

    number: int
    name: str
    prefix: str

    def __str__(self) -> str:
        return f"{self.name}, layer {self.number}"


@dataclass(frozen=True)
class Import:
    """One import of a ``hub`` module, as written: where (the path relative to the tree's root),
    and the module it names."""

    importer: str
    target: str
    path: Path
    line: int


@dataclass(frozen=True)
class Violation:
    """An import that runs up: the importer's layer is below the imported module's."""

    found: Import
    importer_layer: Layer
    target_layer: Layer

    def __str__(self) -> str:
        return (
            f"{self.found.importer} ({self.importer_layer}) imports {self.found.target}"
            f" ({self.target_layer}) at {self.found.path}:{self.found.line}"
        )


Map = Sequence[tuple[str, Sequence[str]]]


def layer_of(module: str, layers: Map = LAYERS) -> Layer | None:
    """The layer of the longest prefix that names ``module``, or None when no prefix does."""
    best: Layer | None = None
    for number, (name, prefixes) in enumerate(layers, start=1):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best.prefix)
            ):
                best = Layer(number, name, prefix)
    return best


def duplicate_prefixes(layers: Map = LAYERS) -> list[str]:
    """Prefixes listed more than once (a map that places one module twice says nothing)."""
    seen: set[str] = set()
    twice: list[str] = []
    for _, prefixes in layers:
        for prefix in prefixes:
            if prefix in seen:
                twice.append(prefix)
            seen.add(prefix)
    return twice


def modules_under(root: Path, package: str = "hub") -> dict[str, Path]:
    """Every module of ``package`` below ``root`` (the folder holding it), by dotted name."""
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module a ``from`` import names (relative ones resolved against the importer)."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(
    module: str, root: Path, path: Path, known: Mapping[str, Path], package: str = "hub"
) -> list[Import]:
    """Every import of a ``package`` module in ``path``, wherever it stands in the file, once per
    line and target.

    ``from a.b import c`` names ``a.b.c`` when that is a module of the tree, else ``a.b``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    shown = path.relative_to(root)
    found: dict[tuple[str, int], Import] = {}

    def add(target: str, line: int) -> None:
        if target == package or target.startswith(package + "."):
            found.setdefault((target, line), Import(module, target, shown, line))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, is_package)
            for alias in node.names:
                child = f"{source}.{alias.name}"
                add(child if child in known else source, node.lineno)
    return sorted(found.values(), key=lambda i: (i.line, i.target))


def all_imports(root: Path, package: str = "hub") -> Iterator[Import]:
    """The imports of every module of ``package`` below ``root``."""
    known = modules_under(root, package)
    for module, path in known.items():
        yield from imports_of(module, root, path, known, package)


def unmapped(root: Path, layers: Map = LAYERS, package: str = "hub") -> list[str]:
    """Modules no prefix places: a new folder must be given its layer on purpose."""
    return [m for m in modules_under(root, package) if layer_of(m, layers) is None]


def upward_imports(root: Path, layers: Map = LAYERS, package: str = "hub") -> list[Violation]:
    """Every import from a module into a layer above its own (unmapped modules are skipped:
    :func:`unmapped` reports them)."""
    violations: list[Violation] = []
    for found in all_imports(root, package):
        importer_layer = layer_of(found.importer, layers)
        target_layer = layer_of(found.target, layers)
        if importer_layer and target_layer and target_layer.number > importer_layer.number:
            violations.append(Violation(found, importer_layer, target_layer))
    return violations


def forbidden_imports(
    root: Path, forbidden: Sequence[tuple[str, str, str]] = FORBIDDEN, package: str = "hub"
) -> list[str]:
    """Imports that :data:`FORBIDDEN` rules out, each with the rule's reason."""

    def under(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    return [
        f"{found.importer} imports {found.target} at {found.path}:{found.line}: {why}"
        for found in all_imports(root, package)
        for importer, target, why in forbidden
        if under(found.importer, importer) and under(found.target, target)
    ]


@dataclass(frozen=True)
class Cycle:
    """Packages of the map that import each other, and the imports that tie them."""

    packages: tuple[str, ...]
    imports: tuple[Import, ...]

    def __str__(self) -> str:
        ties = "".join(
            f"\n    {i.importer} imports {i.target} at {i.path}:{i.line}" for i in self.imports
        )
        return " <-> ".join(self.packages) + ties


def package_cycles(root: Path, layers: Map = LAYERS, package: str = "hub") -> list[Cycle]:
    """Cycles between the map's entries (each prefix is one package here): every strongly
    connected group of two or more, sorted, found with Tarjan's algorithm, with the imports
    between its members (what to cut to break it)."""
    edges: dict[str, set[str]] = {}
    between: list[tuple[str, str, Import]] = []
    for found in all_imports(root, package):
        a, b = layer_of(found.importer, layers), layer_of(found.target, layers)
        if a and b and a.prefix != b.prefix:
            edges.setdefault(a.prefix, set()).add(b.prefix)
            between.append((a.prefix, b.prefix, found))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [
        Cycle(
            tuple(group),
            tuple(i for x, y, i in between if x in group and y in group),
        )
        for group in sorted(groups)
    ]
