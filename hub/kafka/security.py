"""How every Kafka client of the hub connects to a secured cluster: the one place where the
settings (``HUB_KAFKA_SECURITY_PROTOCOL``, ``HUB_KAFKA_SASL_*``, ``HUB_KAFKA_SSL_*``) become
client options, so TLS and SASL are configured once and no client (producer, relay, worker,
admin, lag reader, a test's Confluent client) can be left on plaintext by a forgotten copy.

- :func:`aiokafka_options`: keyword arguments for ``AIOKafkaProducer``/``Consumer``/``AdminClient``;
- :func:`faust_credentials`: the ``broker_credentials`` of the faust worker (None: plaintext);
- :func:`confluent_options`: a librdkafka configuration (Confluent's client; the ACL admin).

Settings that cannot work together raise :class:`~hub.errors.ConfigError` naming the setting,
before any connection: SASL without a user or password, TLS files or a password with a protocol
that would ignore them (a silent no-op), an unreadable CA or certificate. Why the checks: a
password set with ``PLAINTEXT`` would otherwise be dropped and the hub would talk to the broker
unauthenticated. Secrets leave their ``SecretStr`` only inside the option dicts handed to the
client, and no message here ever carries one.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.settings import HubSettings

__all__ = [
    "SECURITY_FIELDS",
    "aiokafka_options",
    "confluent_options",
    "faust_credentials",
    "from_env_text",
    "principal",
    "ssl_context",
]

#: The settings that say how a client connects (and nothing else).
SECURITY_FIELDS = (
    "kafka_security_protocol",
    "kafka_sasl_mechanism",
    "kafka_sasl_username",
    "kafka_sasl_password",
    "kafka_ssl_cafile",
    "kafka_ssl_certfile",
    "kafka_ssl_keyfile",
    "kafka_ssl_key_password",
    "kafka_ssl_check_hostname",
)

_SASL = ("SASL_PLAINTEXT", "SASL_SSL")
_TLS = ("SSL", "SASL_SSL")


def _check(settings: HubSettings) -> None:
    protocol = settings.kafka_security_protocol
    if protocol in _SASL:
        if not settings.kafka_sasl_username:
            raise ConfigError(
                f"HUB_KAFKA_SECURITY_PROTOCOL={protocol} needs HUB_KAFKA_SASL_USERNAME "
                "(SASL 需要用户名)"
            )
        if settings.kafka_sasl_password is None:
            raise ConfigError(
                f"HUB_KAFKA_SECURITY_PROTOCOL={protocol} needs HUB_KAFKA_SASL_PASSWORD "
                "(SASL 需要密码)"
            )
    elif settings.kafka_sasl_username or settings.kafka_sasl_password is not None:
        raise ConfigError(
            f"HUB_KAFKA_SASL_USERNAME/PASSWORD are set but HUB_KAFKA_SECURITY_PROTOCOL={protocol} "
            "does not use SASL: set SASL_SSL or SASL_PLAINTEXT (设置了 SASL 凭据但协议不使用 SASL)"
        )
    if protocol not in _TLS:
        given = [
            name
            for name, value in (
                ("HUB_KAFKA_SSL_CAFILE", settings.kafka_ssl_cafile),
                ("HUB_KAFKA_SSL_CERTFILE", settings.kafka_ssl_certfile),
                ("HUB_KAFKA_SSL_KEYFILE", settings.kafka_ssl_keyfile),
                ("HUB_KAFKA_SSL_KEY_PASSWORD", settings.kafka_ssl_key_password),
            )
            if value is not None
        ]
        if given:
            raise ConfigError(
                f"{', '.join(given)} set but HUB_KAFKA_SECURITY_PROTOCOL={protocol} does not use "
                "TLS: set SSL or SASL_SSL (设置了 TLS 文件但协议不使用 TLS)"
            )
    if settings.kafka_ssl_keyfile is not None and settings.kafka_ssl_certfile is None:
        raise ConfigError("HUB_KAFKA_SSL_KEYFILE needs HUB_KAFKA_SSL_CERTFILE (私钥需要证书)")


def ssl_context(settings: HubSettings) -> ssl.SSLContext | None:
    """The TLS context of the settings (None without TLS): the CA file, or the system's CAs;
    the client certificate when one is set; hostnames checked unless turned off."""
    _check(settings)
    if settings.kafka_security_protocol not in _TLS:
        return None
    cafile = settings.kafka_ssl_cafile
    try:
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH, cafile=str(cafile) if cafile else None
        )
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"HUB_KAFKA_SSL_CAFILE {cafile}: cannot read a PEM CA from it "
            f"(无法读取 CA 文件): {type(exc).__name__}"
        ) from None
    context.check_hostname = settings.kafka_ssl_check_hostname
    if settings.kafka_ssl_certfile is not None:
        key_password = settings.kafka_ssl_key_password
        try:
            context.load_cert_chain(
                str(settings.kafka_ssl_certfile),
                str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
                key_password.get_secret_value() if key_password is not None else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"HUB_KAFKA_SSL_CERTFILE {settings.kafka_ssl_certfile} / HUB_KAFKA_SSL_KEYFILE: "
                f"cannot load the client certificate (无法加载客户端证书): {type(exc).__name__}"
            ) from None
    return context


def aiokafka_options(settings: HubSettings) -> dict[str, Any]:
    """Security keyword arguments for aiokafka's producer, consumer and admin client."""
    context = ssl_context(settings)
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol in _SASL:
        password = settings.kafka_sasl_password
        assert password is not None  # _check
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password.get_secret_value(),
        }
    return options


