import { FELIX_SPEC_FIELDS, FELIX_STRUCTS, type FelixFieldData } from './fields.generated.js';

/**
 * FelixType is a Go type of FelixConfiguration, read from the generated field data
 * (fields.generated.ts: "*string:v3.NATOutgoingExclusionsType", "*slice:struct:ProtoPort",
 * "*port", ...). `pointer` marks a Go pointer: Go decodes JSON null into nil, and the
 * validator's omitempty skips only a nil pointer (but the zero value of a plain field).
 */
export type FelixType =
  | { readonly kind: 'string' | 'bool' | 'int' | 'uint16' | 'uint32' | 'duration' | 'port'; readonly pointer: boolean; readonly name: string }
  | { readonly kind: 'map'; readonly pointer: boolean; readonly name: string; readonly elem: FelixType }
  | { readonly kind: 'slice'; readonly pointer: boolean; readonly name: string; readonly elem: FelixType }
  | { readonly kind: 'struct'; readonly pointer: boolean; readonly name: string; readonly fields: readonly FelixField[] };

/** FelixField is one struct field: JSON and Go names, type, omitempty, validate tags and Felix's v1 config name. */
export interface FelixField {
  readonly json: string;
  readonly goName: string;
  readonly type: FelixType;
  readonly omitempty: boolean;
  /** tags are the validate tag's parts ("omitempty", "oneof=A B", "gte=1", "dive", ...). */
  readonly tags: readonly string[];
  /** v1name is Felix's config name for the field (confignamev1, else the Go name). */
  readonly v1name: string;
}

/** GO_NAMES are the reflect names go-json prints for the scalar kinds. */
const GO_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  uint16: 'uint16',
  uint32: 'uint32',
  duration: 'v1.Duration',
  port: 'numorstring.Port',
};

const structCache = new Map<string, readonly FelixField[]>();

function structFields(name: string): readonly FelixField[] {
  let fields = structCache.get(name);
  if (!fields) {
    const data = FELIX_STRUCTS[name];
    if (!data) throw new Error(`felix field data: unknown struct ${name}`);
    fields = data.map(fieldOf);
    structCache.set(name, fields);
  }
  return fields;
}

/** parseType reads a type text of the generated data (see FelixType). */
function parseType(text: string): FelixType {
  const pointer = text.startsWith('*');
  const t = pointer ? text.slice(1) : text;
  const colon = t.indexOf(':');
  const kind = colon < 0 ? t : t.slice(0, colon);
  const rest = colon < 0 ? '' : t.slice(colon + 1);
  switch (kind) {
    case 'map':
      return { kind, pointer, name: 'map[string]string', elem: parseType(rest) };
    case 'slice': {
      // slice:<elem>[:v3.Name] (a named slice type)
      const named = /:(v3\.\w+)$/.exec(rest);
      const elem = parseType(named ? rest.slice(0, -named[0].length) : rest);
      return { kind, pointer, name: named ? named[1]! : `[]${elem.name}`, elem };
    }
    case 'struct':
      return { kind, pointer, name: `v3.${rest}`, fields: structFields(rest) };
    case 'string':
      return { kind, pointer, name: rest || 'string' };
    default: {
      const name = GO_NAMES[kind];
      if (name === undefined) throw new Error(`felix field data: unknown type ${text}`);
      return { kind: kind as 'bool', pointer, name };
    }
  }
}

function fieldOf([json, goName, type, omitempty, validate, v1name]: FelixFieldData): FelixField {
  return {
    json,
    goName,
    type: parseType(type),
    omitempty: omitempty === 1,
    tags: validate === '' ? [] : validate.split(','),
    v1name: v1name || goName,
  };
}

let specFields: readonly FelixField[] | undefined;

/** felixSpecFields returns v3.FelixConfigurationSpec's fields in declaration order (parsed once). */
export function felixSpecFields(): readonly FelixField[] {
  return (specFields ??= FELIX_SPEC_FIELDS.map(fieldOf));
}

let byJson: ReadonlyMap<string, FelixField> | undefined;

/** felixSpecField returns the spec field with this JSON name, if any. */
export function felixSpecField(json: string): FelixField | undefined {
  return (byJson ??= new Map(felixSpecFields().map((f) => [f.json, f]))).get(json);
}

/** isGoZero is Go's zero-value test for a decoded JSON value (what omitempty drops from a plain field). */
function isGoZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/**
 * orderFelixSpec returns a FelixConfigurationSpec as Go's encoding/json writes the struct:
 * fields in declaration order, an unset (nil) field dropped, an omitempty plain field dropped
 * at its zero value (a pointer field keeps `false` or `0`: only nil is empty for it). Keys that
 * are no field are kept after them, in their order (nothing a newer Calico wrote is lost).
 */
export function orderFelixSpec(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of felixSpecFields()) {
    const v = spec[f.json];
    if (v === undefined || v === null) continue;
    if (f.omitempty && !f.type.pointer && isGoZero(v)) continue;
    out[f.json] = v;
  }
  for (const k of Object.keys(spec)) if (!(k in out) && felixSpecField(k) === undefined && spec[k] !== undefined) out[k] = spec[k];
  return out;
}
