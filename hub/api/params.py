"""Which endpoints take any query parameter.

:data:`LENIENT_QUERY` marks an endpoint (a console page) whose unknown query parameters are not
refused: ``strict_query`` in :mod:`hub.api.app` refuses them on the API's routes only (a page's
address may carry ``?lang=en`` or ``?utm_source=``; the page reads what it knows, and the API
it calls checks that).
"""

from __future__ import annotations

__all__ = ["LENIENT_QUERY"]

#: an attribute set True on an endpoint function whose unknown query parameters are let through
LENIENT_QUERY = "hub_lenient_query"
