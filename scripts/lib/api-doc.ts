// docs/api.md from the app's own OpenAPI document: createApp (src/app.ts) built with the
// default configuration and in-memory parts, then asked for GET /openapi.json as a client
// would, so the reference shows exactly what the app serves. The markdown goes through
// prettier with the repository's settings, so `prettier --check` accepts the file as
// written. `npm run docs:api` writes it; tests/unit/api-docs.test.ts fails when it is stale.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { createApp } from "../../src/app.js";
import { noCache } from "../../src/cache/sample-cache.js";
import { parseConfig } from "../../src/config.js";
import { ERROR_STATUS, type ErrorType } from "../../src/errors.js";
import { createModelRegistry } from "../../src/models/registry.js";
import { MemoryObjectStore } from "../../src/storage/memory.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const API_DOC = "docs/api.md";
export const API_DOC_COMMAND = "npm run docs:api";

/** What each error `type` means; typed by ErrorType, so a new type must be described here. */
const ERROR_MEANING: Record<ErrorType, string> = {
  invalid_request: "A parameter breaks a rule; `param` names it and the message gives its bounds.",
  invalid_json: "The request body is not valid JSON.",
  unauthorized:
    "No valid API key (`Authorization: Bearer`) where the deployment requires one, or a bad `/metrics` token.",
  forbidden: "A sample URL without a valid signature where URL signing is on (`param`: `sig`).",
  not_found: "No such route, model file or job.",
  model_not_found: "No such model, or no such version of it.",
  method_not_allowed: "The path exists but not with this method; `Allow` lists the methods.",
  version_gone: "A model version no longer loaded, and the sample was never stored.",
  payload_too_large: "The request body is over its size limit.",
  sampler_not_available:
    "A sampler this server does not run for the model (e.g. `exact` on a Worker); the message says where it runs.",
  unsupported_media_type: "The body's Content-Type is not the one the endpoint takes.",
  rate_limited: "A rate limit is spent; `Retry-After` says when to try again.",
  internal: "A server fault; the message never carries its details (they are in the log).",
  sampler_unavailable: "No sampler can take the request now (e.g. no healthy GPU backend); see `Retry-After`.",
  storage_unavailable: "The object store does not answer in time; see `Retry-After`.",
  overloaded: "Too many computations in flight or queued; see `Retry-After`.",
  sampler_timeout: "The sampler took longer than the deadline (`SAMPLE_TIMEOUT_MS`).",
  deadline_exceeded:
    "GPU backend API: the request's own deadline (`timeout_ms`) ran out; the router answers `sampler_timeout`.",
};

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  description?: string;
  default?: unknown;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Content {
  schema?: Schema;
}

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, Content> };
  responses?: Record<string, { description?: string; content?: Record<string, Content> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The document the app serves at GET /openapi.json, with the default configuration. */
export async function appOpenApiDocument(): Promise<OpenApiDocument> {
  const app = createApp({
    config: parseConfig({}),
    registry: createModelRegistry([]),
    samplers: [],
    store: new MemoryObjectStore(),
    cache: noCache,
    // As Node and the Worker do: routes that exist only with a job executor are included.
    jobs: { attach: () => undefined },
  });
  const response = await app.request("/openapi.json");
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function code(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** The schema's type in words: `integer 1–64`, `string (binary)`, `one of "g", "exact"`, `array of ...`. */
export function typeText(schema: Schema): string {
  if (schema.$ref !== undefined) return `[${refName(schema.$ref)}](#${refName(schema.$ref).toLowerCase()})`;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined) return alternatives.map(typeText).join(" or ");
  if (schema.allOf !== undefined) return schema.allOf.map(typeText).join(" and ");
  if (schema.enum !== undefined) return `one of ${schema.enum.map(code).join(", ")}`;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return "any";
  return types.map((type) => (type === "null" ? "null" : `${type}${constraints(schema, type)}`)).join(" or ");
}

function range(min: string | undefined, max: string | undefined, unit: string): string {
  if (min !== undefined && max !== undefined) return ` ${min}–${max}${unit}`;
  if (min !== undefined) return ` ≥ ${min}${unit}`;
  if (max !== undefined) return ` ≤ ${max}${unit}`;
  return "";
}

function constraints(schema: Schema, type: string): string {
  switch (type) {
    case "integer":
    case "number": {
      if (schema.exclusiveMinimum === undefined && schema.exclusiveMaximum === undefined) {
        return range(schema.minimum?.toString(), schema.maximum?.toString(), "");
      }
      const low = schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : `≥ ${schema.minimum}`;
      const high = schema.exclusiveMaximum !== undefined ? `< ${schema.exclusiveMaximum}` : `≤ ${schema.maximum}`;
      const bounds = [
        schema.exclusiveMinimum !== undefined || schema.minimum !== undefined ? low : undefined,
        schema.exclusiveMaximum !== undefined || schema.maximum !== undefined ? high : undefined,
      ];
      return ` ${bounds.filter((b) => b !== undefined).join(", ")}`;
    }
    case "string": {
      const parts = [
        schema.format === undefined ? "" : ` (${schema.format})`,
        schema.minLength === undefined && schema.maxLength === undefined
          ? ""
          : `,${range(schema.minLength?.toString(), schema.maxLength?.toString(), " characters")}`,
        schema.pattern === undefined ? "" : `, pattern ${code(schema.pattern)}`,
      ];
      return parts.join("");
    }
    case "array": {
      const items = schema.items === undefined ? "" : ` of ${typeText(schema.items)}`;
      const count = range(schema.minItems?.toString(), schema.maxItems?.toString(), " items");
      return `${items}${count === "" ? "" : `,${count}`}`;
    }
    default:
      return "";
  }
}

function notes(schema: Schema): string {
  const parts = [schema.description ?? ""];
  if (schema.default !== undefined) parts.push(`Default: ${code(schema.default)}.`);
  if (schema.example !== undefined) parts.push(`Example: ${code(schema.example)}.`);
  return parts.filter((p) => p !== "").join(" ");
}

/** An object's fields, nested ones by dotted name, as table rows: name, type, required, notes. */
function fieldRows(schema: Schema, prefix = ""): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const full = `${prefix}${name}`;
    const row = `| ${code(full)} | ${cell(typeText(field))} | ${required.has(name) ? "yes" : "no"} | ${cell(notes(field))} |`;
    const nested = field.properties === undefined ? [] : fieldRows(field, `${full}.`);
    const items = field.items?.properties === undefined ? [] : fieldRows(field.items, `${full}[].`);
    return [row, ...nested, ...items];
  });
}