def faust_credentials(settings: HubSettings) -> Any:
    """The faust worker's ``broker_credentials``: None on plaintext, else faust's SASL or SSL
    credentials carrying the same context and user as :func:`aiokafka_options` (faust hands
    them to aiokafka; its ``repr`` shows the user name only)."""
    import faust  # only workers pay for it

    context = ssl_context(settings)
    if settings.kafka_security_protocol in _SASL:
        password = settings.kafka_sasl_password
        assert password is not None  # _check
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def confluent_options(settings: HubSettings) -> dict[str, str | int | float | bool]:
    """A librdkafka configuration (Confluent's client) for the same cluster and identity."""
    _check(settings)
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set")
    protocol = settings.kafka_security_protocol
    options: dict[str, str | int | float | bool] = {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": protocol,
    }
    if protocol in _TLS:
        ssl_context(settings)  # the same checks of the files, with the same errors
        files: tuple[tuple[str, Path | None], ...] = (
            ("ssl.ca.location", settings.kafka_ssl_cafile),
            ("ssl.certificate.location", settings.kafka_ssl_certfile),
            ("ssl.key.location", settings.kafka_ssl_keyfile),
        )
        options |= {key: str(path) for key, path in files if path is not None}
        if settings.kafka_ssl_key_password is not None:
            options["ssl.key.password"] = settings.kafka_ssl_key_password.get_secret_value()
        options["ssl.endpoint.identification.algorithm"] = (
            "https" if settings.kafka_ssl_check_hostname else "none"
        )
    if protocol in _SASL:
        password = settings.kafka_sasl_password
        assert password is not None  # _check
        options |= {
            "sasl.mechanism": settings.kafka_sasl_mechanism,
            "sasl.username": settings.kafka_sasl_username or "",
            "sasl.password": password.get_secret_value(),
        }
    return options


def principal(settings: HubSettings) -> str | None:
    """The Kafka principal the settings authenticate as (``User:NAME``), None when anonymous
    (a TLS client certificate's principal is its distinguished name, decided by the broker)."""
    if settings.kafka_security_protocol in _SASL and settings.kafka_sasl_username:
        return f"User:{settings.kafka_sasl_username}"
    return None


def from_env_text(settings: HubSettings, text: str, bootstrap: str) -> HubSettings:
    """The settings for another cluster (a lower hub's Kafka): ``settings`` with the security
    settings of ``text`` (``HUB_KAFKA_*=value`` lines, as ``ops/kafka/start --secure`` writes
    them) and ``bootstrap``. Every security setting the text leaves out is at its default,
    never the hub's own: the hub's password is not sent to another cluster."""
    given: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        field = key.strip().removeprefix("export ").strip().removeprefix("HUB_").lower()
        if not sep or field not in (*SECURITY_FIELDS, "kafka_bootstrap"):
            raise ConfigError(
                f"line {number}: not a HUB_KAFKA_* security setting: {key.strip()[:60]!r} "
                f"(第 {number} 行不是 Kafka 安全设置)"
            )
        if field != "kafka_bootstrap":
            given[field] = value.strip()
    values: dict[str, Any] = {
        name: HubSettings.model_fields[name].default for name in SECURITY_FIELDS
    }
    values |= {"kafka_bootstrap": bootstrap}
    try:
        parsed = HubSettings.model_validate({**settings.model_dump(), **values, **given})
    except ValueError as exc:  # pydantic's error: names the field; SecretStr inputs are masked
        fields = sorted({str(e["loc"][0]) for e in getattr(exc, "errors", list)()})
        raise ConfigError(f"invalid Kafka security settings: {', '.join(fields)}") from None
    return parsed
