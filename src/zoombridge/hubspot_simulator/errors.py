"""HubSpot's error answers: the `Error` body (`status`, `message`, `correlationId`, `category`,
`context`, `errors`), and the 429 body, which has `errorType` and `policyName` instead of a
category."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """Raised by handlers; turned into HubSpot's JSON error body by the dispatcher."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        kind: str | None = None,
        policy: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.errors = errors
        self.headers = headers or {}
        self.kind = kind  # for /_sim/stats: what refused it
        self.policy = policy  # 429s: TEN_SECONDLY_ROLLING, SECONDLY or DAILY

    def body(self) -> dict[str, Any]:
        if self.status == 429:
            return {
                "status": "error",
                "message": self.message,
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": self.policy or "TEN_SECONDLY_ROLLING",
            }
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def validation_error(message: str, *, field: str | None = None) -> ApiError:
    detail: dict[str, Any] = {"message": message, "code": "INVALID"}
    if field:
        detail["in"] = field
    return ApiError(400, "VALIDATION_ERROR", message, errors=[detail])


def not_found(message: str, **context: list[str]) -> ApiError:
    return ApiError(404, "OBJECT_NOT_FOUND", message, context=context or None)


def conflict(message: str, **context: list[str]) -> ApiError:
    return ApiError(409, "OBJECT_ALREADY_EXISTS", message, context=context or None)


def item_error(category: str, message: str, **context: list[str]) -> dict[str, Any]:
    """One entry of a batch answer's `errors[]` (HubSpot's StandardError)."""
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }
