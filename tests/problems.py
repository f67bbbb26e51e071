"""The one assertion of an `application/problem+json` answer (RFC 9457), shared by every test."""

from __future__ import annotations

from collections.abc import Iterable

PROBLEM = "application/problem+json"


def assert_problem(response, status: int | Iterable[int], code: str | Iterable[str] | None = None) -> dict:
    """`response` is a problem: one of the `status` codes, `application/problem+json`, a body whose
    `status` repeats the response's, a title and a detail saying what went wrong, and (when given)
    one of the stable `code`s. Returns the body for further checks."""
    statuses = {status} if isinstance(status, int) else set(status)
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media == PROBLEM, response.headers.get("content-type")
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body.get("title"), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    if code is not None:
        codes = {code} if isinstance(code, str) else set(code)
        assert body["code"] in codes, body
    return body
