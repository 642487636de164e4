// A TypeScript team's use of the contract with openapi-generator's
// `typescript-fetch` generator (default settings), compiled by `tsc --strict`
// together with the generated code (copied beside this file as `client/`).
//
// 1. Every body `bodies.py` wrote parses into the generated model of its
//    schema (`XFromJSON`) and writes back the same JSON (`XToJSON`); RFC 3339
//    date-times compare as instants (the models hold them as `Date`).
// 2. Against a running server, through the generated `ConnectionsApi`:
//    create, list, retrieve, update (the connection as retrieved, renamed)
//    and test.
//
// usage: node dist/flow.js BODIES_DIR BASE_URL TOKEN
// Exit status 0 when everything holds; 1 with one line per failure.

import * as fs from "fs";
import * as path from "path";
import * as client from "./client/index";
import { Configuration, ConnectionsApi, ConnectionInputFromJSON, ConnectionToJSON } from "./client/index";

const failures: string[] = [];

function check(condition: boolean, message: string): boolean {
  if (!condition) {
    failures.push(message);
    console.log(`  FAILED: ${message}`);
  }
  return condition;
}

type Convert = (json: unknown) => unknown;

// The generated `XFromJSON` and `XToJSON` of a schema, found by its name
// (the names differ between the documents the matrix runs on).
function model(schema: string): [Convert, Convert] | undefined {
  const exported = client as unknown as Record<string, unknown>;
  const from = exported[`${schema}FromJSON`];
  const to = exported[`${schema}ToJSON`];
  if (typeof from !== "function" || typeof to !== "function") return undefined;
  return [from as Convert, to as Convert];
}

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function difference(expected: unknown, actual: unknown, at: string): string | undefined {
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    for (let i = 0; i < expected.length; i++) {
      const found = difference(expected[i], actual[i], `${at}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (
    expected !== null && actual !== null &&
    typeof expected === "object" && typeof actual === "object" &&
    !Array.isArray(expected) && !Array.isArray(actual)
  ) {
    const left = expected as Record<string, unknown>;
    // Members written as undefined are not written at all.
    const right = JSON.parse(JSON.stringify(actual)) as Record<string, unknown>;
    const a = Object.keys(left).sort().join(",");
    const b = Object.keys(right).sort().join(",");
    if (a !== b) return `${at}: members ${a} != ${b}`;
    for (const key of Object.keys(left)) {
      const found = difference(left[key], right[key], `${at}/${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (
    typeof expected === "string" && typeof actual === "string" &&
    DATE_TIME.test(expected) && Date.parse(expected) === Date.parse(actual)
  ) {
    return undefined;
  }
  if (expected === actual) return undefined;
  return `${at}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`;
}

function bodies(dir: string): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  check(files.length > 0, `no bodies in ${dir}`);
  for (const file of files) {
    const schema = file.split("-")[1] ?? "";
    const found = model(schema);
    if (!check(found !== undefined, `${file}: no generated model ${schema}`) || !found) continue;
    const json: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    try {
      const parsed = found[0](json);
      const written = JSON.parse(JSON.stringify(found[1](parsed)));
      const change = difference(json, written, "");
      check(change === undefined, `${file}: ${schema} does not write back the same JSON: ${change}`);
    } catch (error) {
      check(false, `${file}: ${schema} does not parse: ${String(error)}`);
    }
  }
  console.log(`  ${files.length} bodies parsed and written back`);
}

async function live(dir: string, baseUrl: string, token: string): Promise<void> {
  const api = new ConnectionsApi(new Configuration({ basePath: baseUrl, accessToken: token }));
  const example = fs.readdirSync(dir).find((f) => f.includes("-ConnectionInput-createConnection-request-"));
  if (!check(example !== undefined, "no create example") || example === undefined) return;
  const body = ConnectionInputFromJSON(JSON.parse(fs.readFileSync(path.join(dir, example), "utf8")));
  body.name = "openapi-generator typescript-fetch";
  body.request.connectionUrl = `${baseUrl}/v2/connections`;
  const created = await api.createConnection({ connectionInput: body });
  console.log(`  createConnection: ${created.ref}`);
  // Page through the list (other consumers share the server).
  let listed = false;
  let offset = 0;
  while (!listed) {
    const page = await api.retrieveConnections({ limit: 100, offset });
    if (page.items.length === 0) break;
    listed = page.items.some((c) => c.ref === created.ref);
    offset += page.items.length;
  }
  check(listed, "retrieveConnections: the new connection is not listed");
  console.log(`  retrieveConnections: listed after ${offset} items`);
  const retrieved = await api.retrieveConnection({ connectionRef: created.ref });
  check(retrieved.name === body.name, `retrieveConnection: name ${retrieved.name}`);
  check(retrieved.modifiedAt instanceof Date, "retrieveConnection: modifiedAt is not a Date");
  console.log(`  retrieveConnection: ${retrieved.name}`);
  const sentBack = ConnectionInputFromJSON(ConnectionToJSON(retrieved));
  sentBack.name = "openapi-generator typescript-fetch, renamed";
  const updated = await api.updateConnection({ connectionRef: created.ref, connectionInput: sentBack });
  check(updated.name === sentBack.name, `updateConnection: name ${updated.name}`);
  console.log(`  updateConnection: ${updated.name}`);
  const tested = await api.testConnection({
    testConnectionRequest: { connection: ConnectionInputFromJSON(ConnectionToJSON(retrieved)) },
  });
  const status = tested.statusCode;
  check(status === null || status === undefined || (status >= 100 && status <= 599), `testConnection: statusCode ${status}`);
  console.log(`  testConnection: statusCode ${status}`);
}

async function main(): Promise<void> {
  const [dir, baseUrl, token] = process.argv.slice(2);
  if (!dir || !baseUrl || !token) {
    console.error("usage: node dist/flow.js BODIES_DIR BASE_URL TOKEN");
    process.exit(2);
  }
  bodies(dir);
  try {
    await live(dir, baseUrl.replace(/\/$/, ""), token);
  } catch (error) {
    check(false, `a call failed: ${String(error)}`);
  }
  if (failures.length > 0) {
    console.log(`  ${failures.length} failure(s)`);
    process.exit(1);
  }
}

void main();
