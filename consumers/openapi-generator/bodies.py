"""The JSON bodies a consumer's models must parse: every example body of a
document, a list body with null paging links, and the bodies a live server
answers to create, list, retrieve, update and test (and to a connection
that does not exist), each written to its own file.

usage: python bodies.py --document openapi/connections.json --out DIR
                        [--base-url URL --token TOKEN]

Each file is `NNN-SCHEMA-what.json`: SCHEMA is the component schema the
body is documented with, so a program can parse it into the model of that
name. Standard library only. Exit status 0, or 1 with the reason when a
live call does not answer as documented.
"""

import argparse
import copy
import json
import pathlib
import re
import sys
import urllib.error
import urllib.request

SCHEMA_REF = "#/components/schemas/"


class Bodies:
    def __init__(self, out):
        self.out = pathlib.Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        for old in self.out.glob("*.json"):
            old.unlink()
        self.count = 0

    def add(self, schema, what, body):
        if not schema.startswith(SCHEMA_REF):
            raise SystemExit(f"{what}: the body's schema is not a component: {schema}")
        self.count += 1
        name = schema[len(SCHEMA_REF):]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", what).strip("-")
        path = self.out / f"{self.count:03}-{name}-{slug}.json"
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def media_of(operation):
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        yield "request", body
    for status, response in operation.get("responses", {}).items():
        media = response.get("content", {}).get("application/json")
        if media:
            yield status, media


def examples(document, bodies):
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            for place, media in media_of(operation):
                for name, example in media.get("examples", {}).items():
                    what = f"{operation['operationId']} {place} example {name}"
                    bodies.add(media["schema"].get("$ref", ""), what, example["value"])
    listed = document["paths"]["/v2/connections"]["get"]["responses"]["200"]["content"]["application/json"]
    body = copy.deepcopy(next(iter(listed["examples"].values()))["value"])
    for link in ("first", "previous", "next", "last"):
        body[link] = None
    bodies.add(listed["schema"]["$ref"], "list with null paging links", body)


def call(base_url, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def live(document, bodies, base_url, token):
    def schema_of(method, path, status):
        operation = document["paths"][path][method]
        return operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]

    def expect(method, template, path, statuses, body=None):
        status, answer = call(base_url, token, method.upper(), path, body)
        if status not in statuses:
            raise SystemExit(f"{method.upper()} {path}: status {status}, expected {statuses}: {answer}")
        operation = document["paths"][template][method]["operationId"]
        bodies.add(schema_of(method, template, status), f"live {operation} {status}", answer)
        return answer

    create = document["paths"]["/v2/connections"]["post"]["requestBody"]["content"]["application/json"]
    body = copy.deepcopy(next(iter(create["examples"].values()))["value"])
    body["name"] = "bodies for a consumer"
    body["request"]["connectionUrl"] = f"{base_url}/v2/connections"
    created = expect("post", "/v2/connections", "/v2/connections", [201], body)
    one = "/v2/connections/{connectionRef}"
    expect("get", "/v2/connections", "/v2/connections?limit=100", [200])
    retrieved = expect("get", one, f"/v2/connections/{created['ref']}", [200])
    retrieved["name"] = "bodies for a consumer, renamed"
    expect("put", one, f"/v2/connections/{created['ref']}", [200, 201], retrieved)
    expect("post", "/v2/connections/testConnection", "/v2/connections/testConnection", [200],
           {"connection": retrieved})
    expect("get", one, "/v2/connections/00000000-0000-4000-8000-000000000000", [404])
    expect("get", "/v2/connections", "/v2/connections?limit=0", [400])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--base-url")
    parser.add_argument("--token")
    args = parser.parse_args()
    document = json.loads(pathlib.Path(args.document).read_text(encoding="utf-8"))
    bodies = Bodies(args.out)
    examples(document, bodies)
    if args.base_url:
        live(document, bodies, args.base_url.rstrip("/"), args.token or "")
    print(f"  {bodies.count} bodies written to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
