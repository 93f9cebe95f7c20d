"""Errors the HTTP API answers with, and how they are rendered.

Every error body is ``{"code": "SCREAMING_SNAKE", "message": "..."}`` plus the extra
fields a code names (DESIGN.md §3). Handlers raise ``ApiError``; request validation
failures become 422 ``INVALID_REQUEST``; a write Kafka did not take in time
(``KafkaUnavailable``) becomes 503 ``KAFKA_UNAVAILABLE`` with ``Retry-After``; nothing
a client sends is answered with 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.kafkawait import KafkaUnavailable


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def documented(**codes_by_status: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's error answers: ``documented(_404="A or B")``."""
    return {int(status.lstrip("_")): {"description": codes} for status, codes in codes_by_status.items()}


INVALID = "INVALID_REQUEST: the body or a parameter is not valid"
TOO_LARGE = "BODY_TOO_LARGE: the body is over MOLT_EDGE_MAX_BODY_BYTES (refused before it is read)"
KAFKA_UNAVAILABLE = "KAFKA_UNAVAILABLE: Kafka did not take the write in time (with Retry-After)"


def unavailable(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a writing route's 503: ``codes`` of its own, and KAFKA_UNAVAILABLE."""
    retry_after = {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
    return {503: {"description": " or ".join((*codes, KAFKA_UNAVAILABLE)), "headers": {"Retry-After": retry_after}}}


def game_not_found(slug: str) -> ApiError:
    return ApiError(404, "GAME_NOT_FOUND", f"no game {slug!r}")


def session_not_found(session_id: str) -> ApiError:
    return ApiError(404, "SESSION_NOT_FOUND", f"no session {session_id!r}")


def run_not_ended(message: str) -> ApiError:
    return ApiError(409, "RUN_NOT_ENDED", message)


def too_many(code: str, message: str, retry_after_s: int) -> ApiError:
    """A 429: ``code`` says which bound, ``Retry-After`` when to try again."""
    return ApiError(429, code, message, headers={"Retry-After": str(retry_after_s)})


def unauthenticated(message: str = "a valid API key or access session is required") -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", message)


# Codes for statuses the framework itself produces (unknown route, wrong method).
_STATUS_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "BODY_TOO_LARGE"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(KafkaUnavailable)
    async def on_kafka_unavailable(_: Request, exc: KafkaUnavailable) -> JSONResponse:
        body = {"code": "KAFKA_UNAVAILABLE", "message": str(exc)}
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", "")} for err in exc.errors()
        ]
        body = {"code": "INVALID_REQUEST", "message": "the request is not valid", "errors": problems}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's for a body it cannot decode (not UTF-8): a validation error
            body = {"code": "INVALID_REQUEST", "message": "the body is not valid UTF-8 JSON", "errors": []}
            return JSONResponse(body, status_code=422)
        code = _STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
        # A 405 names the allowed methods (Allow): the framework's headers go through.
        return JSONResponse(
            {"code": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )
