"""Issue entity properties: what Jira accepts as a property key and value.

setIssueProperty (Jira Cloud v3 spec): the key at most 255 characters, the value valid,
non-empty JSON of at most 32768; an edit (``PUT /issue``, body ``properties``) takes the same
(research/ownership.md J1). The refusal texts follow Jira's entity property service (unverified).
"""

from __future__ import annotations

import json
from typing import Any

from .errors import JiraApiError

__all__ = ["PROPERTY_KEY_MAX", "PROPERTY_VALUE_MAX", "parse_properties"]

PROPERTY_KEY_MAX, PROPERTY_VALUE_MAX = 255, 32768


def parse_properties(raw: Any) -> list[tuple[str, Any]]:
    """The ``properties`` of an edit body as (key, value) pairs; 400 for what Jira refuses."""
    pairs: list[tuple[str, Any]] = []
    for prop in raw or []:
        if not isinstance(prop, dict) or not isinstance(prop.get("key"), str) or not prop["key"]:
            raise JiraApiError(400, ["The property key must be a non-empty string."])
        key, value = prop["key"], prop.get("value")
        if len(key) > PROPERTY_KEY_MAX:
            too_long = f"The property key can not be longer than {PROPERTY_KEY_MAX} characters."
            raise JiraApiError(400, [too_long])
        if value is None:
            raise JiraApiError(400, ["The property value must be a valid non-empty JSON."])
        if len(json.dumps(value)) > PROPERTY_VALUE_MAX:
            too_long = f"The property value can not be longer than {PROPERTY_VALUE_MAX} characters."
            raise JiraApiError(400, [too_long])
        pairs.append((key, value))
    return pairs
