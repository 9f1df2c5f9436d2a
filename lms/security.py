"""Factory step for HTTP hardening: CSRF on every form, proxy awareness, security headers."""

from __future__ import annotations

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.extensions import csrf

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        # Pages can hold personal data: never keep them in shared caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def configure_security(app: Flask) -> None:
    csrf.init_app(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config.setdefault("PREFERRED_URL_SCHEME", "https")
    app.after_request(_security_headers)
