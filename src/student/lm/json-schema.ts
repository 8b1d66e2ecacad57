/**
 * The JSON Schema subset constrained decoding supports, compiled into a tree the byte-level
 * matcher (json-constraint.ts) walks: type (one or a list of object, array, string, number,
 * integer, boolean, null), properties, required, enum, const, items, additionalProperties
 * (true, false or a schema). Annotations (title, description, $schema, $id, $comment, default,
 * examples) are ignored; any other keyword is an UnsupportedSchemaError naming it and where it is.
 */
import { UnsupportedSchemaError } from './errors.js';

/** The JSON types a schema can name. */
export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** A compiled schema node. */
export interface SchemaNode {
  /** Allowed types; undefined allows any. */
  types: ReadonlySet<JsonType> | undefined;
  /** The only allowed values, each as its canonical JSON bytes (JSON.stringify). */
  literals: readonly Uint8Array[] | undefined;
  properties: ReadonlyMap<string, SchemaNode>;
  required: readonly string[];
  /** Schema for keys not in `properties`; undefined forbids them (additionalProperties: false). */
  additional: SchemaNode | undefined;
  items: SchemaNode | undefined;
}

const TYPES: ReadonlySet<string> = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const ANNOTATIONS: ReadonlySet<string> = new Set(['title', 'description', '$schema', '$id', '$comment', 'default', 'examples']);
const SUPPORTED: ReadonlySet<string> = new Set(['type', 'properties', 'required', 'enum', 'const', 'items', 'additionalProperties', ...ANNOTATIONS]);
const encoder = new TextEncoder();

/** A node that allows any JSON value. */
export const ANY_SCHEMA: SchemaNode = Object.freeze({ types: undefined, literals: undefined, properties: new Map(), required: [], additional: undefined, items: undefined });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function compileTypes(value: unknown, path: string): ReadonlySet<JsonType> | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const type of list) if (typeof type !== 'string' || !TYPES.has(type)) throw new UnsupportedSchemaError(`unsupported JSON Schema type ${JSON.stringify(type)} at ${path}/type: supported types are ${[...TYPES].join(', ')}`);
  return new Set(list as JsonType[]);
}

/** Compiles `schema` (true/{} allows anything); throws UnsupportedSchemaError on anything outside the subset. */
export function compileSchema(schema: unknown, path = '#'): SchemaNode {
  if (schema === true) return ANY_SCHEMA;
  if (!isRecord(schema)) throw new UnsupportedSchemaError(`invalid JSON Schema at ${path}: expected an object or true, got ${JSON.stringify(schema)}`);
  for (const keyword of Object.keys(schema)) {
    if (!SUPPORTED.has(keyword)) throw new UnsupportedSchemaError(`unsupported JSON Schema keyword "${keyword}" at ${path}: constrained decoding supports ${[...SUPPORTED].filter((name) => !ANNOTATIONS.has(name)).join(', ')}`);
  }
  const properties = new Map<string, SchemaNode>();
  if (schema.properties !== undefined) {
    if (!isRecord(schema.properties)) throw new UnsupportedSchemaError(`invalid JSON Schema at ${path}/properties: expected an object`);
    for (const [name, child] of Object.entries(schema.properties)) properties.set(name, compileSchema(child, `${path}/properties/${name}`));
  }
  const required = schema.required ?? [];
  if (!Array.isArray(required) || required.some((name) => typeof name !== 'string')) throw new UnsupportedSchemaError(`invalid JSON Schema at ${path}/required: expected a list of property names`);
  const additionalValue = schema.additionalProperties ?? true;
  const additional = additionalValue === false ? undefined : compileSchema(additionalValue, `${path}/additionalProperties`);
  for (const name of required as string[]) {
    if (additional === undefined && !properties.has(name)) throw new UnsupportedSchemaError(`invalid JSON Schema at ${path}: required property "${name}" is not in properties and additionalProperties is false`);
  }
  let literals: Uint8Array[] | undefined;
  if (schema.const !== undefined) literals = [encoder.encode(JSON.stringify(schema.const))];
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0) throw new UnsupportedSchemaError(`invalid JSON Schema at ${path}/enum: expected a non-empty list`);
    literals = schema.enum.map((value) => encoder.encode(JSON.stringify(value)));
  }
  return {
    types: compileTypes(schema.type, path), literals, properties, required: required as string[], additional,
    items: schema.items === undefined ? undefined : compileSchema(schema.items, `${path}/items`),
  };
}

/** True when `value` validates against `node` (the decoder's output is checked with this in tests). */
export function validates(value: unknown, node: SchemaNode): boolean {
  if (node.literals !== undefined) {
    const text = JSON.stringify(value);
    if (!node.literals.some((literal) => new TextDecoder().decode(literal) === text)) return false;
  }
  if (node.types !== undefined) {
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const matches = [...node.types].some((allowed) => allowed === type || (allowed === 'integer' && Number.isInteger(value)));
    if (!matches) return false;
  }
  if (Array.isArray(value)) return value.every((item) => validates(item, node.items ?? ANY_SCHEMA));
  if (isRecord(value)) {
    if (!node.required.every((name) => Object.hasOwn(value, name))) return false;
    return Object.entries(value).every(([name, child]) => {
      const schema = node.properties.get(name) ?? node.additional;
      return schema !== undefined && validates(child, schema);
    });
  }
  return true;
}