function fieldTable(schema: Schema): string[] {
  const rows = fieldRows(schema);
  if (rows.length === 0) return [`A ${cell(typeText(schema))}.`, ""];
  const closed = schema.additionalProperties === false ? ["", "No other fields are accepted."] : [];
  return ["| Field | Type | Required | Notes |", "| --- | --- | --- | --- |", ...rows, ...closed, ""];
}

function contentText(content: Record<string, Content> | undefined): string {
  if (content === undefined) return "—";
  return Object.entries(content)
    .map(([type, { schema }]) => `${code(type)}${schema === undefined ? "" : `: ${typeText(schema)}`}`)
    .join("; ");
}

/** The component a `$ref` names (itself when it names none here). */
function resolve(schema: Schema, schemas: Readonly<Record<string, Schema>>): Schema {
  return schema.$ref === undefined ? schema : (schemas[refName(schema.$ref)] ?? schema);
}

function operationSection(
  method: string,
  route: string,
  op: Operation,
  schemas: Readonly<Record<string, Schema>>,
): string[] {
  const lines = [`### ${method.toUpperCase()} ${route}`, ""];
  if (op.summary !== undefined) lines.push(`${op.summary}.`.replace(/\.\.$/, "."), "");
  if (op.description !== undefined) lines.push(op.description, "");
  const parameters = op.parameters ?? [];
  if (parameters.length > 0) {
    lines.push("Parameters:", "", "| Name | In | Type | Required | Notes |", "| --- | --- | --- | --- | --- |");
    for (const p of parameters) {
      const schema = p.schema ?? {};
      // zod-openapi copies a parameter's description into its schema: print it once.
      const described = { ...schema, description: p.description ?? schema.description };
      lines.push(
        `| ${code(p.name)} | ${p.in} | ${cell(typeText(schema))} | ${p.required === true ? "yes" : "no"} | ${cell(notes(described))} |`,
      );
    }
    lines.push("");
  }
  const body = op.requestBody;
  if (body !== undefined) {
    for (const [type, { schema }] of Object.entries(body.content ?? {})) {
      lines.push(`Request body (${code(type)}${body.required === true ? ", required" : ""}):`, "");
      if (body.description !== undefined) lines.push(body.description, "");
      if (schema?.$ref !== undefined) {
        // The fields here, and the schema by name for clients that generate code from it.
        lines.push(`The ${typeText(schema)} schema:`, "", ...fieldTable(resolve(schema, schemas)));
      } else if (schema !== undefined) {
        lines.push(...fieldTable(schema));
      }
    }
  }
  lines.push("Responses:", "", "| Status | Meaning | Body |", "| --- | --- | --- |");
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    lines.push(`| ${status} | ${cell(response.description ?? "")} | ${cell(contentText(response.content))} |`);
  }
  lines.push("");
  return lines;
}

