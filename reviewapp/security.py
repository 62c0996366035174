"""Response headers every page gets: no sniffing, no referrer leaks, no caching of evidence,
and a Content-Security-Policy that allows only the app's own scripts and styles."""

from __future__ import annotations

from flask import Flask, Response, request

# 'self' only: no inline script or style anywhere in the templates (htmx's own indicator
# style is switched off by the htmx-config meta tag; app.css carries it). The preview pane's
# PDF viewer (static/viewer.js) imports the vendored PDF.js module and starts its worker
# (static/vendor/pdfjs-*/pdf.worker.min.mjs) from 'self'; blob:/data: images and blob: workers
# are what PDF.js falls back to for some pages.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "frame-ancestors 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def add_security_headers(response: Response) -> Response:
    """Set the headers above; everything but the static assets is ``Cache-Control: no-store``
    (pages, htmx fragments and downloads carry evidence, which must not stay in caches)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app``, error pages included."""
    app.after_request(add_security_headers)
