"""The ``ROADSYNC_*`` environment overrides, read by pydantic-settings' environment source.

Imported only when the environment holds a variable that could override a setting
(:func:`roadsync.config.load.could_override`): pydantic-settings and what it imports (dotenv,
its sources) take about 5 MB of a run's memory, for nothing when no override is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import create_model
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from roadsync.config.model import SettingsModel

__all__ = ["read_overrides"]


def read_overrides(environ: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """The settings ``environ`` overrides, as nested data (``prefix`` + field, nested keys with
    ``__``, case-insensitive, lists and tables as JSON); raises pydantic-settings' own error
    (``SettingsError``) on a value it cannot decode."""
    return dict(_MappingEnvSource(environ, prefix)())


def _env_shape() -> type[BaseSettings]:
    fields: dict[str, Any] = {
        name: (info.annotation, None) for name, info in SettingsModel.model_fields.items()
    }
    return create_model("RoadsyncEnvironment", __base__=BaseSettings, **fields)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source reading a given mapping instead of ``os.environ``."""

    def __init__(self, environ: Mapping[str, str], prefix: str) -> None:
        self._environ = environ
        super().__init__(_env_shape(), case_sensitive=False, env_prefix=prefix, env_nested_delimiter="__")

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, False, False, None)
