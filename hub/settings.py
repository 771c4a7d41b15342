"""The hub's configuration: one frozen, typed object, read once at the edge (CLI, worker start)
and passed explicitly. Environment variables use the ``HUB_`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.bounds import AvroLimits, InputLimits
from hub.domain.values import DeliveryPolicy
from hub.errors import ConfigError
from hub.standard import Standard, ValidationPolicy, load_standard

__all__ = ["HubSettings"]


class HubSettings(BaseSettings):
    """Settings of one hub deployment.

    - ``data_dir`` (``HUB_DATA_DIR``): the embedded runtime's data directory.
    - ``database_url`` (``HUB_DATABASE_URL``, ``postgresql://...``): keep the event log and the
      authoritative state in PostgreSQL instead of ``<data_dir>/log.db`` (a secret: never shown).
    - ``standard_dir`` (``HUB_STANDARD_DIR``): a replacement standard pack (a ``schemas/`` folder).
    - ``national_url`` (``HUB_NATIONAL_URL``): where the national platform (or ``hub
      national-sim``) takes pushes; unset, versions wait in the delivery ledger.
    - ``national_tasks_interval_s``: how often tasks and risk clues are pulled from the national
      platform (they reach the sources as feedback).
    - ``national_timeout_s``, ``delivery_*``: the push's reply timeout, batch size, attempts and
      backoff (``HUB_DELIVERY_MAX_ATTEMPTS`` ...).
    - ``batch_size``: submissions per step of the engine (and events per projection or relay
      batch); 2000 measured about 10% less CPU per submission than 500 (bench/pipeline.py).
    - ``kafka_bootstrap`` (``HUB_KAFKA_BOOTSTRAP``, ``host:port[,host:port]``): run distributed:
      submissions go to Kafka, ``hub worker`` processes them (needs ``database_url``).
      ``kafka_topic_prefix`` names the hub's topics (``hub.submissions`` ...),
      ``kafka_partitions`` / ``kafka_replication`` are what ``hub topics create`` makes,
      ``kafka_outbound_retention_ms`` the retention of the ``out.*`` feeds (-1: forever; the
      history topics are always kept forever), ``kafka_group`` the workers' consumer group,
      ``kafka_session_timeout_s`` how long a silent (killed) worker keeps its partitions before
      the others take them over.
    - ``schema_registry_url`` (``HUB_SCHEMA_REGISTRY_URL``, ``http(s)://[user:password@]host``):
      write the Confluent wire format (magic byte 0, 4-byte schema id) on every topic, the
      schemas registered under ``<topic>-value``; unset, values are Avro single-object encoded
      (a secret: it may carry credentials). Consumers read both formats either way.
    - ``kafka_security_protocol`` (``HUB_KAFKA_SECURITY_PROTOCOL``: ``PLAINTEXT``, ``SSL``,
      ``SASL_PLAINTEXT``, ``SASL_SSL``), ``kafka_sasl_mechanism`` (``SCRAM-SHA-512``,
      ``SCRAM-SHA-256``, ``PLAIN``), ``kafka_sasl_username`` / ``kafka_sasl_password`` (a secret),
      ``kafka_ssl_cafile`` (PEM; unset: the system's CAs), ``kafka_ssl_certfile`` /
      ``kafka_ssl_keyfile`` / ``kafka_ssl_key_password`` (a client certificate, for brokers that
      ask for one), ``kafka_ssl_check_hostname``: how every Kafka client of the hub connects (see
      :mod:`hub.kafka.security`, the one place that turns them into client options).
    - ``api_host`` / ``api_port`` (``HUB_API_PORT``; 0: any free port, written to
      ``<data_dir>/api.address``; ``HUB_API_ENABLED=false``: no API): the ingest API that ``hub
      up`` and ``hub worker`` serve; ``api_max_body_bytes`` (413 above it), ``api_max_records``
      and ``api_max_field_chars`` (422 above them) are its limits per request.
    - ``uscc_pilot_prefixes`` (``HUB_USCC_PILOT_PREFIXES='["9135"]'``), ``uscc_region_since``,
      ``severity_overrides`` (``HUB_SEVERITY_OVERRIDES='{"DOCNO.FORMAT": "off"}'``),
      ``utc_offset_hours``: see :class:`hub.standard.ValidationPolicy`.
    - hostile input (issue 12): ``max_file_records`` records per file (checked while reading;
      an Avro file over it is refused before any record is stored), ``max_input_bytes`` read
      from a stream that is not a regular file (stdin), ``max_record_fields`` keys per record
      and ``max_record_depth`` nesting (a record over either is rejected with one violation),
      ``max_verdict_violations`` violations listed per rule in a verdict (the rest summarised),
      ``avro_max_schema_bytes`` / ``avro_max_schema_depth`` / ``avro_max_block_bytes`` bound an
      Avro writer schema and its blocks (recursive schemas are always refused),
      ``api_body_timeout_s`` how long a request body may take to arrive (408 after it),
      ``api_keep_alive_timeout_s`` how long an idle connection is kept.
    - ``audit_key_file`` (``HUB_AUDIT_KEY_FILE``): the Ed25519 key ``hub audit checkpoint``
      signs with (0600, outside the data directory); ``audit_public_key_file``
      (``HUB_AUDIT_PUBLIC_KEY_FILE``): the public key ``hub audit verify --checkpoint`` uses.
    - ``profiles_dir`` (``HUB_PROFILES_DIR``): mapping profiles per source, ``<source_id>.toml``:
      ``hub ingest`` and ``hub validate --source`` read a source's files with its profile
      (``--profile FILE`` overrides).
    """

    model_config = SettingsConfigDict(env_prefix="HUB_", frozen=True, extra="ignore")

    data_dir: Path = Path("hub-data")
    database_url: SecretStr | None = None
    standard_dir: Path | None = None
    uscc_pilot_prefixes: tuple[str, ...] = ()
    uscc_region_since: int = Field(default=2014, ge=1980, le=2100)
    severity_overrides: dict[str, Literal["error", "warning", "off"]] = Field(default_factory=dict)
    utc_offset_hours: int = Field(default=8, ge=-12, le=14)
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    national_url: str | None = None
    national_timeout_s: float = Field(default=10.0, gt=0)
    national_tasks_interval_s: float = Field(default=5.0, gt=0)
    delivery_push_batch: int = Field(default=100, ge=1, le=10_000)
    delivery_reply_timeout_s: float = Field(default=30.0, gt=0)
    delivery_max_attempts: int = Field(default=12, ge=1)
    delivery_backoff_base_s: float = Field(default=0.5, gt=0)
    delivery_backoff_cap_s: float = Field(default=300.0, gt=0)
    kafka_bootstrap: str | None = None
    kafka_topic_prefix: str = Field(default="hub.", pattern=r"^[A-Za-z0-9._-]*$")
    kafka_partitions: int = Field(default=6, ge=1, le=1000)
    kafka_replication: int = Field(default=1, ge=1, le=10)
    kafka_outbound_retention_ms: int = Field(default=-1, ge=-1)
    kafka_group: str = Field(default="supervision-hub", pattern=r"^[A-Za-z0-9._-]+$")
    kafka_session_timeout_s: float = Field(default=10.0, ge=1, le=300)
    schema_registry_url: SecretStr | None = None
    api_enabled: bool = True
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    api_max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    api_max_records: int = Field(default=5000, ge=1)
    api_max_field_chars: int = Field(default=20_000, ge=16)
    schema_registry_timeout_s: float = Field(default=10.0, gt=0)
    # limits on hostile input
    max_file_records: int = Field(default=10_000_000, ge=1)
    max_input_bytes: int = Field(default=64 << 30, ge=1024)
    max_record_fields: int = Field(default=2_000, ge=10)
    max_record_depth: int = Field(default=64, ge=4, le=200)
    max_verdict_violations: int = Field(default=100, ge=1, le=10_000)
    avro_max_schema_bytes: int = Field(default=256 * 1024, ge=256)
    avro_max_schema_depth: int = Field(default=32, ge=2, le=200)
    avro_max_block_bytes: int = Field(default=64 << 20, ge=1024)
    api_body_timeout_s: float = Field(default=60.0, gt=0)
    api_keep_alive_timeout_s: float = Field(default=5.0, gt=0)
    # the checkpoint signing key (``hub audit keygen``), kept apart from the data: never inside
    # data_dir; and the public key ``hub audit verify --checkpoint`` checks signatures with
    audit_key_file: Path | None = None
    audit_public_key_file: Path | None = None
    # -- Kafka security (issue 16): add settings below this line
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_ssl_check_hostname: bool = True

    @field_validator(
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_cafile",
        "kafka_ssl_certfile",
        "kafka_ssl_keyfile",
        "kafka_ssl_key_password",
        mode="before",
    )
    @classmethod
    def _empty_kafka_security_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    #
    # bureau files and language
    #: language of human output (``--lang``); unset: from the locale, Chinese unless it is en_*
    lang: Literal["zh", "en"] | None = None
    #: rows a report file lists one by one (the summary and the counts always cover every row)
    report_max_rows: int = Field(default=200_000, ge=0)

    @field_validator("lang", mode="before")
    @classmethod
    def _lang_empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    profiles_dir: Path | None = None
    # -- console and accounts (issue 15): add settings below this line
    #
    # -- queryapi --
    #: the hub's own area on the map (GB/T 2260, ``HUB_REGION_CODE=330000``); unset: the province
    #: every registered source is in, or the whole country when they span several
    region_code: str | None = Field(default=None, pattern=r"^[1-9][0-9]{5}$")
    # -- the engine (issue 17): add settings below this line
    #
    #: seconds a ``hub worker`` may take to stop after SIGTERM/SIGINT before it exits anyway
    #: (exit code 75; see :mod:`hub.kafka.lifecycle`)
    worker_stop_grace_s: float = Field(default=8.0, gt=0, le=300)
    # -- console --
    #: the console and the query API only, without ingest routes or actions (``hub console``)
    console_read_only: bool = False
    # -- accounts --
    #: seconds a console session lasts after signing in (then the person signs in again)
    console_session_ttl_s: float = Field(default=8 * 3600.0, gt=0, le=7 * 24 * 3600)
    #: failed sign-ins allowed per account and per client address in a minute; then 429
    console_login_failures_per_minute: int = Field(default=5, ge=1, le=1000)
    # -- metrics --
    #: seconds a ``/metrics`` scrape reuses the hub's last reading of the store and read models
    #: (at least: a reading that took t seconds is reused for 10·t, so scrapes of a large hub
    #: cost it at most a tenth of its time)
    metrics_cache_s: float = Field(default=2.0, ge=0, le=300)
    #: seconds ``/metrics`` waits for Kafka's group offsets (``hub_kafka_consumer_lag``)
    metrics_kafka_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # -- fixweb --
    #: addresses of reverse proxies whose ``X-Forwarded-For`` names the client (comma-separated
    #: IPs or networks, uvicorn's ``forwarded_allow_ips``); empty: none, the peer address is the
    #: client (for the sign-in limit and the audit journal)
    api_trusted_proxies: str = Field(default="", max_length=2000)
    # -- fixconsole --
    #: ``/metrics`` without signing in (``HUB_METRICS_PUBLIC=true``): only where the API's port
    #: is on a private monitoring network; otherwise a scrape needs an operator's or an
    #: auditor's account token (or session), as the hub-wide numbers of ``/v1/status`` do
    metrics_public: bool = False

    @field_validator(
        "database_url", "national_url", "kafka_bootstrap", "schema_registry_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    def input_limits(self, *, max_records: int | None = None) -> InputLimits:
        """The bounds on hostile input; ``max_records`` narrows the record bound (the API's per
        request). Here, not in :mod:`hub.bounds`, so the bounds need not know the settings."""
        records = self.max_file_records if max_records is None else max_records
        return InputLimits(
            max_records=records,
            max_input_bytes=self.max_input_bytes,
            max_record_fields=self.max_record_fields,
            max_record_depth=self.max_record_depth,
            avro=AvroLimits(
                max_records=records,
                max_schema_bytes=self.avro_max_schema_bytes,
                max_schema_depth=self.avro_max_schema_depth,
                max_block_bytes=self.avro_max_block_bytes,
            ),
        )

    def policy(self) -> ValidationPolicy:
        try:
            return ValidationPolicy(
                uscc_pilot_prefixes=self.uscc_pilot_prefixes,
                uscc_region_since=self.uscc_region_since,
                severity_overrides=dict(self.severity_overrides),
                utc_offset_hours=self.utc_offset_hours,
                max_record_fields=self.max_record_fields,
                max_record_depth=self.max_record_depth,
                max_verdict_violations=self.max_verdict_violations,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            push_batch=self.delivery_push_batch,
            reply_timeout_s=self.delivery_reply_timeout_s,
            max_attempts=self.delivery_max_attempts,
            backoff_base_s=self.delivery_backoff_base_s,
            backoff_cap_s=self.delivery_backoff_cap_s,
        )

    def standard(self) -> Standard:
        return load_standard(self.standard_dir)
