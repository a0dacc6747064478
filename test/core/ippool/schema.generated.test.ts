import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import schema from '../../../schemas/ippool.schema.json' with { type: 'json' };
import { quickValid } from '../../../src/core/ippool/schema.generated.js';
import { fcRuns } from '../../support/fc-runs.js';

// quickValid is the pre-check scripts/build.mjs (quickValidatorCode) generates from
// schemas/ippool.schema.json: true only when ajv would find no `type` and no
// `additionalProperties` error (the only schema failures poolctl reports), so that a true
// lets checkIPPoolSchema skip ajv. `required`, `const` and `enum` it leaves alone, by design.
// The oracle here is the schema compiled afresh by ajv, not the build's standalone copy.

/** Schema is the part of JSON Schema the IPPool schema uses. */
interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly $ref?: string;
}

const ROOT_SCHEMA = schema as Schema & { $defs: Record<string, Schema> };
const deref = (s: Schema): Schema => (s.$ref ? ROOT_SCHEMA.$defs[s.$ref.replace('#/$defs/', '')]! : s);

/** CHECKED are the ajv error keywords quickValid rules out. */
const CHECKED = new Set(['type', 'additionalProperties']);

const ajv = new Ajv2020({ allErrors: true, strict: true });
const ajvValidate = ajv.compile(schema);
/** ajvKeywords returns the keywords of the errors ajv finds in a document. */
function ajvKeywords(doc: unknown): Set<string> {
  ajvValidate(doc);
  return new Set((ajvValidate.errors ?? []).map((e) => e.keyword));
}

// Values of every JSON/YAML type, with the numbers at the edges of `integer` (YAML gives
// .inf and .nan; -0, 1.5 and 2^53 are numbers, some integers).
const scalar = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 1.5, 2 ** 53, 1e21, Infinity, -Infinity, NaN),
  fc.boolean(),
  fc.constant(null),
);
const anyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2 }));

/** strangeKeys are keys an object does not declare: near misses of declared ones and names objects inherit. */
function strangeKeys(declared: readonly string[]): fc.Arbitrary<string> {
  const nearMisses = declared.flatMap((k) => [k.toLowerCase(), k.toUpperCase(), `${k}s`]).filter((k) => !declared.includes(k));
  return fc.oneof(
    fc.constantFrom('bogus', '', 'constructor', 'toString', '__proto__', 'hasOwnProperty', ...nearMisses),
    fc.string({ maxLength: 5 }).filter((k) => !declared.includes(k)),
  );
}

/** withKeys adds own, enumerable properties (a `__proto__` key too, as a YAML or JSON parser makes it). */
const withKeys = (o: object, extra: readonly (readonly [string, unknown])[]): object => Object.fromEntries([...Object.entries(o), ...extra]);

/**
 * valueFor is a value for a (sub)schema: mostly of one of its types (enum members mostly, for
 * an enum; objects with their declared members, sometimes an undeclared one), sometimes of
 * any type at all.
 */
function valueFor(s0: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(s0);
  const types = s.type === undefined ? ['string', 'integer', 'boolean', 'null', 'object', 'array'] : typeof s.type === 'string' ? [s.type] : s.type;
  const typed = types.map((t) => ofType(s, t, depth));
  return fc.oneof({ weight: 40, arbitrary: fc.oneof(...typed) }, { weight: 1, arbitrary: anyValue });
}

