// An access integration ("custom integration") connector. The connector
// invokes this function synchronously through the Lambda Invoke API with
//
//   {"event_type": "<verb>", "params": {...}}
//
// and reads the JSON it returns. This example manages access to a few
// schemas of a made-up warehouse; a real one would call the system it
// fronts (a database, a SaaS admin API, ...) where it logs each step.
//
// A bad event is a thrown error: Invoke then answers with the
// X-Amz-Function-Error header and {errorType, errorMessage}, which the
// connector reports as a failed request.
import { randomBytes } from "node:crypto";

const RESOURCE_TYPE = process.env.RESOURCE_TYPE || "warehouse-schema";

const RESOURCES = [
  { id: "sales", name: "Sales", metadata: { owner: "finance", region: "eu" } },
  { id: "marketing", name: "Marketing", metadata: { owner: "growth", region: "us" } },
  { id: "hr", name: "HR", metadata: { owner: "people", region: "eu", sensitive: "true" } },
];

const PERMISSIONS = [
  { id: "read", name: "Read only" },
  { id: "write", name: "Read and write" },
  { id: "admin", name: "Admin" },
];

class InvalidEventError extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidEventError";
  }
}

function need(params, ...names) {
  for (const n of names) {
    const v = params[n];
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) {
      throw new InvalidEventError(`params.${n} is required`);
    }
  }
}

function checkResources(params) {
  need(params, "resources");
  if (!Array.isArray(params.resources)) throw new InvalidEventError("params.resources must be a list");
  const unknown = params.resources.filter((id) => !RESOURCES.some((r) => r.id === id));
  if (unknown.length) throw new InvalidEventError(`unknown resources: ${unknown.join(", ")}`);
}

// A password of 24 characters from a 64-character alphabet.
function newSecret() {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!~*@#";
  return Array.from(randomBytes(24), (b) => alphabet[b % alphabet.length]).join("");
}

const handlers = {
  "get-status": () => ({ status: "ok" }),

  "list-resources": (params) => ({
    resources: RESOURCES.map((r) => ({ ...r, type: params.resource_type || RESOURCE_TYPE })),
    permissions: PERMISSIONS,
  }),

  "list-resources-tags": () => ({
    tags: RESOURCES.map((r) => ({ resource_id: r.id, tags: r.metadata })),
  }),

  "grant-access": (params) => {
    need(params, "grant_id", "username", "permission");
    checkResources(params);
    if (!PERMISSIONS.some((p) => p.id === params.permission)) {
      throw new InvalidEventError(`unknown permission ${params.permission}`);
    }
    console.log(`grant ${params.grant_id}: ${params.permission} on ${params.resources.join(",")} to ${params.username}`);
    return { status: "ok" };
  },

  "revoke-access": (params) => {
    need(params, "grant_id", "username", "permission");
    checkResources(params);
    console.log(`revoke ${params.grant_id}: ${params.permission} on ${params.resources.join(",")} from ${params.username}`);
    return { status: "ok" };
  },

  "create-credentials": (params) => {
    need(params, "username");
    console.log(`create credentials for ${params.username}`);
    return { status: "ok", secret: newSecret() };
  },

  "reset-credentials": (params) => {
    need(params, "username");
    console.log(`reset credentials for ${params.username}`);
    return { status: "ok", secret: newSecret() };
  },

  "delete-credentials": (params) => {
    need(params, "username");
    console.log(`delete credentials for ${params.username}`);
    return { status: "ok" };
  },
};

export const handler = async (event) => {
  const type = event?.event_type;
  const params = event?.params ?? {};
  if (typeof type !== "string") throw new InvalidEventError("event_type is required");
  const handle = handlers[type];
  if (!handle) {
    // As the connector's own samples do: an event this integration does
    // not know is not an error.
    console.log(`ignoring event ${type}`);
    return { status: "ok" };
  }
  return handle(params);
};
