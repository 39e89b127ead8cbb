"""Error pages in the site's design, and JSON error bodies under /api."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you entered.")),
        403: (_("Access denied"), _("Your account does not have permission to see this page.")),
        404: (_("Page not found"), _("The page you are looking for does not exist or has moved.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("File too large"), _("The data you sent is larger than we accept.")),
        429: (_("Too many attempts"), _("You have tried too often. Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred on our side. Nothing was changed.")),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, title: str, message: str, headers=None):
    if _wants_json():
        response = jsonify({"error": {"status": code, "title": title, "message": message}})
        response.status_code = code
    else:
        response = make_response(
            render_template("errors/error.html", code=code, title=title, message=message), code
        )
    for name, value in headers or []:
        if name.lower() in {"allow", "retry-after"}:
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            _("Form expired"),
            _("This form was not accepted because its security token is missing, expired or invalid. "
              "Nothing was changed. Go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 500:
            db.session.rollback()
        title, message = _messages().get(error.code, (error.name, error.description))
        if _wants_json() and error.description != type(error).description:
            message = error.description  # a specific reason given by the API view
        if error.code == 429:
            return _render(429, title, message, headers=error.get_headers())
        return _render(error.code or 500, title, message, headers=error.get_headers())

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        title, message = _messages()[500]
        return _render(InternalServerError.code, title, message)
