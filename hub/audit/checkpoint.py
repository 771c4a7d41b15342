"""Signed checkpoints: the chain anchored outside the database (issue 12).

Whoever can write the database can rewrite an event and recompute every hash after it; a
checkpoint signed with a key the operator keeps elsewhere cannot be recomputed. ``hub audit
checkpoint`` signs the head of every chained stream (position, chain value, count) and the time;
``hub audit verify --checkpoint FILE --public-key KEY`` checks the signature and that the history
still reaches each signed head with the signed chain value and count: any rewrite before a
signed head, and any deletion, is found.

Ed25519 (RFC 8032) through ``cryptography``. The national algorithms (SM2 signatures with SM3)
are not offered yet: no maintained Python library implements them over a vetted C core
(``gmssl`` on PyPI is pure Python without constant-time arithmetic, its last release 2023); a
bureau whose 密评 requires them can countersign the checkpoint file with its own certified
SM2 device, since the file's ``checkpoint`` member is canonical JSON.

The file (JSON)::

    {"checkpoint": {"format": ..., "made_at": ..., "heads": {stream: {position, chain, count}}},
     "signature": {"algorithm": "Ed25519", "key_id": ..., "value": base64}}
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.errors import ConfigError, HubError, InputError
from hub.storage.ports import ChainHead
from hub.storage.private import FILE_MODE

__all__ = [
    "FORMAT",
    "CheckpointError",
    "Signed",
    "keygen",
    "load_private_key",
    "load_public_key",
    "make",
    "read",
    "write",
]

FORMAT = "supervision-hub-checkpoint/1"
MAX_BYTES = 1 << 20  # a checkpoint is a few kilobytes: read no more than this


class CheckpointError(HubError):
    """A checkpoint that does not verify: forged, altered, or signed with another key (a failed
    check: exit 1)."""

    code = "AUDIT.CHECKPOINT"
    exit_code = 1


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def keygen(private_path: Path, public_path: Path) -> str:
    """A new Ed25519 key pair: the private key (PKCS#8 PEM) created 0600 and never overwritten,
    the public key beside it; the key id."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError as exc:
        raise InputError(f"{private_path} exists: a key is never overwritten") from exc
    except OSError as exc:
        raise InputError(f"cannot create {private_path}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = key.public_key()
    public_path.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_id(public)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key; refused when others may read it (as ssh refuses such a key)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the key {path}: {exc.strerror}") from exc
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise InputError(f"{path} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read the public key {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise InputError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path} is not an Ed25519 public key")
    return key


def make(heads: dict[str, ChainHead], made_at: dt.datetime, key: Ed25519PrivateKey) -> bytes:
    """The signed checkpoint file's bytes."""
    body = {
        "format": FORMAT,
        "made_at": made_at.astimezone(dt.UTC).isoformat(),
        "heads": {
            h.name: {"position": h.position, "chain": h.chain, "count": h.count}
            for h in heads.values()
        },
    }
    signature = {
        "algorithm": "Ed25519",
        "key_id": key_id(key.public_key()),
        "value": base64.b64encode(key.sign(_canonical(body))).decode(),
    }
    return json.dumps({"checkpoint": body, "signature": signature}, indent=2).encode() + b"\n"


def write(path: Path, data: bytes) -> None:
    """Write a checkpoint file 0600 (it names no personal data, but stays the hub user's)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(path, FILE_MODE)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


class Signed:
    """A checkpoint whose signature verified: its time and heads."""

    def __init__(self, made_at: str, heads: dict[str, ChainHead]) -> None:
        self.made_at = made_at
        self.heads = heads


def read(path: Path, public: Ed25519PublicKey) -> Signed:
    """The checkpoint in ``path`` if its signature verifies under ``public``."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CheckpointError(f"{path} is larger than a checkpoint ({MAX_BYTES} bytes)")
        document = json.loads(path.read_bytes())
        body, signature = document["checkpoint"], document["signature"]
        value = base64.b64decode(signature["value"], validate=True)
    except OSError as exc:
        raise InputError(f"cannot read the checkpoint {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CheckpointError(f"{path} is not a checkpoint file ({type(exc).__name__})") from exc
    if signature.get("algorithm") != "Ed25519":
        raise CheckpointError(f"{path}: unsupported algorithm {signature.get('algorithm')!r}")
    try:
        public.verify(value, _canonical(body))
    except InvalidSignature as exc:
        raise CheckpointError(
            f"检查点 {path} 的签名无效（被改动，或不是用此公钥签名）/ the signature of {path}"
            " does not verify (altered, or signed with another key)"
        ) from exc
    if body.get("format") != FORMAT:
        raise CheckpointError(f"{path}: unknown checkpoint format {body.get('format')!r}")
    heads = {
        name: ChainHead(name, int(h["position"]), str(h["chain"]), int(h["count"]))
        for name, h in body["heads"].items()
    }
    return Signed(str(body["made_at"]), heads)
