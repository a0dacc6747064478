import { err, ok, type Result } from '../result.js';

/**
 * Calico's label selector language, as libcalico-go parses it
 * (libcalico-go/lib/selector/tokenizer/tokenizer.go, libcalico-go/lib/selector/parser/parser.go):
 *
 *   expr     = and { "||" and }
 *   and      = op { "&&" op }
 *   op       = { "!" } ( "has(" label ")" | "all()" | "global()" | "(" expr ")"
 *                      | label ( "==" | "!=" | "contains" | "starts with" | "ends with" ) string
 *                      | label ( "in" | "not in" ) "{" [ string { "," string } ] "}" )
 *   label    = [a-zA-Z0-9_./-]+        string = '"' ... '"' | "'" ... "'" (no escapes)
 *
 * Whitespace is spaces and tabs only (a newline is an unexpected character). The empty
 * selector is valid (it means all()). Operator words are recognised only right after a label,
 * and by prefix, as Calico's tokenizer does ("a inx {}" reads as "a in x {}" and fails later).
 */

/** SelectorNode is the parsed form of a selector. */
export type SelectorNode =
  | { readonly kind: 'all' }
  | { readonly kind: 'global' }
  | { readonly kind: 'has'; readonly label: string }
  | { readonly kind: 'not'; readonly operand: SelectorNode }
  | { readonly kind: 'and'; readonly operands: readonly SelectorNode[] }
  | { readonly kind: 'or'; readonly operands: readonly SelectorNode[] }
  | {
      readonly kind: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';
      readonly label: string;
      readonly value: string;
    }
  | { readonly kind: 'in' | 'notIn'; readonly label: string; readonly values: readonly string[] };

/** SelectorError says why a selector does not parse, in Calico's words, and where (0-based offset). */
export interface SelectorError {
  readonly message: string;
  readonly offset: number;
}

type TokKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'not'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'all'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'global'
  | 'eof';

interface Token {
  readonly kind: TokKind;
  readonly value: string;
  readonly offset: number;
}

/** MAX_SELECTOR_DEPTH bounds nesting ("((((...") so hostile input cannot exhaust the stack. */
const MAX_SELECTOR_DEPTH = 256;

function isLabelChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 47 || c === 45
  );
}

function labelEnd(s: string, i: number): number {
  while (i < s.length && isLabelChar(s.charCodeAt(i))) i++;
  return i;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

function tokenize(s: string): Result<Token[], SelectorError> {
  const toks: Token[] = [];
  let i = 0;
  const fail = (message: string, offset: number): Result<never, SelectorError> => err({ message, offset });
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length) {
      toks.push({ kind: 'eof', value: '', offset: i });
      return ok(toks);
    }
    const at = i;
    const last = toks.length > 0 ? toks[toks.length - 1]!.kind : undefined;
    const c = s[i]!;
    const push = (kind: TokKind, len: number, value = ''): void => {
      toks.push({ kind, value, offset: at });
      i += len;
    };
    switch (c) {
      case '(':
        push('lparen', 1);
        continue;
      case ')':
        push('rparen', 1);
        continue;
      case '{':
        push('lbrace', 1);
        continue;
      case '}':
        push('rbrace', 1);
        continue;
      case ',':
        push('comma', 1);
        continue;
      case '"':
      case "'": {
        const close = s.indexOf(c, i + 1);
        if (close < 0) return fail('unterminated string', at);
        toks.push({ kind: 'string', value: s.slice(i + 1, close), offset: at });
        i = close + 1;
        continue;
      }
      case '=':
        if (s[i + 1] === '=') push('eq', 2);
        else return fail('expected ==', at);
        continue;
      case '!':
        if (s[i + 1] === '=') push('ne', 2);
        else push('not', 1);
        continue;
      case '&':
        if (s[i + 1] === '&') push('and', 2);
        else return fail('expected &&', at);
        continue;
      case '|':
        if (s[i + 1] === '|') push('or', 2);
        else return fail('expected ||', at);
        continue;
    }
    if (last === 'label') {
      // After a label only an operator word may follow (matched by prefix, as Calico does).
      const prev = toks[toks.length - 1]!.value;
      const unexpected = `unexpected characters after label '${prev}', was expecting an operator`;
      if (s.startsWith('contains', i)) {
        push('contains', 8);
      } else if (s.startsWith('starts', i)) {
        const j = skipWs(s, i + 6);
        if (!s.startsWith('with', j)) return fail(unexpected, at);
        toks.push({ kind: 'startsWith', value: '', offset: at });
        i = j + 4;
      } else if (s.startsWith('ends', i)) {
        const j = skipWs(s, i + 4);
        if (!s.startsWith('with', j)) return fail(unexpected, at);
        toks.push({ kind: 'endsWith', value: '', offset: at });
        i = j + 4;
      } else if (s.startsWith('not', i)) {
        const j = skipWs(s, i + 3);
        if (!s.startsWith('in', j)) return fail(unexpected, at);
        toks.push({ kind: 'notIn', value: '', offset: at });
        i = j + 2;
      } else if (s.startsWith('in', i)) {
        push('in', 2);
      } else {
        return fail(unexpected, at);
      }
      continue;
    }
    if (s.startsWith('has(', i)) {
      let j = skipWs(s, i + 4);
      const end = labelEnd(s, j);
      if (end === j) return fail('no label name in has( expression', at);
      const label = s.slice(j, end);
      j = skipWs(s, end);
      if (s[j] !== ')') return fail("no closing ')' after has(", at);
      toks.push({ kind: 'has', value: label, offset: at });
      i = j + 1;
      continue;
    }
    if (s.startsWith('all(', i) || s.startsWith('global(', i)) {
      const word = s.startsWith('all(', i) ? 'all' : 'global';
      const j = skipWs(s, i + word.length + 1);
      if (s[j] !== ')') return fail(`no closing ')' after ${word}(`, at);
      toks.push({ kind: word, value: '', offset: at });
      i = j + 1;
      continue;
    }
    const end = labelEnd(s, i);
    if (end === i) return fail('unexpected characters', at);
    toks.push({ kind: 'label', value: s.slice(i, end), offset: at });
    i = end;
  }
}

