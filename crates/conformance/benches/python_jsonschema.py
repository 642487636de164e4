"""Python's jsonschema on the payloads of the Rust benchmark, for comparison.

Same document, same schema (retrieveConnection's 200 response, that is
components/schemas/Connection with its $refs resolved through a registry
holding the whole document), Draft 2020-12 with format checking, same
payloads. Run from the workspace root:

    python3 -m venv "${TMPDIR:-/tmp}/conformance-bench"
    "${TMPDIR:-/tmp}/conformance-bench/bin/pip" install jsonschema==4.23.0 rfc3339-validator==0.1.4
    "${TMPDIR:-/tmp}/conformance-bench/bin/python" crates/conformance/benches/python_jsonschema.py
"""

import importlib.metadata
import json
import sys
import time

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:connections-conformance:document"
SCHEMA_POINTER = (
    "/paths/~1v2~1connections~1{connectionRef}/get/responses/200/content/application~1json/schema"
)
EXAMPLE_POINTER = (
    "/paths/~1v2~1connections~1{connectionRef}/get/responses/200/content/"
    "application~1json/examples/weatherDataSystem/value"
)


def pointer(document, path):
    node = document
    for part in path.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def inline_refs(document, schema):
    """The schema with every local $ref replaced by its target (the
    Connection schema has no cycles), so no reference is resolved while
    validating."""
    if isinstance(schema, list):
        return [inline_refs(document, item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema and schema["$ref"].startswith("#/"):
        target = dict(pointer(document, schema["$ref"][1:]))
        for key, value in schema.items():
            if key != "$ref":
                target.setdefault(key, value)
        return inline_refs(document, target)
    return {key: inline_refs(document, value) for key, value in schema.items()}


def measure(label, function, seconds=3.0):
    # Warm up, then run whole batches for at least `seconds`.
    for _ in range(200):
        function()
    runs, started = 0, time.perf_counter()
    while True:
        for _ in range(500):
            function()
        runs += 500
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            break
    per_second = runs / elapsed
    print(f"{label:40s} {per_second:12,.0f} validations/s  ({1e6 / per_second:8.2f} µs each)")
    return per_second


def main():
    with open("openapi/connections.json", encoding="utf-8") as file:
        document = json.load(file)
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    fragment = SCHEMA_POINTER.replace("{", "%7B").replace("}", "%7D")
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}#{fragment}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    valid = pointer(document, EXAMPLE_POINTER)
    invalid = dict(valid, name=42, systemType="WAREHOUSE")
    assert validator.is_valid(valid)
    assert len(list(validator.iter_errors(invalid))) == 2
    inlined = Draft202012Validator(
        inline_refs(document, pointer(document, SCHEMA_POINTER)),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    assert inlined.is_valid(valid)
    assert len(list(inlined.iter_errors(invalid))) == 2
    version = importlib.metadata.version("jsonschema")
    print(f"python {sys.version.split()[0]}, jsonschema {version}, Draft202012Validator")
    print("$refs resolved through a registry holding the document:")
    measure("is_valid/documented_connection", lambda: validator.is_valid(valid))
    measure("violations/documented_connection", lambda: list(validator.iter_errors(valid)))
    measure("violations/two_violations", lambda: list(validator.iter_errors(invalid)))
    print("$refs inlined beforehand (no resolution while validating):")
    measure("is_valid/documented_connection", lambda: inlined.is_valid(valid))
    measure("violations/documented_connection", lambda: list(inlined.iter_errors(valid)))
    measure("violations/two_violations", lambda: list(inlined.iter_errors(invalid)))


if __name__ == "__main__":
    main()
