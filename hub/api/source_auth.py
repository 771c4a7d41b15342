"""Which source is asking: the bearer token a county, city or provincial system sends with its
batches and feedback reads. A person's sign-in is another thing (:mod:`hub.api.roles`): a source's
token is looked up among the sources only, an account's among the accounts only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.api.tokens import token_hash
from hub.connectors.http_refusals import ForbiddenError, UnauthenticatedError
from hub.domain.values import Source
from hub.storage.pool import StorePool

__all__ = ["Caller", "authenticated"]

_bearer = HTTPBearer(auto_error=False, description="the source's token (hub sources add)")


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Source:
    """The source the bearer token belongs to; 401 without one or for an unknown one, 403 for
    a disabled source. The token is looked up by its hash and never kept or logged."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthenticatedError("a bearer token is required (Authorization: Bearer ...)")
    stores: StorePool = request.app.state.stores
    found = stores.get().credential(token_hash(credentials.credentials))
    if found is None:
        raise UnauthenticatedError("the token belongs to no source")
    source, credential = found
    if credential.disabled:
        raise ForbiddenError(f"source {source.source_id} is disabled")
    return source


#: a route's parameter: the authenticated source
Caller = Annotated[Source, Depends(authenticated)]