/** describeToken renders a token as Calico's errors do, e.g. "TokLabel(foo)". */
function describeToken(t: Token): string {
  const names: Record<TokKind, string> = {
    label: 'TokLabel',
    string: 'TokStringLiteral',
    lbrace: 'TokLBrace',
    rbrace: 'TokRBrace',
    comma: 'TokComma',
    eq: 'TokEq',
    ne: 'TokNe',
    in: 'TokIn',
    not: 'TokNot',
    notIn: 'TokNotIn',
    contains: 'TokContains',
    startsWith: 'TokStartsWith',
    endsWith: 'TokEndsWith',
    all: 'TokAll',
    has: 'TokHas',
    lparen: 'TokLParen',
    rparen: 'TokRParen',
    and: 'TokAnd',
    or: 'TokOr',
    global: 'TokGlobal',
    eof: 'TokEOF',
  };
  return `${names[t.kind]}(${t.value})`;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }

  or(depth: number): Result<SelectorNode, SelectorError> {
    const operands: SelectorNode[] = [];
    for (;;) {
      const r = this.and(depth);
      if (!r.ok) return r;
      operands.push(r.value);
      if (this.peek().kind !== 'or') break;
      this.pos++;
    }
    return ok(operands.length === 1 ? operands[0]! : { kind: 'or', operands });
  }

  private and(depth: number): Result<SelectorNode, SelectorError> {
    const operands: SelectorNode[] = [];
    for (;;) {
      const r = this.op(depth);
      if (!r.ok) return r;
      operands.push(r.value);
      if (this.peek().kind !== 'and') break;
      this.pos++;
    }
    return ok(operands.length === 1 ? operands[0]! : { kind: 'and', operands });
  }

  private op(depth: number): Result<SelectorNode, SelectorError> {
    if (depth > MAX_SELECTOR_DEPTH) return err({ message: 'selector is nested too deeply', offset: this.peek().offset });
    let negated = false;
    while (this.peek().kind === 'not') {
      negated = !negated;
      this.pos++;
    }
    const t = this.peek();
    let node: SelectorNode;
    switch (t.kind) {
      case 'has':
        node = { kind: 'has', label: t.value };
        this.pos++;
        break;
      case 'all':
      case 'global':
        node = { kind: t.kind };
        this.pos++;
        break;
      case 'label': {
        const opTok = this.peek(1);
        const arg = this.peek(2);
        if (this.toks.length - this.pos < 3) return err({ message: 'unexpected end of string looking for op', offset: t.offset });
        switch (opTok.kind) {
          case 'eq':
          case 'ne':
          case 'contains':
          case 'startsWith':
          case 'endsWith':
            if (arg.kind !== 'string') return err({ message: 'expected string', offset: arg.offset });
            node = { kind: opTok.kind, label: t.value, value: arg.value };
            this.pos += 3;
            break;
          case 'in':
          case 'notIn': {
            if (arg.kind !== 'lbrace') return err({ message: 'expected set literal', offset: arg.offset });
            this.pos += 3;
            const values: string[] = [];
            while (this.peek().kind === 'string') {
              values.push(this.peek().value);
              this.pos++;
              if (this.peek().kind !== 'comma') break;
              this.pos++;
            }
            if (this.peek().kind !== 'rbrace') return err({ message: 'expected }', offset: this.peek().offset });
            this.pos++;
            node = { kind: opTok.kind, label: t.value, values: [...new Set(values)].sort() };
            break;
          }
          default:
            return err({ message: `expected == or != not: ${describeToken(opTok)}`, offset: opTok.offset });
        }
        break;
      }
      case 'lparen': {
        this.pos++;
        const inner = this.or(depth + 1);
        if (!inner.ok) return inner;
        if (this.peek().kind !== 'rparen') return err({ message: 'expected )', offset: this.peek().offset });
        this.pos++;
        node = inner.value;
        break;
      }
      default:
        return err({ message: `unexpected token: ${describeToken(t)}`, offset: t.offset });
    }
    return ok(negated ? { kind: 'not', operand: node } : node);
  }

  rest(): readonly Token[] {
    return this.toks.slice(this.pos);
  }
}

/**
 * parseSelector parses a Calico selector. The empty (or blank) selector parses as all(),
 * as Calico's parser does; whether a selector may use global() is the caller's rule.
 * Errors carry Calico's parser messages ("unexpected token: TokEOF()", "expected string",
 * "unterminated string", ...) and the offset where parsing stopped.
 */
export function parseSelector(s: string): Result<SelectorNode, SelectorError> {
  const toks = tokenize(s);
  if (!toks.ok) return toks;
  if (toks.value[0]!.kind === 'eof') return ok({ kind: 'all' });
  const p = new Parser(toks.value);
  const r = p.or(0);
  if (!r.ok) return r;
  const rest = p.rest();
  if (rest.length !== 1) {
    return err({ message: `unexpected content at end of selector [${rest.map(describeToken).join(' ')}]`, offset: rest[0]!.offset });
  }
  return r;
}
