"""The runtime contract with the workers on SASL_SSL: ``hub worker`` processes (faust), the
relay, the Kafka ingest, the topic admin and the lag reader all authenticate as the hub's own
principal (SCRAM-SHA-512 over TLS, the CA checked, hostnames verified) on a broker that denies
what no ACL allows, with only the grants of ``hub acl sync``. A client option forgotten anywhere
would leave a worker unable to connect, and the suite would time out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from hub.kafka.acl import hub_grants, sync_acls
from hub.national.sim import SimConfig
from hub.settings import HubSettings
from hub.standard import load_standard
from hub.testing.distributed import DistributedHarness
from tests.kafka import SecureBroker
from tests.pg import fresh_database
from tests.runtime.contract import MakeHarness, RuntimeContract


class TestDistributedRuntimeOnSaslSsl(RuntimeContract):
    @pytest.fixture
    def make_harness(
        self, tmp_path: Path, pg_server: str, secure_kafka: SecureBroker
    ) -> Iterator[MakeHarness]:
        admin_env = secure_kafka.env("admin")
        types = load_standard().types

        def grant(settings: HubSettings) -> None:
            """As admin: the hub's grants on this harness's own topics and group."""
            admin = settings.model_copy(
                update={
                    "kafka_sasl_username": admin_env["HUB_KAFKA_SASL_USERNAME"],
                    "kafka_sasl_password": HubSettings(
                        kafka_sasl_password=admin_env["HUB_KAFKA_SASL_PASSWORD"]
                    ).kafka_sasl_password,
                }
            )
            sync_acls(admin, hub_grants(admin, "hub", types))

        with ExitStack() as stack:

            def make(sim: SimConfig | None = None) -> DistributedHarness:
                url = stack.enter_context(fresh_database(pg_server, "hub_kafka_sec"))
                harness = DistributedHarness(
                    tmp_path / url.rpartition("/")[2],
                    url,
                    secure_kafka.bootstrap,
                    sim,
                    kafka_env=secure_kafka.env("hub"),
                    prepare=grant,
                )
                assert harness.settings.kafka_security_protocol == "SASL_SSL"
                assert harness.env["HUB_KAFKA_SASL_USERNAME"] == "hub"
                stack.callback(harness.close)
                return harness

            yield make
