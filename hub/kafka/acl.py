"""ACLs for the hub on a cluster whose authorizer denies what no ACL allows
(``allow.everyone.if.no.acl.found=false``): what the hub's own principal needs, and nothing for
anyone else, so the internal topics are writable by the hub alone and a forged submission or
tombstone is refused by the broker.

:func:`hub_grants` decides (pure: settings and record types in, grants out); :func:`sync_acls`
applies them with Confluent's admin client (aiokafka has no ACL API) as the identity of the
settings, which must be allowed to alter ACLs (a super user such as ``ops/kafka/start --secure``'s
``admin``). Syncing is idempotent: grants already there are reported, not created twice. It never
deletes an ACL it did not make (see *Removal* below): grants made by hand or by other tools stay.

The hub's principal gets, on each of its topics (literal names, so a topic of another
application that happens to share the prefix is not covered): read, write, describe, and create
(``hub topics create`` may run as the hub); on its consumer group (``HUB_KAFKA_GROUP``): read and
describe; on the cluster: idempotent write (brokers before 2.8 ask for it for the idempotent
producer); on the inbound topic of each source with a principal: read and describe (and create).

From the registry (:func:`hub_grants`' ``sources`` and ``subscribers``):
- a source with a principal (and not disabled): write and describe on its literal inbound topic
  ``<prefix>in.<source_id>``, nothing else: it cannot write the submissions topic or another
  source's inbound topic;
- an enabled subscriber with a principal: read and describe on its literal feed topics
  ``<prefix>out.<name>.<type>`` (the types it is entitled to), and read on the consumer groups
  whose id starts with ``<name>.`` (a prefixed ACL: **a subscriber's group ids start with its name
  and a dot**, ``dept-a.inspections``), nothing else.

Removal: a grant the hub made before for a source or subscriber no longer entitled (removed,
disabled, its principal changed) is deleted by :func:`sync_acls`. What it may delete is decided by
:func:`stale_grants` and limited to what only the hub makes: ALLOW ACLs from any host on topics
named ``<prefix>in.*`` or ``<prefix>out.*``, and prefixed ACLs on groups ``<name>.`` of a
principal holding such a topic ACL. Every other ACL (the hub's own history topics included) is
never deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from hub.domain.subscribers import NAME_PATTERN, Subscriber
from hub.domain.values import Source
from hub.errors import BrokerUnavailableError, ConfigError
from hub.kafka.login import check_login
from hub.kafka.security import confluent_options
from hub.kafka.topics import feed_topic_names, hub_topics, inbound_topic
from hub.settings import HubSettings

if TYPE_CHECKING:
    from confluent_kafka.admin import AclBinding, AclBindingFilter, AdminClient

__all__ = ["AclReport", "Grant", "hub_grants", "stale_grants", "sync_acls"]

Resource = Literal["topic", "group", "cluster"]
Operation = Literal["read", "write", "describe", "create", "idempotent_write"]
Pattern = Literal["literal", "prefixed"]

TOPIC_OPERATIONS: tuple[Operation, ...] = ("read", "write", "describe", "create")
GROUP_OPERATIONS: tuple[Operation, ...] = ("read", "describe")
INBOUND_HUB_OPERATIONS: tuple[Operation, ...] = ("read", "describe", "create")
SOURCE_OPERATIONS: tuple[Operation, ...] = ("write", "describe")
FEED_READER_OPERATIONS: tuple[Operation, ...] = ("read", "describe")
log = logging.getLogger("hub.kafka.acl")  # librdkafka's own log, through Python's logging

CLUSTER = "kafka-cluster"  # the one name Kafka gives the cluster resource


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """One ALLOW ACL from any host, on a literal resource name or on every name with a prefix."""

    principal: str
    resource: Resource
    name: str
    operation: Operation
    pattern: Pattern = "literal"

    def to_dict(self) -> dict[str, str]:
        return {
            "principal": self.principal,
            "resource": self.resource,
            "name": self.name,
            "operation": self.operation,
            "pattern": self.pattern,
        }


@dataclass(frozen=True, slots=True)
class AclReport:
    created: list[Grant]
    existing: list[Grant]
    #: grants the hub made before for principals no longer entitled, deleted by this sync
    removed: list[Grant] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "created": [g.to_dict() for g in self.created],
            "existing": [g.to_dict() for g in self.existing],
            "removed": [g.to_dict() for g in self.removed],
        }


def as_principal(name: str) -> str:
    """``hub`` → ``User:hub``; a name with a type (``User:CN=...``) is kept."""
    if not name or name.strip() != name:
        raise ConfigError(f"not a Kafka principal: {name!r} (不是有效的 Kafka 主体)")
    return name if ":" in name else f"User:{name}"


def hub_grants(
    settings: HubSettings,
    principal: str,
    record_types: Iterable[str],
    subscribers: Iterable[Subscriber] = (),
    sources: Iterable[Source] = (),
) -> list[Grant]:
    """What the hub's principal needs on the hub's topics, group and cluster, and what each
    registered source and subscriber with a principal may do (module docstring; sorted, no
    duplicates)."""
    who = as_principal(principal)
    types = sorted(set(record_types))
    grants = {
        Grant(who, "topic", spec.name, op)
        for spec in hub_topics(settings, types)
        for op in TOPIC_OPERATIONS
    }
    grants |= {Grant(who, "group", settings.kafka_group, op) for op in GROUP_OPERATIONS}
    grants.add(Grant(who, "cluster", CLUSTER, "idempotent_write"))
    for source in sources:
        if source.principal is None or source.disabled:
            continue
        topic = inbound_topic(settings, source.source_id)
        grants |= {Grant(who, "topic", topic, op) for op in INBOUND_HUB_OPERATIONS}
        writer = as_principal(source.principal)
        grants |= {Grant(writer, "topic", topic, op) for op in SOURCE_OPERATIONS}
    for subscriber in subscribers:
        if subscriber.disabled:
            continue
        feeds = feed_topic_names(settings, subscriber, types)
        # the relay writes every enabled subscriber's feeds, whether it reads over Kafka or not
        grants |= {Grant(who, "topic", t, op) for t in feeds for op in TOPIC_OPERATIONS}
        if subscriber.principal is None:
            continue
        reader = as_principal(subscriber.principal)
        grants |= {Grant(reader, "topic", t, op) for t in feeds for op in FEED_READER_OPERATIONS}
        grants.add(Grant(reader, "group", f"{subscriber.name}.", "read", "prefixed"))
    return sorted(grants)


def managed(settings: HubSettings, grant: Grant, topic_holders: set[str]) -> bool:
    """Whether ``grant`` is of a kind only the hub makes (so sync may delete it when no longer
    wanted): on a topic named ``<prefix>in.*`` or ``<prefix>out.*``, or a prefixed grant on a
    group ``<subscriber name>.`` of a principal in ``topic_holders`` (those holding such a
    topic grant)."""
    prefix = settings.kafka_topic_prefix
    if grant.resource == "topic":
        return grant.name.startswith((f"{prefix}in.", f"{prefix}out."))
    if grant.resource == "group" and grant.pattern == "prefixed" and grant.name.endswith("."):
        return grant.principal in topic_holders and bool(NAME_PATTERN.match(grant.name[:-1]))
    return False


def stale_grants(
    settings: HubSettings, wanted: Iterable[Grant], existing: Iterable[Grant]
) -> list[Grant]:
    """The grants on the broker that the hub made and no longer wants (sorted): a removed or
    disabled source or subscriber, a changed principal, a type no longer entitled. Pure."""
    want = set(wanted)
    have = set(existing)
    holders = {g.principal for g in have if g.resource == "topic" and managed(settings, g, set())}
    return sorted(g for g in have if g not in want and managed(settings, g, holders))


def sync_acls(settings: HubSettings, grants: Sequence[Grant], timeout_s: float = 30.0) -> AclReport:
    """Create the grants that are missing and delete the hub's own grants no longer wanted
    (:func:`stale_grants`); raise :class:`ConfigError` when the broker refuses the settings'
    identity (a refused login at once, by :func:`~hub.kafka.login.check_login`),
    :class:`BrokerUnavailableError` when it does not answer."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    check_login(settings, timeout_s)
    options: dict[str, Any] = {**confluent_options(settings), "logger": log}
    admin = AdminClient(options)
    try:
        have = _existing(admin, timeout_s)
        missing = [g for g in grants if g not in have]
        stale = stale_grants(settings, grants, have)
        if missing:
            futures = admin.create_acls([_binding(g) for g in missing], request_timeout=timeout_s)
            for future in futures.values():
                future.result(timeout_s)
        if stale:
            filters = [_binding_filter(g) for g in stale]
            for future in admin.delete_acls(filters, request_timeout=timeout_s).values():
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
    return AclReport(created=missing, existing=[g for g in grants if g in have], removed=stale)


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
        ResourcePatternType[grant.pattern.upper()],
        grant.principal,
        "*",
        AclOperation[grant.operation.upper()],
        AclPermissionType.ALLOW,
    )


