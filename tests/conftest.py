"""Shared fixtures: the shipped standard pack, a validator, fresh copies of the examples."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from hub.standard import Standard, Validator, load_standard


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard()


@pytest.fixture(scope="session")
def validator(standard: Standard) -> Validator:
    return Validator(standard)


@pytest.fixture
def example(standard: Standard) -> Callable[[str], dict[str, Any]]:
    """A deep copy of a type's example record, safe to mutate."""

    def make(type_id: str) -> dict[str, Any]:
        return copy.deepcopy(standard.example(type_id))

    return make


@pytest.fixture
def inspection(standard: Standard) -> dict[str, Any]:
    return copy.deepcopy(standard.example("inspection"))


@pytest.fixture
def entity(standard: Standard) -> dict[str, Any]:
    return copy.deepcopy(standard.example("supervised_entity"))
