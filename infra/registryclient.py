"""A client of the schema registry's Confluent-compatible REST API, the part we use.

Any registry that speaks it will do (Confluent's, Apicurio's ``/apis/ccompat/v7``,
Karapace, Redpanda's). Requests are synchronous and short, made at a process's start
(registration) and on the first sight of an unknown schema id, never per record.

Failures are two kinds, each naming the registry's URL: ``RegistryUnavailable`` (no
answer, a timeout, a 5xx, a refused login: a ``ConnectionError``, so the codec sees an
``OSError``) and ``SchemaRefused`` (the registry answered no: an incompatible or invalid
schema). An id the registry does not know is a ``LookupError``.
"""

from __future__ import annotations

from typing import Any

import httpx

from infra.settings import SchemaRegistrySettings

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
SETTING = "MOLT_SCHEMA_REGISTRY_URL"


class SchemaRegistryError(Exception):
    """The schema registry failed a request; the message names it."""


class RegistryUnavailable(SchemaRegistryError, ConnectionError):
    """The registry could not be reached, or did not answer as a registry."""


class SchemaRefused(SchemaRegistryError):
    """The registry refused a schema or a setting (an incompatible change, say)."""


class RegistryClient:
    def __init__(self, settings: SchemaRegistrySettings) -> None:
        self.url = settings.base_url
        self._http = httpx.Client(
            base_url=self.url,
            auth=settings.login(),
            timeout=settings.timeout_s,
            headers={"Accept": CONTENT_TYPE, "Content-Type": CONTENT_TYPE},
        )

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def name(self) -> str:
        """How errors name the registry."""
        return f"the schema registry at {self.url}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(
                f"{self.name} cannot be reached ({SETTING}): {exc or type(exc).__name__}"
            ) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise RegistryUnavailable(
                f"{self.name} answered {method} {path} with {response.status_code}: {_message(response)}"
            )
        return response

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise RegistryUnavailable(f"{self.name} answered with something other than JSON") from exc

    def compatibility(self, subject: str) -> str | None:
        """The compatibility level set on ``subject`` itself; None when it has none."""
        response = self._call("GET", f"/config/{subject}")
        if response.status_code == 404:
            return None
        self._raise_refusal(response, f"reading the compatibility of {subject}")
        level = self._json(response).get("compatibilityLevel")
        return str(level) if level is not None else None

    def set_compatibility(self, subject: str, level: str) -> None:
        response = self._call("PUT", f"/config/{subject}", {"compatibility": level})
        self._raise_refusal(response, f"setting {subject} to {level}")

    def register(self, subject: str, document: str) -> int:
        """The id of ``document`` under ``subject``, registered as its next version unless
        it is one already; refused (``SchemaRefused``) when the subject's compatibility forbids it."""
        response = self._call("POST", f"/subjects/{subject}/versions", {"schema": document})
        self._raise_refusal(response, f"registering a schema under {subject}")
        return int(self._json(response)["id"])

    def schema(self, schema_id: int) -> str:
        """The schema document registered under ``schema_id``; LookupError when there is none."""
        response = self._call("GET", f"/schemas/ids/{schema_id}")
        if response.status_code == 404:
            raise LookupError(f"{self.name} has no schema with id {schema_id}")
        self._raise_refusal(response, f"reading schema {schema_id}")
        return str(self._json(response)["schema"])

    def versions(self, subject: str) -> list[dict[str, Any]]:
        """Every version under ``subject``, oldest first: its version, id and schema document."""
        response = self._call("GET", f"/subjects/{subject}/versions")
        if response.status_code == 404:
            return []
        self._raise_refusal(response, f"listing {subject}")
        found = []
        for version in self._json(response):
            one = self._call("GET", f"/subjects/{subject}/versions/{version}")
            self._raise_refusal(one, f"reading {subject} version {version}")
            found.append(self._json(one))
        return found

    def _raise_refusal(self, response: httpx.Response, what: str) -> None:
        if response.status_code >= 400:
            raise SchemaRefused(f"{self.name} refused {what} ({response.status_code}): {_message(response)}")


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return response.text[:200]
