"""Check a pipeline config against its JSON schema, reporting the first problem as one
line that names the key and what is allowed (a :class:`~backprop86.errors.ConfigError`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml
from jsonschema import validators
from jsonschema.exceptions import ValidationError, best_match

from ..errors import ConfigError

# The schema of the pipeline's config, in the package's data.
SCHEMA_FILE = "data/config.schema.yaml"


def check_config_file(path: str | Path) -> None:
    """Refuse a YAML config file that repeats a key (YAML keeps the last one silently, so
    a run given twice would be lost), or that is not YAML, naming the line."""
    try:
        node = yaml.compose(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read ({exc.strerror})", "a YAML file") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ConfigError(str(path), f"not YAML at line {line} ({exc.problem})",
                          "a YAML file (config/README.md)") from None
    _check_unique(node, "", str(path))


def _check_unique(node, where: str, path: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            here = f"{where}.{name}" if where else name
            if name in seen:
                raise ConfigError(here, f"given twice in {path} (lines {seen[name]} and "
                                  f"{key.start_mark.line + 1}): YAML would keep the last only",
                                  "each key once")
            seen[name] = key.start_mark.line + 1
            _check_unique(value, here, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_unique(item, f"{where}[{i}]", path)


def retyped(value: Any, depth: int = 0) -> Any:
    """Values given with Snakemake's ``--config KEY=VALUE`` as they would read in a config
    file: Snakemake types a top-level value itself but reads a mapping or list as
    YAML's plain text (``tables={parquet: false}`` gives the string ``'false'``)."""
    if isinstance(value, Mapping):
        return {k: retyped(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [retyped(v, depth + 1) for v in value]
    if depth > 0 and isinstance(value, str):
        try:
            return yaml.safe_load(value)
        except yaml.YAMLError:
            return value
    return value


def load_schema(path: str | Path | None = None) -> dict:
    """Read a YAML or JSON schema file; by default the pipeline config's
    (``backprop86/data/config.schema.yaml``)."""
    if path is None:
        return yaml.safe_load(resources.files("backprop86").joinpath(SCHEMA_FILE).read_text())
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
