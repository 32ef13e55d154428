"""Security headers on every response.

The Content Security Policy allows scripts only from this site and from Stripe (Stripe.js and
its 3-D Secure frames): no inline script anywhere, so the pages keep theirs in ``static/``.
Inline ``style`` attributes stay allowed; they cannot run code. HSTS is sent only over HTTPS,
where it means something (a browser ignores it over plain HTTP).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

STRIPE_ORIGINS = ("https://js.stripe.com", "https://hooks.stripe.com", "https://api.stripe.com")
HSTS = "max-age=31536000; includeSubDomains"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(stripe_api_base: str | None, files_origin: str | None = None) -> str:
    """The policy, with Stripe's origins (or localstripe's, when it stands in for Stripe), and
    the object store's, where the upload page sends parts to presigned URLs."""
    stripe = " ".join((_origin(stripe_api_base),) if stripe_api_base else STRIPE_ORIGINS)
    files = f" {files_origin}" if files_origin else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {stripe}",
            f"frame-src {stripe}",
            f"connect-src 'self' {stripe}{files}",
            "img-src 'self' data:",
            "style-src 'self' 'unsafe-inline'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    policy = content_security_policy(
        app.config.get("STRIPE_API_BASE"), app.extensions["files"].browser_origin
    )

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
