// gen-felixconfiguration: generate poolctl's FelixConfiguration data from Calico's own sources.
//
//   node scripts/gen-felixconfiguration.mjs [--git CALICO_GIT_DIR] [--ref v3.31.7]
//   node scripts/gen-felixconfiguration.mjs --crd FILE --go FILE
//
// Inputs (Calico, Apache-2.0, https://github.com/projectcalico/calico, tag v3.31.7):
// - libcalico-go/config/crd/crd.projectcalico.org_felixconfigurations.yaml: the field list, the
//   JSON types, enums, patterns and descriptions (the CRD's openAPIV3Schema);
// - api/pkg/apis/projectcalico/v3/felixconfig.go: what calicoctl decodes into and writes: the
//   Go field names, Go types, declaration order (= JSON field order), omitempty, the validator's
//   `validate` tags and Felix's v1 config names (`confignamev1`).
// Outputs: schemas/felixconfiguration.schema.json (for editors, with the Go facts as x-go) and
// src/core/felix/fields.generated.ts (the same facts as data for the decoder, validator and
// codec). Only data is taken from Calico: names, types, tags and texts; no code. The two
// inputs must list the same fields, else the script fails.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CRD_PATH = 'libcalico-go/config/crd/crd.projectcalico.org_felixconfigurations.yaml';
const GO_PATH = 'api/pkg/apis/projectcalico/v3/felixconfig.go';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

const ref = arg('--ref', 'v3.31.7');
const gitDir = arg('--git', '/work/.mirror/projectcalico+calico/repo');
const read = (file, path) => (file ? readFileSync(file, 'utf8') : execFileSync('git', [`--git-dir=${gitDir}`, 'show', `${ref}:${path}`], { encoding: 'utf8' }));
const crdText = read(arg('--crd'), CRD_PATH);
const goText = read(arg('--go'), GO_PATH);

// --- felixconfig.go: struct fields in declaration order --------------------------------------

/** structs maps a Go struct's name to its fields: {goName, goType, json, omitempty, validate, v1name}. */
const structs = new Map();
/** named maps other type declarations (`type X string`, `type Xs []Y`) to their underlying type. */
const named = new Map();
{
  const lines = goText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^type (\w+) struct \{$/.exec(lines[i]);
    if (!m) {
      const t = /^type (\w+) (\S+)$/.exec(lines[i]);
      if (t) named.set(t[1], t[2]);
      continue;
    }
    const fields = [];
    for (i++; lines[i] !== '}'; i++) {
      const f = /^\t(\w+)\s+(\S+)\s+`(.*)`$/.exec(lines[i]);
      if (!f) continue;
      const tag = (key) => new RegExp(`${key}:"([^"]*)"`).exec(f[3])?.[1];
      const json = tag('json');
      if (json === undefined || json.startsWith(',')) continue; // TypeMeta / inline
      const [name, ...opts] = json.split(',');
      fields.push({
        goName: f[1],
        goType: f[2],
        json: name,
        omitempty: opts.includes('omitempty'),
        validate: tag('validate') ?? '',
        v1name: tag('confignamev1') ?? '',
      });
    }
    structs.set(m[1], fields);
  }
}
const specFields = structs.get('FelixConfigurationSpec');
if (!specFields || specFields.length < 100) throw new Error('FelixConfigurationSpec not found in felixconfig.go');

// --- the CRD -----------------------------------------------------------------------------------

const crd = parse(crdText);
if (crd.spec.names.kind !== 'FelixConfiguration') throw new Error('not the FelixConfiguration CRD');
const openAPI = crd.spec.versions[0].schema.openAPIV3Schema;
const crdSpec = openAPI.properties.spec;

const goNames = specFields.map((f) => f.json);
const crdNames = Object.keys(crdSpec.properties);
const missing = goNames.filter((n) => !crdNames.includes(n));
const extra = crdNames.filter((n) => !goNames.includes(n));
if (missing.length || extra.length) throw new Error(`field lists differ: only in Go ${missing}; only in the CRD ${extra}`);

