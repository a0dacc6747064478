import { goStruct, goType, goUnmarshaler, type GoStruct, type GoType } from '../ippool/go-json.js';
import { listEnvelope, OBJECT_META } from '../ippool/schema.js';
import { parseGoDuration } from './duration.js';
import { felixSpecFields, type FelixField, type FelixType } from './field-types.js';
import { portFromJson } from './port.js';

/**
 * The structure of a FelixConfiguration document as calicoctl v3.31 decodes it: the Go types of
 * api/pkg/apis/projectcalico/v3/felixconfig.go (read from the generated field data,
 * field-types.ts) as GoTypes of the loader's one Go decoder (ippool/go-json.ts decodeGo), so a
 * FelixConfiguration is decoded exactly as an IPPool is: case-insensitive keys, go-json's
 * texts, go-yaml-wrapper's coercions. v1.Duration and numorstring.Port decode themselves
 * (their UnmarshalJSON: time.ParseDuration's and the port's own error texts).
 */

/** DURATION is metav1.Duration: a JSON string that time.ParseDuration reads. */
const DURATION: GoType = goUnmarshaler('v1.Duration', (v) => {
  if (typeof v !== 'string') return `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`;
  const p = parseGoDuration(v);
  return p.ok ? null : p.error;
});

/** PORT is numorstring.Port (port.ts portFromJson). */
const PORT: GoType = goUnmarshaler('numorstring.Port', (v) => {
  const p = portFromJson(v);
  return p.ok ? null : p.error;
});

/** jsonKind is encoding/json's name for a JSON value's kind in an UnmarshalTypeError. */
function jsonKind(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** goTypeOf is the GoType of a FelixType. */
function goTypeOf(t: FelixType): GoType {
  switch (t.kind) {
    case 'string':
      return goType('string', t.name);
    case 'bool':
      return goType('bool', 'bool');
    case 'int':
      return goType('int', t.name);
    case 'uint16':
    case 'uint32':
      return goType('uint', t.name);
    case 'duration':
      return DURATION;
    case 'port':
      return PORT;
    case 'map':
    case 'slice':
      return goType(t.kind, t.name, goTypeOf(t.elem));
    case 'struct':
      return structOf(t.name, t.fields);
  }
}

/** structOf is a struct's GoStruct from its fields, in declaration order. */
function structOf(name: string, fields: readonly FelixField[]): GoStruct {
  return goStruct(name, fields.map((f) => [f.json, goTypeOf(f.type)] as const));
}

let felixType: GoStruct | undefined;

/** felixConfigurationType is v3.FelixConfiguration's GoStruct: TypeMeta inline, metadata, spec (built on first use: 170 fields). */
export function felixConfigurationType(): GoStruct {
  return (felixType ??= goStruct('v3.FelixConfiguration', [
    ['kind', goType('string', 'string')],
    ['apiVersion', goType('string', 'string')],
    ['metadata', OBJECT_META],
    ['spec', structOf('v3.FelixConfigurationSpec', felixSpecFields())],
  ]));
}

/** FELIX_CONFIGURATION_LIST is v3.FelixConfigurationList's envelope (its items are read one by one). */
export const FELIX_CONFIGURATION_LIST: GoStruct = listEnvelope('v3.FelixConfigurationList');
