"""One secured broker (``ops/kafka/start --secure``) for the whole session: JVMs are heavy on a
small machine, and every test here works on topics of its own prefix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kafka import SecureBroker, secure_kafka_server


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[SecureBroker]:
    with secure_kafka_server() as broker:
        yield broker