// --- Go types -> poolctl's type descriptions ------------------------------------------------------

// A type is written as a string the TypeScript side reads (core/felix/schema.ts):
//   string[:name] bool int uint16 uint32 duration port map:string struct:Name slice:<type>[:name]
// names are Go's reflect names as go-json prints them (v3.X); a leading * marks a Go pointer
// (the validator's omitempty skips only a nil pointer, but a zero value of a plain field).
function typeOf(goType) {
  return goType.startsWith('*') ? `*${elemTypeOf(goType.slice(1))}` : elemTypeOf(goType);
}

function elemTypeOf(goType) {
  const t = goType.replace(/^\*/, '');
  if (t === 'string') return 'string';
  if (t === 'bool') return 'bool';
  if (t === 'int') return 'int';
  if (t === 'uint16' || t === 'uint32') return t;
  if (t === 'metav1.Duration') return 'duration';
  if (t === 'numorstring.Port') return 'port';
  if (t === 'map[string]string') return 'map:string';
  if (t.startsWith('[]')) return `slice:${elemTypeOf(t.slice(2))}`;
  if (structs.has(t)) return `struct:${t}`;
  const under = named.get(t);
  if (under === 'string') return `string:v3.${t}`;
  if (under?.startsWith('[]')) return `slice:${elemTypeOf(under.slice(2))}:v3.${t}`;
  throw new Error(`unknown Go type ${goType}`);
}

function fieldData(f) {
  return [f.json, f.goName, typeOf(f.goType), f.omitempty ? 1 : 0, f.validate, f.v1name];
}

const usedStructs = new Set();
const visit = (t) => {
  for (const m of t.matchAll(/struct:(\w+)/g)) {
    if (usedStructs.has(m[1])) continue;
    usedStructs.add(m[1]);
    for (const f of structs.get(m[1])) visit(typeOf(f.goType));
  }
};
for (const f of specFields) visit(typeOf(f.goType));

// --- the TypeScript data ------------------------------------------------------------------------

