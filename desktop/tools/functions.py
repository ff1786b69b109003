"""Function tools as harmony shows them to gpt-oss: a TypeScript-like `namespace functions`.

The model was trained on one rendering of JSON schemas, the one openai-harmony's renderer writes
(`json_schema_to_typescript` and `template_tools_section` in its src/encoding.rs). This is a port
of it, checked byte for byte against that package's reference test data: descriptions become `//`
comments above the field, optional fields get `?`, enums become unions of string literals,
`oneOf` becomes one `| variant` line each, defaults trail as `// default: ...`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FUNCTIONS_NAMESPACE = "functions"
# The line the system message carries when the conversation has function tools.
FUNCTIONS_CHANNEL_LINE = "Calls to these tools must go to the commentary channel: 'functions'."


@dataclass(frozen=True)
class FunctionTool:
    """One function the model may call: `to=functions.{name}` with JSON arguments."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = field(default=None, hash=False)  # a JSON schema (object)


def render_tools_section(tools: Sequence[FunctionTool], namespace: str = FUNCTIONS_NAMESPACE,
                         description: str | None = None) -> str:
    """The `# Tools` section of the developer message (harmony's `template_tools_section`)."""
    content = [f"## {namespace}\n"]
    for line in _lines(description or ""):
        content.append(f"// {line}" if tools else line)
    if tools:
        content.append(f"namespace {namespace} {{\n")
        for tool in tools:
            content.extend(f"// {line}" for line in _lines(tool.description))
            if tool.parameters is not None:
                content.append(f"type {tool.name} = (_: {schema_to_typescript(tool.parameters, '')}) => any;\n")
            else:
                content.append(f"type {tool.name} = () => any;\n")
        content.append(f"}} // namespace {namespace}")
    return "# Tools\n\n" + "\n".join(content)


def schema_to_typescript(schema: Mapping[str, Any], indent: str) -> str:
    """A JSON schema as the TypeScript-like type harmony renders (see the module doc)."""
    one_of = schema.get("oneOf")
    if isinstance(one_of, list):
        out = ""
        for variant in one_of:
            out += f"\n{indent} | " + _nullable(variant, schema_to_typescript(variant, indent + "   "))
            trailing = [*([variant["description"]] if isinstance(variant.get("description"), str) else []),
                        *_default_comment(variant)]
            if trailing:
                out += " // " + " ".join(trailing)
        return out
    kind = schema.get("type")
    if isinstance(kind, list):
        names = ["number" if k == "integer" else k for k in kind if isinstance(k, str)]
        if names:
            return " | ".join(names)
        return "any"
    if kind == "object":
        return _object(schema, indent)
    if kind == "string":
        values = [f'"{v}"' for v in schema.get("enum") or () if isinstance(v, str)]
        return " | ".join(values) if values else "string"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        items = schema.get("items")
        return f"{schema_to_typescript(items, indent)}[]" if isinstance(items, Mapping) else "Array<any>"
    return "any"


def _object(schema: Mapping[str, Any], indent: str) -> str:
    out = f"{indent}// {schema['description']}\n" if isinstance(schema.get("description"), str) else ""
    out += "{\n"
    properties = schema.get("properties")
    required = {r for r in schema.get("required") or () if isinstance(r, str)}
    for key, value in (properties.items() if isinstance(properties, Mapping) else ()):
        if not isinstance(value, Mapping):
            value = {}
        optional = "" if key in required else "?"
        if isinstance(value.get("title"), str):
            out += f"{indent}// {value['title']}\n{indent}//\n"
        one_of = value.get("oneOf")
        description = value.get("description") if isinstance(value.get("description"), str) else None
        if one_of is None and description is not None:
            out += f"{indent}// {description}\n"
        examples = value.get("examples")
        if isinstance(examples, list) and examples:
            out += f"{indent}// Examples:\n"
            out += "".join(f'{indent}// - "{ex}"\n' for ex in examples if isinstance(ex, str))
        if isinstance(one_of, list):
            out += _one_of_property(key, optional, value, one_of, description, indent)
            continue
        out += f"{indent}{key}{optional}: " + _nullable(value, schema_to_typescript(value, indent + "    ")) + ","
        if one_of is None:
            out += "".join(f" // {c}" for c in _default_comment(value))
        out += "\n"
    return out + f"{indent}}}"


def _one_of_property(key: str, optional: str, value: Mapping[str, Any], variants: list[Any],
                     description: str | None, indent: str) -> str:
    first = variants[0] if variants and isinstance(variants[0], Mapping) else {}
    described_above = description is not None and first.get("description") != description
    out = f"{indent}// {description}\n" if described_above else ""
    out += "".join(f"{indent}// {c}\n" for c in _default_comment(value))
    out += f"{indent}{key}{optional}:\n"
    for i, variant in enumerate(variants):
        variant = variant if isinstance(variant, Mapping) else {}
        out += f"{indent} | " + _nullable(variant, schema_to_typescript(variant, indent + "   "))
        trailing = []
        own = variant.get("description")
        if not (i == 0 and described_above) and isinstance(own, str) and own != description:
            trailing.append(own)
        trailing += _default_comment(variant)
        if trailing:
            out += " // " + " ".join(trailing)
        out += "\n"
    return out + f"{indent},\n"


def _nullable(schema: Mapping[str, Any], rendered: str) -> str:
    if schema.get("nullable") is True and "null" not in rendered:
        return rendered + " | null"
    return rendered


def _default_comment(schema: Mapping[str, Any]) -> list[str]:
    if "default" not in schema:
        return []
    default = schema["default"]
    if isinstance(default, str):
        # A string default is quoted unless the field is an enum (harmony's `is_enum`).
        enum = schema.get("enum")
        return [f"default: {default}" if isinstance(enum, list) and enum else f'default: "{default}"']
    return [f"default: {json.dumps(default, separators=(',', ':'), ensure_ascii=False)}"]


def _lines(text: str) -> list[str]:
    """Rust's `str::lines`: split on \\n, no empty last line, a trailing \\r dropped."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]
