"""The console's security headers: nothing but the hub itself may serve a script, a style, an
image, a font or a fetch (proof that the console works on an isolated network, and a wall
against injected markup), and no page may be framed."""

from __future__ import annotations

from fastapi.responses import Response

__all__ = ["CSP", "READ_ONLY_ALLOWED", "security_headers"]

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: what a read-only console still takes besides GET: signing in and out
READ_ONLY_ALLOWED = frozenset({"/v1/session"})


def security_headers(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response
