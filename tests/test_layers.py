"""The tree keeps its layers: no module imports from a layer above its own (issue 14).

The map and the checker are in ``tests/layers.py`` (``docs/layout.md`` draws the map). The first
tests hold ``hub/`` to it; the rest run the checker on small trees made here, so a checker that
silently found nothing could not pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layers import (
    LAYERS,
    duplicate_prefixes,
    forbidden_imports,
    layer_of,
    modules_under,
    package_cycles,
    unmapped,
    upward_imports,
)

ROOT = Path(__file__).resolve().parents[1]

# -- the tree ------------------------------------------------------------------------------------


def test_every_module_under_hub_has_a_layer() -> None:
    missing = unmapped(ROOT)
    assert not missing, (
        "modules no prefix of tests/layers.py LAYERS places (a new folder takes its layer on"
        " purpose: add its prefix, and its row in docs/layout.md):\n  " + "\n  ".join(missing)
    )


def test_the_map_places_each_prefix_once() -> None:
    assert duplicate_prefixes() == []


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    violations = upward_imports(ROOT)
    assert not violations, (
        "imports that run up a layer (an import may go to its own layer or below;"
        " tests/layers.py, docs/layout.md):\n  " + "\n  ".join(str(v) for v in violations)
    )


def test_no_import_the_design_rules_out() -> None:
    found = forbidden_imports(ROOT)
    assert not found, "\n  ".join(["imports tests/layers.py FORBIDDEN rules out:", *found])


def test_no_import_cycles_between_packages() -> None:
    cycles = package_cycles(ROOT)
    assert not cycles, "\n  ".join(
        [
            "packages (prefixes of tests/layers.py LAYERS) that import each other:",
            *(str(cycle) for cycle in cycles),
        ]
    )


def test_the_tree_is_read_whole() -> None:
    """The checker sees the tree (a wrong root would find no module and pass every test above)."""
    modules = modules_under(ROOT)
    assert "hub.engine.steps" in modules
    assert "hub.__main__" in modules
    assert len(modules) > 200


# -- the map -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("hub.errors", "base"),
        ("hub.connectors.formats.files", "base"),
        ("hub.storage.ports", "ports"),
        ("hub.projections.tables", "ports"),
        ("hub.projections.records", "processing"),
        ("hub.storage.sqlite", "adapters"),
        ("hub.projections.postgres", "adapters"),
        ("hub.kafka.topics", "adapters"),
        ("hub.runtime.distributed", "runtime"),
        ("hub.connectors.formatsx", "connectors"),  # a prefix names whole modules, not letters
        ("hub.connectors.frontdb", "connectors"),
        ("hub.testing.contracts.storage", "read side"),
        ("hub.cli.runtime", "top"),
    ],
)
def test_the_longest_prefix_places_a_module(module: str, layer: str) -> None:
    found = layer_of(module)
    assert found is not None
    assert found.name == layer


def test_layers_run_in_the_documented_order() -> None:
    assert [name for name, _ in LAYERS] == [
        "base",
        "ports",
        "processing",
        "adapters",
        "engine",
        "runtime",
        "connectors",
        "read side",
        "top",
    ]


# -- the checker on trees made here --------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _clean(root: Path) -> Path:
    return _tree(
        root,
        {
            "hub/errors.py": "",
            "hub/storage/__init__.py": "",
            "hub/storage/ports.py": "from hub.errors import HubError\n",
            "hub/storage/sqlite.py": "from hub.storage.ports import Store\n",
            "hub/processing/__init__.py": "",
            "hub/processing/judge.py": "from hub.storage import ports\n",
            "hub/engine/__init__.py": "",
            "hub/engine/steps.py": "import hub.processing.judge\nfrom hub.storage import sqlite\n",
        },
    )


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _clean(tmp_path)
    assert unmapped(root) == []
    assert upward_imports(root) == []
    assert package_cycles(root) == []


@pytest.mark.parametrize(
    "planted",
    [
        "from hub.storage.sqlite import SqliteStore\n",
        "import hub.storage.sqlite as backend\n",
        "from hub.storage import sqlite\n",
        "def later() -> None:\n    from hub.storage.sqlite import SqliteStore\n",
        "import typing\nif typing.TYPE_CHECKING:\n    from hub.storage.sqlite import S\n",
        "from ..storage.sqlite import SqliteStore\n",
    ],
    ids=["from", "import-as", "from-package", "in-a-function", "type-checking", "relative"],
)
def test_the_checker_catches_a_planted_upward_import(tmp_path: Path, planted: str) -> None:
    root = _clean(tmp_path)
    (root / "hub/processing/delivery.py").write_text(planted, encoding="utf-8")
    [violation] = upward_imports(root)
    assert str(violation) == (
        "hub.processing.delivery (processing, layer 3) imports hub.storage.sqlite"
        f" (adapters, layer 4) at hub/processing/delivery.py:{planted.count(chr(10))}"
    )


def test_the_checker_names_a_module_no_layer_holds(tmp_path: Path) -> None:
    root = _clean(tmp_path)
    _tree(root, {"hub/gadgets/__init__.py": "", "hub/gadgets/widget.py": ""})
    assert unmapped(root) == ["hub.gadgets", "hub.gadgets.widget"]


def test_the_checker_finds_a_cycle_between_packages(tmp_path: Path) -> None:
    root = _clean(tmp_path)
    # hub.storage and hub.storage.ports are both prefixes: a loop between them is a cycle
    _tree(root, {"hub/storage/ports.py": "from hub.storage.sqlite import rows\n"})
    [cycle] = package_cycles(root)
    assert cycle.packages == ("hub.storage", "hub.storage.ports")
    assert str(cycle) == (
        "hub.storage <-> hub.storage.ports"
        "\n    hub.storage.ports imports hub.storage.sqlite at hub/storage/ports.py:1"
        "\n    hub.storage.sqlite imports hub.storage.ports at hub/storage/sqlite.py:1"
    )


def test_the_checker_applies_a_forbidden_import(tmp_path: Path) -> None:
    root = _clean(tmp_path)
    _tree(
        root,
        {
            "hub/connectors/__init__.py": "",
            "hub/connectors/formats/__init__.py": "",
            "hub/connectors/formats/rows.py": "from hub.standard.fields import Field\n",
            "hub/standard/__init__.py": "",
            "hub/standard/fields.py": "from hub.connectors.formats.rows import cell_text\n",
        },
    )
    [found] = forbidden_imports(root)
    assert found.startswith(
        "hub.connectors.formats.rows imports hub.standard.fields"
        " at hub/connectors/formats/rows.py:1: the file-format readers are pure readers"
    )