const header = `// Generated by scripts/gen-felixconfiguration.mjs from Calico ${ref}. Do not edit.
// Data from projectcalico/calico (Apache-2.0), ${GO_PATH}
// (field names, Go types, order, omitempty, validate tags, confignamev1) and
// ${CRD_PATH} (the same field list).
`;
const q = (v) => JSON.stringify(v);
let ts = `${header}
/**
 * FelixFieldData is one Go struct field: JSON name, Go name, type (core/felix/schema.ts reads it),
 * omitempty (1) or not (0), the validator's tag, and Felix's v1 config name when it differs
 * from the Go name ('' otherwise).
 */
export type FelixFieldData = readonly [json: string, goName: string, type: string, omitempty: 0 | 1, validate: string, v1name: string];

/** FELIX_SPEC_FIELDS are v3.FelixConfigurationSpec's fields in declaration order. */
export const FELIX_SPEC_FIELDS: readonly FelixFieldData[] = [
${specFields.map((f) => `  ${q(fieldData(f))},`).join('\n')}
];

/** FELIX_STRUCTS are the other structs the spec's fields use, by Go name. */
export const FELIX_STRUCTS: Readonly<Record<string, readonly FelixFieldData[]>> = {
${[...usedStructs]
  .sort()
  .map((s) => `  ${s}: [\n${structs.get(s).map((f) => `    ${q(fieldData(f))},`).join('\n')}\n  ],`)
  .join('\n')}
};
`;
writeFileSync(join(root, 'src/core/felix/fields.generated.ts'), ts.replace(/","/g, '", "').replace(/",(\d)/g, '", $1').replace(/(\d),"/g, '$1, "'));

// --- the JSON Schema ----------------------------------------------------------------------------

/** jsonSchemaOf gives a Go-typed field's JSON Schema: the CRD's, nullable (Go decodes null as the zero value), with x-go facts. */
function jsonSchemaOf(crdProp, f) {
  const out = {};
  if (crdProp.description) out.description = crdProp.description;
  const t = typeOf(f.goType);
  const nullable = (type) => (Array.isArray(type) ? [...type, 'null'] : [type, 'null']);
  if (crdProp['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string', 'null'];
  } else if (crdProp.type) {
    out.type = nullable(crdProp.type === 'boolean' ? 'boolean' : crdProp.type);
  }
  // The CRD's enums and patterns (kubebuilder markers) are what a Kubernetes API server checks;
  // calicoctl on etcd checks the validate tags instead. Kept for editors.
  for (const k of ['enum', 'pattern', 'minimum', 'maximum', 'format', 'required']) if (crdProp[k] !== undefined) out[k] = crdProp[k];
  if (crdProp.allOf) out.enum = crdProp.allOf[0].enum;
  if (crdProp.items) {
    const elemGo = f.goType.replace(/^\*?\[\]/, '');
    const under = named.get(elemGo.replace(/^\*/, '')) ?? '';
    const elemType = under.startsWith('[]') ? under.slice(2) : elemGo;
    out.items = structs.has(elemType)
      ? structSchema(crdProp.items, elemType)
      : jsonSchemaOf(crdProp.items, { goType: elemType, goName: '', validate: '', omitempty: false });
    delete out.items['x-go'];
  }
  if (crdProp.properties && structs.has(f.goType.replace(/^\*/, ''))) {
    Object.assign(out, structSchema(crdProp, f.goType.replace(/^\*/, '')));
    out.type = nullable('object');
  } else if (crdProp.additionalProperties) {
    out.additionalProperties = { type: ['string', 'null'] };
  }
  if (f.goName) out['x-go'] = { field: f.goName, type: f.goType, omitempty: f.omitempty, ...(f.validate ? { validate: f.validate } : {}), ...(f.v1name ? { v1name: f.v1name } : {}) };
  void t;
  return out;
}

function structSchema(crdProp, goStruct) {
  const properties = {};
  for (const f of structs.get(goStruct)) {
    const p = crdProp.properties?.[f.json];
    if (!p) throw new Error(`${goStruct}.${f.json} is not in the CRD`);
    properties[f.json] = jsonSchemaOf(p, f);
  }
  return {
    type: ['object', 'null'],
    additionalProperties: false,
    properties,
    ...(crdProp.required ? { 'x-crd-required': crdProp.required } : {}),
  };
}

const specSchema = structSchema(crdSpec, 'FelixConfigurationSpec');
specSchema.description = crdSpec.description;
const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'felixconfiguration.schema.json',
  title: `Calico FelixConfiguration (projectcalico.org/v3, Calico ${ref.replace(/\.\d+$/, '')})`,
  description:
    `The structure of a Calico FelixConfiguration as calicoctl ${ref.replace(/\.\d+$/, '')} decodes it strictly: known fields only ` +
    '(matched case-insensitively, as go-json does), Go types (null is a Go zero value). Generated by ' +
    `scripts/gen-felixconfiguration.mjs from Calico ${ref} (Apache-2.0): the field list, JSON types, enums, patterns ` +
    `and descriptions from ${CRD_PATH}; the Go names, types, order and validate tags (x-go) from ${GO_PATH}. ` +
    'Enums and patterns are the CRD\'s (what a Kubernetes API server checks); calicoctl on etcd applies the validate tags.',
  type: 'object',
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', const: 'projectcalico.org/v3' },
    kind: { type: 'string', const: 'FelixConfiguration' },
    metadata: { $ref: 'ippool.schema.json#/$defs/objectMeta' },
    spec: specSchema,
  },
  required: ['apiVersion', 'kind', 'metadata'],
};
writeFileSync(join(root, 'schemas/felixconfiguration.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
console.log(`FelixConfigurationSpec: ${specFields.length} fields, ${usedStructs.size} nested structs (Calico ${ref})`);
