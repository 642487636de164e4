"""A Python team's use of the contract with openapi-generator's `python`
generator (default settings; package `openapi_client`).

1. Every body `bodies.py` wrote parses into the generated model of its
   schema (`Model.from_json`) and writes back the same JSON (`to_json`).
   These models write every nullable member they parsed, as `null` when it
   was absent; in this contract every optional member is nullable and
   `null` means the same as absent, so the two compare equal. RFC 3339
   date-times compare as instants (the models hold them as `datetime`).
2. Against a running server, through the generated `ConnectionsApi`:
   create, list, retrieve, update (the connection as retrieved, renamed)
   and test, each answer parsed into its documented type.

usage: python flow.py --client GENERATED_DIR --bodies DIR --base-url URL --token TOKEN
Exit status 0 when everything holds; 1 with one line per failure otherwise.
"""

import argparse
import copy
import datetime
import importlib
import json
import pathlib
import sys

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"  FAILED: {message}")
    return condition


def difference(expected, actual, pointer=""):
    if isinstance(expected, dict) and isinstance(actual, dict):
        # Absent and null are the same optional member.
        left = {k: v for k, v in expected.items() if v is not None}
        right = {k: v for k, v in actual.items() if v is not None}
        if set(left) != set(right):
            return f"{pointer}: members {sorted(left)} != {sorted(right)}"
        for key in left:
            found = difference(left[key], right[key], f"{pointer}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (a, b) in enumerate(zip(expected, actual)):
            found = difference(a, b, f"{pointer}/{i}")
            if found:
                return found
        return None
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        try:
            if datetime.datetime.fromisoformat(expected) == datetime.datetime.fromisoformat(actual):
                return None
        except ValueError:
            pass
    if expected != actual or type(expected) is not type(actual):
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and expected == actual:
            return None
        return f"{pointer}: {expected!r} != {actual!r}"
    return None


def bodies(models, directory):
    files = sorted(pathlib.Path(directory).glob("*.json"))
    check(files, f"no bodies in {directory}")
    for path in files:
        schema = path.name.split("-")[1]
        text = path.read_text(encoding="utf-8")
        cls = getattr(models, schema, None)
        if not check(cls is not None, f"{path.name}: no generated model {schema}"):
            continue
        try:
            parsed = cls.from_json(text)
        except Exception as error:  # noqa: BLE001 - any parse error is the finding
            check(False, f"{path.name}: {schema}.from_json failed: {error!r}")
            continue
        found = difference(json.loads(text), json.loads(parsed.to_json()))
        check(found is None, f"{path.name}: {schema} does not write back the same JSON: {found}")
    print(f"  {len(files)} bodies parsed and written back")


def live(client, base_url, token, bodies_dir):
    configuration = client.Configuration(host=base_url, access_token=token)
    api = client.ConnectionsApi(client.ApiClient(configuration))
    models = client

    def expect(what, call, cls):
        try:
            answer = call()
        except Exception as error:  # noqa: BLE001 - any error is the finding
            check(False, f"{what}: {error!r}"[:600])
            return None
        ok = check(isinstance(answer, cls), f"{what}: parsed as {type(answer).__name__}, expected {cls.__name__}")
        print(f"  {what}: {type(answer).__name__}")
        return answer if ok else None

    example = next(pathlib.Path(bodies_dir).glob("*-ConnectionInput-createConnection-request-*.json"))
    body = json.loads(example.read_text(encoding="utf-8"))
    body["name"] = "openapi-generator python"
    body["request"]["connectionUrl"] = f"{base_url}/v2/connections"
    created = expect(
        "createConnection",
        lambda: api.create_connection(models.ConnectionInput.from_dict(body)),
        models.Connection,
    )
    if created is None:
        return
    # Page through the list (other consumers share the server).
    listed, offset = False, 0
    while not listed:
        page = expect(
            f"retrieveConnections offset {offset}",
            lambda: api.retrieve_connections(limit=100, offset=offset),
            models.ConnectionList,
        )
        if page is None or not page.items:
            break
        listed = any(c.ref == created.ref for c in page.items)
        offset += len(page.items)
    check(listed, "retrieveConnections: the new connection is not listed")
    retrieved = expect("retrieveConnection", lambda: api.retrieve_connection(created.ref), models.Connection)
    if retrieved is None:
        return
    check(retrieved.name == "openapi-generator python", f"retrieveConnection: name {retrieved.name!r}")
    sent_back = copy.deepcopy(retrieved.to_dict())
    sent_back["name"] = "openapi-generator python, renamed"
    updated = expect(
        "updateConnection",
        lambda: api.update_connection(created.ref, models.ConnectionInput.from_dict(sent_back)),
        models.Connection,
    )
    if updated is not None:
        check(updated.name == "openapi-generator python, renamed", f"updateConnection: name {updated.name!r}")
    tested = expect(
        "testConnection",
        lambda: api.test_connection(models.TestConnectionRequest.from_dict({"connection": retrieved.to_dict()})),
        # Named TestConnectionResult before 2.0.0 (released documents).
        getattr(models, "ConnectionTestResult", None) or models.TestConnectionResult,
    )
    if tested is not None:
        check(
            tested.status_code is None or 100 <= tested.status_code <= 599,
            f"testConnection: statusCode {tested.status_code!r}",
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", required=True)
    parser.add_argument("--bodies", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.client)
    client = importlib.import_module("openapi_client")
    bodies(client, args.bodies)
    live(client, args.base_url.rstrip("/"), args.token, args.bodies)
    if failures:
        print(f"  {len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
