"""Check a pipeline config against its JSON schema, reporting the first problem as one
line that names the key and what is allowed (a :class:`~backprop86.errors.ConfigError`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match

from ..errors import ConfigError


def load_schema(path: str | Path) -> dict:
    """Read a YAML or JSON schema file."""
    with open(path) as fh:
        return yaml.safe_load(fh)


def _key(error: ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    return ".".join(path) if path else "config"


def _allowed(error: ValidationError) -> str:
    """What the failed keyword accepts, in words (falling back to the schema's
    description, which every key has)."""
    schema, kind = error.schema, error.validator
    if kind == "additionalProperties" and "properties" in schema:
        return ", ".join(schema["properties"])
    if kind == "required":
        return "these keys: " + ", ".join(schema["required"])
    if kind == "enum":
        return ", ".join(map(str, schema["enum"]))
    if kind == "minimum":
        return f"a number >= {schema['minimum']}"
    if kind == "exclusiveMinimum":
        return f"a number > {schema['exclusiveMinimum']}"
    if kind == "minProperties":
        return f"at least {schema['minProperties']} entry"
    if kind == "pattern" and error.relative_schema_path and \
            "propertyNames" in error.relative_schema_path:
        return error.schema.get("description", f"a name matching {schema['pattern']}")
    if kind == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return " or ".join(types)
    return " ".join(str(schema.get("description", "see config/README.md")).split())


def check_schema(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` naming the first key that breaks ``schema``.

    Parameters
    ----------
    config : the loaded config.
    schema : a JSON schema (any draft jsonschema knows, chosen by its ``$schema``).
    """
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    error = best_match(cls(schema).iter_errors(config))
    if error is None:
        return
    # jsonschema reports a bad name inside propertyNames at the parent's path.
    key = _key(error)
    if error.validator == "pattern" and "propertyNames" in error.relative_schema_path:
        key = f"{key}.{error.instance}" if key != "config" else str(error.instance)
    problem = " ".join(error.message.split())
    raise ConfigError(key, problem, _allowed(error))