/** The reference as markdown, before prettier. */
export function renderApiMarkdown(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths).flatMap(([route, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({ method: m, route, op: item[m] as Operation })),
  );
  const tags = [...new Set(operations.map((o) => o.op.tags?.[0] ?? "other"))];
  const lines = [
    "# HTTP API reference",
    "",
    `<!-- Generated by \`${API_DOC_COMMAND}\` (scripts/docs-api.ts) from the OpenAPI document the app serves; do not edit by hand. -->`,
    "",
    `${doc.info.title} ${doc.info.version}: ${doc.info.description ?? ""}`,
    "",
    `Every path below is in the machine-readable document the service serves at \`GET /openapi.json\` (OpenAPI ${doc.openapi}), shown here with the default configuration (limits such as \`MAX_BODY_BYTES\` are settings: docs/configuration.md). Errors share one body and a stable \`type\` ([Errors](#errors)).`,
    "",
  ];
  if (!operations.some((o) => o.route.startsWith("/v1/jobs"))) {
    lines.push("The batch jobs API (`/v1/jobs`) is not in the OpenAPI document yet; docs/jobs.md describes it.", "");
  }
  lines.push("| Method | Path | Summary |", "| --- | --- | --- |");
  for (const { method, route, op } of operations) {
    lines.push(`| ${method.toUpperCase()} | ${code(route)} | ${cell(op.summary ?? "")} |`);
  }
  lines.push("");
  for (const tag of tags) {
    lines.push(`## ${tag.charAt(0).toUpperCase()}${tag.slice(1)}`, "");
    for (const { method, route, op } of operations.filter((o) => (o.op.tags?.[0] ?? "other") === tag)) {
      lines.push(...operationSection(method, route, op, doc.components?.schemas ?? {}));
    }
  }
  lines.push("## Schemas", "", "The bodies the operations above refer to.", "");
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    lines.push(`### ${name}`, "");
    if (schema.description !== undefined) lines.push(schema.description, "");
    lines.push(...fieldTable(schema));
  }
  lines.push(
    "## Errors",
    "",
    'Every error is a JSON body `{"error": {"type", "message", "param"}}` ([Error](#error)): `type` is stable (clients may switch on it), `message` is for people, `param` names the request parameter at fault or is `null`.',
    "",
    "| `type` | Status | Meaning |",
    "| --- | --- | --- |",
  );
  const byStatus = (Object.entries(ERROR_STATUS) as [ErrorType, number][]).sort((a, b) => a[1] - b[1]);
  for (const [type, status] of byStatus) lines.push(`| ${code(type)} | ${status} | ${cell(ERROR_MEANING[type])} |`);
  lines.push("");
  return lines.join("\n");
}

/** docs/api.md as it should be committed: rendered, then formatted with the repository's prettier settings. */
export async function apiMarkdown(doc?: OpenApiDocument): Promise<string> {
  const file = path.join(ROOT, API_DOC);
  const options = (await resolveConfig(file)) ?? {};
  return format(renderApiMarkdown(doc ?? (await appOpenApiDocument())), { ...options, filepath: file });
}

export const apiDocPath = (): string => path.join(ROOT, API_DOC);