function ofType(s: Schema, type: string, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      const strings = fc.string({ maxLength: 6 });
      if (s.const !== undefined) return fc.oneof({ weight: 9, arbitrary: fc.constant(s.const) }, { weight: 1, arbitrary: strings });
      const members = (s.enum ?? []).filter((e) => typeof e === 'string');
      return members.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...members) }, { weight: 1, arbitrary: strings }) : strings;
    }
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(0, 26, 122, -1, 2 ** 31, Number.MAX_SAFE_INTEGER));
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items && depth < 3 ? valueFor(s.items, depth + 1) : anyValue, { maxLength: 3 });
    case 'object': {
      const props = s.properties ?? {};
      const declared = Object.keys(props);
      const known = fc.record(Object.fromEntries(declared.map((k) => [k, depth < 3 ? valueFor(props[k]!, depth + 1) : anyValue])), { requiredKeys: [] });
      const ap = s.additionalProperties;
      // undeclared members: any value where the schema allows them, its schema's where it
      // gives one, else (additionalProperties: false) the odd one out
      const extra =
        ap === undefined || ap === true
          ? fc.array(fc.tuple(strangeKeys(declared), anyValue), { maxLength: 2 })
          : ap === false
            ? fc.oneof({ weight: 14, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(strangeKeys(declared), anyValue), { minLength: 1, maxLength: 2 }) })
            : fc.array(fc.tuple(strangeKeys(declared), valueFor(ap, depth + 1)), { maxLength: 2 });
      return fc.tuple(known, extra).map(([o, x]) => withKeys(o, x));
    }
    default:
      throw new Error(`valueFor: schema type ${type} not generated`);
  }
}

/** hasNull says whether a null is anywhere in a value. */
const hasNull = (v: unknown): boolean => v === null || (typeof v === 'object' && Object.values(v as object).some(hasNull));

const documents = fc.oneof({ weight: 19, arbitrary: valueFor(ROOT_SCHEMA) }, { weight: 1, arbitrary: anyValue });

describe('quickValid (generated from the IPPool schema) against ajv', () => {
  it('passes a document only when ajv finds no type and no additionalProperties error in it', () => {
    const seen = { runs: 0, passed: 0, passedWithEnumError: 0, passedWithNull: 0, typeOnly: 0, unknownOnly: 0 };
    fc.assert(
      fc.property(documents, (doc) => {
        const found = ajvKeywords(doc);
        const quick = quickValid(doc);
        seen.runs++;
        if (quick) {
          expect([...found].filter((k) => CHECKED.has(k)), JSON.stringify(doc)).toEqual([]);
          seen.passed++;
          if (found.has('enum')) seen.passedWithEnumError++;
          if (hasNull(doc)) seen.passedWithNull++;
        } else {
          if (found.has('type') && !found.has('additionalProperties')) seen.typeOnly++;
          if (found.has('additionalProperties') && !found.has('type')) seen.unknownOnly++;
        }
      }),
      { numRuns: fcRuns(2000) },
    );
    // Not vacuous: a good share of the documents pass (and a good share do not), and the
    // generated documents reach what quickValid judges and what it leaves to the rules.
    expect(seen.passed).toBeGreaterThan(seen.runs * 0.2);
    expect(seen.passed).toBeLessThan(seen.runs * 0.8);
    expect(seen.passedWithEnumError).toBeGreaterThan(seen.runs * 0.01);
    expect(seen.passedWithNull).toBeGreaterThan(seen.runs * 0.02);
    expect(seen.typeOnly).toBeGreaterThan(seen.runs * 0.02);
    expect(seen.unknownOnly).toBeGreaterThan(seen.runs * 0.02);
  });

  it('fails a document only when ajv finds such an error (the pre-check lets every clean document skip ajv)', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        if (!quickValid(doc)) expect([...ajvKeywords(doc)].filter((k) => CHECKED.has(k)).length, JSON.stringify(doc)).toBeGreaterThan(0);
      }),
      { numRuns: fcRuns(2000) },
    );
  });

  it('judges the edges of integer as ajv does', () => {
    const blockSize = (v: unknown): unknown => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', blockSize: v } });
    for (const v of [26, -0, 2 ** 53, 1e21, 1.5, Infinity, -Infinity, NaN, '26', null, true]) {
      expect(quickValid(blockSize(v)), String(v)).toBe(!ajvKeywords(blockSize(v)).has('type'));
    }
    expect(quickValid(blockSize(26))).toBe(true);
    expect(quickValid(blockSize(1.5))).toBe(false);
  });
});
