"""ACLs for the hub on a cluster whose authorizer denies what no ACL allows
(``allow.everyone.if.no.acl.found=false``): what the hub's own principal needs, and nothing for
anyone else, so the internal topics are writable by the hub alone and a forged submission or
tombstone is refused by the broker.

:func:`hub_grants` decides (pure: settings and record types in, grants out); :func:`sync_acls`
applies them with Confluent's admin client (aiokafka has no ACL API) as the identity of the
settings, which must be allowed to alter ACLs (a super user such as ``ops/kafka/start --secure``'s
``admin``). Syncing is idempotent: grants already there are reported, not created twice. It never
deletes an ACL: grants made by hand or by other tools stay.

The hub's principal gets, on each of its topics (literal names, so a topic of another
application that happens to share the prefix is not covered): read, write, describe, and create
(``hub topics create`` may run as the hub); on its consumer group (``HUB_KAFKA_GROUP``): read and
describe; on the cluster: idempotent write (brokers before 2.8 ask for it for the idempotent
producer).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from hub.errors import BrokerUnavailableError, ConfigError
from hub.kafka.login import check_login
from hub.kafka.security import confluent_options
from hub.kafka.topics import hub_topics
from hub.settings import HubSettings

if TYPE_CHECKING:
    from confluent_kafka.admin import AclBinding, AdminClient

__all__ = ["AclReport", "Grant", "hub_grants", "sync_acls"]

Resource = Literal["topic", "group", "cluster"]
Operation = Literal["read", "write", "describe", "create", "idempotent_write"]

TOPIC_OPERATIONS: tuple[Operation, ...] = ("read", "write", "describe", "create")
GROUP_OPERATIONS: tuple[Operation, ...] = ("read", "describe")
log = logging.getLogger("hub.kafka.acl")  # librdkafka's own log, through Python's logging

CLUSTER = "kafka-cluster"  # the one name Kafka gives the cluster resource


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """One ALLOW ACL on a literal resource name, from any host."""

    principal: str
    resource: Resource
    name: str
    operation: Operation

    def to_dict(self) -> dict[str, str]:
        return {
            "principal": self.principal,
            "resource": self.resource,
            "name": self.name,
            "operation": self.operation,
        }


@dataclass(frozen=True, slots=True)
class AclReport:
    created: list[Grant]
    existing: list[Grant]

    def to_dict(self) -> dict[str, object]:
        return {
            "created": [g.to_dict() for g in self.created],
            "existing": [g.to_dict() for g in self.existing],
        }


def as_principal(name: str) -> str:
    """``hub`` → ``User:hub``; a name with a type (``User:CN=...``) is kept."""
    if not name or name.strip() != name:
        raise ConfigError(f"not a Kafka principal: {name!r} (不是有效的 Kafka 主体)")
    return name if ":" in name else f"User:{name}"


def hub_grants(settings: HubSettings, principal: str, record_types: Iterable[str]) -> list[Grant]:
    """What the hub's principal needs on the hub's topics, group and cluster (sorted)."""
    who = as_principal(principal)
    grants = [
        Grant(who, "topic", spec.name, op)
        for spec in hub_topics(settings, record_types)
        for op in TOPIC_OPERATIONS
    ]
    grants += [Grant(who, "group", settings.kafka_group, op) for op in GROUP_OPERATIONS]
    grants.append(Grant(who, "cluster", CLUSTER, "idempotent_write"))
    return sorted(grants)


def sync_acls(settings: HubSettings, grants: Sequence[Grant], timeout_s: float = 30.0) -> AclReport:
    """Create the grants that are missing; raise :class:`ConfigError` when the broker refuses
    the settings' identity (a refused login at once, by :func:`~hub.kafka.login.check_login`),
    :class:`BrokerUnavailableError` when it does not answer."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    check_login(settings, timeout_s)
    options: dict[str, Any] = {**confluent_options(settings), "logger": log}
    admin = AdminClient(options)
    try:
        have = _existing(admin, {g.principal for g in grants}, timeout_s)
        missing = [g for g in grants if g not in have]
        if missing:
            futures = admin.create_acls([_binding(g) for g in missing], request_timeout=timeout_s)
            for future in futures.values():
                future.result(timeout_s)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        code = error.code() if isinstance(error, KafkaError) else None
        refused = {
            KafkaError.CLUSTER_AUTHORIZATION_FAILED,
            KafkaError.SASL_AUTHENTICATION_FAILED,
            KafkaError._AUTHENTICATION,
            KafkaError.SECURITY_DISABLED,
        }
        if code in refused:
            raise ConfigError(
                f"the broker refused to change ACLs for the configured identity "
                f"(Kafka 拒绝修改 ACL): {error.name() if isinstance(error, KafkaError) else code}; "
                "run this with a principal allowed to alter ACLs (a super user)"
            ) from None
        raise BrokerUnavailableError(f"Kafka did not answer the ACL request: {exc}") from None
    except TimeoutError:
        raise BrokerUnavailableError(
            f"Kafka did not answer the ACL request within {timeout_s:g} s"
        ) from None
    return AclReport(created=missing, existing=[g for g in grants if g in have])


def _binding(grant: Grant) -> AclBinding:
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    return AclBinding(
        # librdkafka names Kafka's CLUSTER resource type (4) BROKER
        ResourceType.BROKER
        if grant.resource == "cluster"
        else ResourceType[grant.resource.upper()],
        grant.name,
        ResourcePatternType.LITERAL,
        grant.principal,
        "*",
        AclOperation[grant.operation.upper()],
        AclPermissionType.ALLOW,
    )


def _existing(admin: AdminClient, principals: set[str], timeout_s: float) -> set[Grant]:
    """The literal ALLOW grants the broker holds for these principals."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    found: set[Grant] = set()
    for who in principals:
        # None is "any" in a filter (the name and the host); the stubs say str
        query = AclBindingFilter(
            ResourceType.ANY,
            None,  # type: ignore[arg-type]
            ResourcePatternType.LITERAL,
            who,
            None,  # type: ignore[arg-type]
            AclOperation.ANY,
            AclPermissionType.ALLOW,
        )
        bindings = admin.describe_acls(query, request_timeout=timeout_s).result(timeout_s)
        for b in bindings:
            resource = "cluster" if b.restype == ResourceType.BROKER else b.restype.name.lower()
            operation = b.operation.name.lower()
            if resource in ("topic", "group", "cluster") and b.host == "*":
                found.add(
                    Grant(b.principal, cast(Resource, resource), b.name, cast(Operation, operation))
                )
    return found
