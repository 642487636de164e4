// A TypeScript team's use of the contract with orval (default settings:
// only an input and an output file; its default client, axios), compiled by
// `tsc --strict` together with the generated `client/api.ts`.
//
// Against a running server, through the generated functions: create, list,
// retrieve, update (the connection as retrieved, renamed) and test, each
// answer typed by the generated types and checked for what it must hold.
//
// usage: node dist/flow.js BASE_URL TOKEN
// Exit status 0 when everything holds; 1 with one line per failure.

import axios from "axios";
import {
  createConnection,
  retrieveConnection,
  retrieveConnections,
  testConnection,
  updateConnection,
} from "./client/api";
import type { Connection, ConnectionInput } from "./client/api";

const failures: string[] = [];

function check(condition: boolean, message: string): boolean {
  if (!condition) {
    failures.push(message);
    console.log(`  FAILED: ${message}`);
  }
  return condition;
}

function asInput(connection: Connection): ConnectionInput {
  // A connection is sent back as retrieved: the input accepts its members.
  return { ...connection };
}

async function flow(baseUrl: string): Promise<void> {
  const body: ConnectionInput = {
    name: "orval",
    auth: { authType: "NONE" },
    request: { requestType: "GET", connectionUrl: `${baseUrl}/v2/connections` },
    systemType: "DATA_SYSTEM",
  };
  const created = await createConnection(body);
  check(created.status === 201, `createConnection: status ${created.status}`);
  console.log(`  createConnection: ${created.status} ${created.data.ref}`);
  // Page through the list (other consumers share the server).
  let listed = false;
  let offset = 0;
  while (!listed) {
    const page = await retrieveConnections({ limit: 100, offset });
    check(page.status === 200, `retrieveConnections: status ${page.status}`);
    if (page.data.items.length === 0) break;
    listed = page.data.items.some((c) => c.ref === created.data.ref);
    offset += page.data.items.length;
  }
  check(listed, "retrieveConnections: the new connection is not listed");
  console.log(`  retrieveConnections: listed after ${offset} items`);
  const retrieved = await retrieveConnection(created.data.ref);
  check(retrieved.data.name === "orval", `retrieveConnection: name ${retrieved.data.name}`);
  console.log(`  retrieveConnection: ${retrieved.status} ${retrieved.data.name}`);
  const sentBack = asInput(retrieved.data);
  sentBack.name = "orval, renamed";
  const updated = await updateConnection(created.data.ref, sentBack);
  check(updated.status === 200 || updated.status === 201, `updateConnection: status ${updated.status}`);
  check(updated.data.name === "orval, renamed", `updateConnection: name ${updated.data.name}`);
  console.log(`  updateConnection: ${updated.status} ${updated.data.name}`);
  const tested = await testConnection({ connection: asInput(retrieved.data) });
  const status = tested.data.statusCode;
  check(tested.status === 200, `testConnection: status ${tested.status}`);
  check(status === null || (status >= 100 && status <= 599), `testConnection: statusCode ${status}`);
  console.log(`  testConnection: ${tested.status}, statusCode ${status}`);
}

async function main(): Promise<void> {
  const [baseUrl, token] = process.argv.slice(2);
  if (!baseUrl || !token) {
    console.error("usage: node dist/flow.js BASE_URL TOKEN");
    process.exit(2);
  }
  axios.defaults.baseURL = baseUrl.replace(/\/$/, "");
  axios.defaults.headers.common["Authorization"] = `Bearer ${token}`;
  try {
    await flow(axios.defaults.baseURL);
  } catch (error) {
    check(false, `a call failed: ${String(error)}`);
  }
  if (failures.length > 0) {
    console.log(`  ${failures.length} failure(s)`);
    process.exit(1);
  }
}

void main();