def _binding_filter(grant: Grant) -> AclBindingFilter:
    """A filter matching exactly this one grant (for deleting it and nothing else)."""
    from confluent_kafka.admin import AclBindingFilter

    b = _binding(grant)
    return AclBindingFilter(
        b.restype,
        b.name,
        b.resource_pattern_type,
        b.principal,
        b.host,
        b.operation,
        b.permission_type,
    )


def _existing(admin: AdminClient, timeout_s: float) -> set[Grant]:
    """The literal and prefixed ALLOW grants from any host the broker holds, of any principal."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    # None is "any" in a filter (the name, principal and host); the stubs say str
    query = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]
        ResourcePatternType.ANY,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ALLOW,
    )
    found: set[Grant] = set()
    bindings = admin.describe_acls(query, request_timeout=timeout_s).result(timeout_s)
    for b in bindings:
        resource = "cluster" if b.restype == ResourceType.BROKER else b.restype.name.lower()
        operation = b.operation.name.lower()
        pattern = b.resource_pattern_type.name.lower()
        if (
            resource in ("topic", "group", "cluster")
            and pattern in ("literal", "prefixed")
            and operation in _OPERATIONS
            and b.host == "*"
        ):
            found.add(
                Grant(
                    b.principal,
                    cast(Resource, resource),
                    b.name,
                    cast(Operation, operation),
                    cast(Pattern, pattern),
                )
            )
    return found


_OPERATIONS = frozenset(get_args(Operation))
