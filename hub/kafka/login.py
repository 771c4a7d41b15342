"""A login check against a secured cluster, before a long-running command starts.

Why: aiokafka reports a refused SASL login or an untrusted certificate as "unable to
bootstrap", the same as a broker that is down, so a worker or relay with a wrong password would
wait for Kafka forever, looking like an outage. librdkafka tells the two apart at once (its error
callback), so ``hub worker`` and ``hub topics create`` ask it first: a refused login is a
:class:`~hub.errors.ConfigError` naming the settings to check (exit 2), an unreachable broker a
:class:`~hub.errors.BrokerUnavailableError`. On ``PLAINTEXT`` there is nothing to check.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from hub.errors import BrokerUnavailableError, ConfigError
from hub.kafka.security import confluent_options
from hub.settings import HubSettings

__all__ = ["check_login"]

log = logging.getLogger("hub.kafka.login")  # librdkafka's own log, through Python's logging


def check_login(settings: HubSettings, timeout_s: float = 15.0) -> None:
    """Return once the broker accepted the settings' identity (a metadata request answered)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    refused: list[KafkaError] = []

    def on_error(error: KafkaError) -> None:
        if error.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL):
            refused.append(error)

    options: dict[str, Any] = {**confluent_options(settings), "error_cb": on_error, "logger": log}
    admin = AdminClient(options)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if refused:
            what = (
                "the TLS handshake failed "
                "(check HUB_KAFKA_SSL_CAFILE, HUB_KAFKA_SSL_CHECK_HOSTNAME)"
                if refused[0].code() == KafkaError._SSL
                else "the login was refused (check HUB_KAFKA_SASL_USERNAME, "
                "HUB_KAFKA_SASL_PASSWORD, HUB_KAFKA_SASL_MECHANISM)"
            )
            raise ConfigError(f"Kafka at {settings.kafka_bootstrap}: {what} (Kafka 拒绝连接)")
        try:
            admin.list_topics(timeout=0.5)
            return
        except KafkaException:
            admin.poll(0.1)  # serves the error callback
    raise BrokerUnavailableError(f"Kafka at {settings.kafka_bootstrap} did not answer")
