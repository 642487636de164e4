"""Python's jsonschema on the payloads of the Rust benchmark, for comparison.

Same document, same schema (retrieveConnection's 200 response, that is
components/schemas/Connection), Draft 2020-12 with format checking, the same
payload files. Two ways of handling the schema's $refs:

- python_registry: resolved through a registry holding the whole document;
- python_inlined: every $ref replaced by its target beforehand, so nothing
  is resolved while validating.

Prints one JSON object per line, in the Rust benchmark's format:
{"record": "about", "implementation": ..., "description": ...} and
{"record": "measurement", "implementation": ..., "benchmark": ...,
 "unit": "per_second", "value": ...}.

`cargo xtask bench` runs it (in a venv with jsonschema==4.23.0 and
rfc3339-validator==0.1.4), interleaved with the Rust benchmark. By hand:

    python python_jsonschema.py --document openapi/connections.json \
        --payloads DIR [--budget-ms 2000]

where DIR holds the files written by
`cargo bench -p connections-conformance --bench conformance -- payloads DIR`.
"""

import argparse
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
DOCUMENTED_CONNECTION_FILE = "documented_connection.json"
TWO_VIOLATIONS_FILE = "two_violations.json"


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


def throughput(budget, function):
    """Calls `function` in batches until `budget` seconds have passed
    (after a warm-up of a tenth of it); returns calls per second."""
    warm_up = time.perf_counter()
    while time.perf_counter() - warm_up < budget / 10:
        function()
    runs, started = 0, time.perf_counter()
    while True:
        for _ in range(50):
            function()
        runs += 50
        elapsed = time.perf_counter() - started
        if elapsed >= budget:
            return runs / elapsed


def emit(record):
    print(json.dumps(record), flush=True)


def load_json(path):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        sys.exit(f"cannot read {path}: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--document", required=True, help="the OpenAPI 3.1 document (JSON)")
    parser.add_argument("--payloads", required=True, help="the directory of payload files")
    parser.add_argument("--budget-ms", type=int, default=2000, help="time per benchmark")
    args = parser.parse_args()
    if args.budget_ms <= 0:
        parser.error("--budget-ms must be positive")
    budget = args.budget_ms / 1000

    document = load_json(args.document)
    valid = load_json(f"{args.payloads}/{DOCUMENTED_CONNECTION_FILE}")
    invalid = load_json(f"{args.payloads}/{TWO_VIOLATIONS_FILE}")

    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    fragment = SCHEMA_POINTER.replace("{", "%7B").replace("}", "%7D")
    validators = {
        "python_registry": (
            Draft202012Validator(
                {"$ref": f"{DOCUMENT_URI}#{fragment}"},
                registry=registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            ),
            "$refs resolved through a registry holding the document",
        ),
        "python_inlined": (
            Draft202012Validator(
                inline_refs(document, pointer(document, SCHEMA_POINTER)),
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            ),
            "$refs inlined beforehand",
        ),
    }
    python = sys.version.split()[0]
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("jsonschema", "referencing", "rpds-py", "rfc3339-validator")
    )
    for implementation, (validator, how) in validators.items():
        if not validator.is_valid(valid):
            errors = [error.message for error in validator.iter_errors(valid)]
            sys.exit(f"{implementation}: the documented connection does not validate: {errors}")
        found = len(list(validator.iter_errors(invalid)))
        if found != 2:
            sys.exit(f"{implementation}: the two-violations payload has {found} violations")
        emit(
            {
                "record": "about",
                "implementation": implementation,
                "description": f"Python {python}, {versions}, Draft202012Validator "
                f"with format checking, {how}",
            }
        )

    for implementation, (validator, _) in validators.items():
        benchmarks = {
            "is_valid/documented_connection": lambda: validator.is_valid(valid),
            "violations/documented_connection": lambda: list(validator.iter_errors(valid)),
            "violations/two_violations": lambda: list(validator.iter_errors(invalid)),
        }
        for benchmark, function in benchmarks.items():
            emit(
                {
                    "record": "measurement",
                    "implementation": implementation,
                    "benchmark": benchmark,
                    "unit": "per_second",
                    "value": throughput(budget, function),
                }
            )


if __name__ == "__main__":
    main()
