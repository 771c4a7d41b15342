"""Contract suites, reusable by any backend (and by a province's own): one suite per port.

Subclass a suite together with a class giving its fixtures (:class:`StoreFixtures` for the
storage ports, :class:`ViewFixtures` for the read models; see :mod:`hub.testing.contracts.base`)
in a test module, and every test of the suite runs against that implementation. A backend passes
the storage contract when it passes every suite of :data:`STORE_CONTRACTS` (and the read models'
when it passes :data:`VIEW_CONTRACTS`); ``tests/storage`` runs them all on SQLite and on
PostgreSQL. :class:`SubmissionSinkContract` is what every submission sink promises (run on the
log and on Kafka in ``tests/connectors``). :class:`RuntimeContract` is what the hub guarantees
whatever runtime drives it.
"""

from hub.testing.contracts.accounts import (
    AccountBookContract,
    AccountReadsContract,
    SessionBookContract,
)
from hub.testing.contracts.audit import AuditReadsContract
from hub.testing.contracts.base import Contract, StoreFixtures, ViewFixtures
from hub.testing.contracts.intake import IntakeContract
from hub.testing.contracts.ledger import LedgerContract
from hub.testing.contracts.log import EventLogContract, LogReadsContract
from hub.testing.contracts.quarantine import QuarantineDeskContract
from hub.testing.contracts.reads import (
    CredentialReadsContract,
    QueueReadsContract,
    StatusReadsContract,
)
from hub.testing.contracts.registry import RegistryContract
from hub.testing.contracts.runtime import Harness, MakeHarness, RuntimeContract
from hub.testing.contracts.sink import SubmissionSinkContract
from hub.testing.contracts.sources import SourceBookContract
from hub.testing.contracts.store import StoreContract
from hub.testing.contracts.subscribers import SubscriberBookContract
from hub.testing.contracts.tracking import TrackingContract
from hub.testing.contracts.views import (
    ViewReadsContract,
    ViewSchemaContract,
    ViewStoreContract,
    ViewTransactionContract,
)

#: One suite per storage port (the transaction's, then the store's reads, then its own methods).
STORE_CONTRACTS: tuple[type[StoreFixtures], ...] = (
    EventLogContract,
    TrackingContract,
    RegistryContract,
    LedgerContract,
    SourceBookContract,
    IntakeContract,
    QuarantineDeskContract,
    SubscriberBookContract,
    AccountBookContract,
    SessionBookContract,
    LogReadsContract,
    StatusReadsContract,
    QueueReadsContract,
    CredentialReadsContract,
    AuditReadsContract,
    AccountReadsContract,
    StoreContract,
)
#: One suite per read-model port.
VIEW_CONTRACTS: tuple[type[ViewFixtures], ...] = (
    ViewTransactionContract,
    ViewSchemaContract,
    ViewReadsContract,
    ViewStoreContract,
)

__all__ = [
    "STORE_CONTRACTS",
    "VIEW_CONTRACTS",
    "AccountBookContract",
    "AccountReadsContract",
    "AuditReadsContract",
    "Contract",
    "CredentialReadsContract",
    "EventLogContract",
    "Harness",
    "IntakeContract",
    "LedgerContract",
    "LogReadsContract",
    "MakeHarness",
    "QuarantineDeskContract",
    "QueueReadsContract",
    "RegistryContract",
    "RuntimeContract",
    "SessionBookContract",
    "SourceBookContract",
    "StatusReadsContract",
    "StoreContract",
    "StoreFixtures",
    "SubmissionSinkContract",
    "SubscriberBookContract",
    "TrackingContract",
    "ViewFixtures",
    "ViewReadsContract",
    "ViewSchemaContract",
    "ViewStoreContract",
    "ViewTransactionContract",
]
