"""The streams of the design: Kafka topics in the distributed runtime, tables in the embedded one,
with the same names. The comment gives each stream's key (what keeps related events ordered)."""

from __future__ import annotations

__all__ = [
    "DELIVERIES",
    "FEEDBACK",
    "RECORDS",
    "SCHEMA_OF",
    "STREAMS",
    "SUBMISSIONS",
    "VALIDATED",
    "VERDICTS",
]

NAMESPACE = "cn.gov.supervision.hub.events.v1"

SUBMISSIONS = "submissions"  # key source_id: everything received, as received
VALIDATED = "validated"  # key identity_hash: valid submissions on their way to resolution
VERDICTS = "verdicts"  # key source_id: exactly one per submission
RECORDS = "records"  # key record_id: canonical record versions, hash-chained
DELIVERIES = "deliveries"  # key record_id: delivery state changes per version and destination
FEEDBACK = "feedback"  # key source_id: what goes back to the sources

STREAMS = (SUBMISSIONS, VALIDATED, VERDICTS, RECORDS, DELIVERIES, FEEDBACK)

SCHEMA_OF = {
    SUBMISSIONS: f"{NAMESPACE}.SubmissionReceived",
    VALIDATED: f"{NAMESPACE}.SubmissionValidated",
    VERDICTS: f"{NAMESPACE}.VerdictIssued",
    RECORDS: f"{NAMESPACE}.RecordVersioned",
    DELIVERIES: f"{NAMESPACE}.DeliveryUpdated",
    FEEDBACK: f"{NAMESPACE}.FeedbackIssued",
}
