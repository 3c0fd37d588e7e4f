/**
 * Go `text/template` (the language of Flux Operator ResourceSet templates, with `<<`/`>>` delimiters), on plain
 * JSON-like data: text and actions with trim markers, comments, pipelines, parenthesised pipelines, field
 * chains on dot, variables and function results, `if`/`else if`/`else`, `range` (lists, maps in key order,
 * integers) with `break`/`continue`, `with`, variable declaration and assignment, the builtin functions
 * (`and`, `or` short-circuit, `not`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `len`, `index`, `print`, `printf`,
 * `println`, `slice`), and the functions a caller adds (see `resourceset.ts` for slim-sprig's). Missing map keys
 * are errors (`Option("missingkey=error")`), as Flux Operator sets. `define`, `template` and `block` are
 * reported as not supported.
 * @see https://pkg.go.dev/text/template (go/src/text/template/parse/lex.go, parse.go, exec.go, funcs.go)
 */

/** A template function: receives evaluated arguments, returns a value or throws {@link TemplateError}. */
export type TemplateFunction = (...args: unknown[]) => unknown;

/** A parse or execution error, at an offset of the template text. */
export class TemplateError extends Error {
  /** 0-based offset of the action in the template text. */
  readonly offset: number;
  /** `missing-key` for a missing map key (Go's `map has no entry for key`), else `error`. */
  readonly reason: 'missing-key' | 'error';
  constructor(message: string, offset: number, reason: 'missing-key' | 'error' = 'error') {
    super(message);
    this.name = 'TemplateError';
    this.offset = offset;
    this.reason = reason;
  }
}

/** Output of {@link GoTemplate.execute}: the text and where each part of it was written in the template. */
export interface TemplateOutput {
  readonly text: string;
  /**
   * Template offset of an output offset: literal text maps character by character, the output of an action
   * maps to the action.
   */
  readonly templateOffset: (outputOffset: number) => number;
}

type Node =
  | { readonly t: 'text'; readonly pos: number; readonly text: string }
  | { readonly t: 'action'; readonly pos: number; readonly pipe: Pipe }
  | {
      readonly t: 'if' | 'with' | 'range';
      readonly pos: number;
      readonly pipe: Pipe;
      readonly list: Node[];
      readonly elseList: Node[] | null;
    }
  | { readonly t: 'break' | 'continue'; readonly pos: number };

interface Pipe {
  readonly pos: number;
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly Cmd[];
}

interface Cmd {
  readonly pos: number;
  readonly args: readonly Arg[];
}

type Arg =
  | { readonly t: 'ident'; readonly pos: number; readonly name: string }
  | { readonly t: 'dot'; readonly pos: number }
  | { readonly t: 'nil'; readonly pos: number }
  | { readonly t: 'field'; readonly pos: number; readonly fields: readonly string[] }
  | { readonly t: 'var'; readonly pos: number; readonly name: string; readonly fields: readonly string[] }
  | { readonly t: 'chain'; readonly pos: number; readonly node: Arg; readonly fields: readonly string[] }
  | { readonly t: 'const'; readonly pos: number; readonly value: string | number | boolean }
  | { readonly t: 'pipe'; readonly pos: number; readonly pipe: Pipe };

type TokKind =
  | 'space'
  | 'ident'
  | 'field'
  | 'var'
  | 'string'
  | 'number'
  | 'char'
  | 'bool'
  | 'lparen'
  | 'rparen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'dot'
  | 'end';

interface Tok {
  readonly kind: TokKind;
  readonly text: string;
  readonly pos: number;
}

const SPACE = /[ \t\r\n]/;

/** Splits an action's inside (between the delimiters) into tokens. */
function lexAction(src: string, start: number, end: number): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  const at = (k: number) => src[k] ?? '';
  while (i < end) {
    const c = at(i);
    const begin = i;
    if (SPACE.test(c)) {
      while (i < end && SPACE.test(at(i))) i++;
      toks.push({ kind: 'space', text: ' ', pos: begin });
    } else if (c === '(') {
      toks.push({ kind: 'lparen', text: c, pos: i++ });
    } else if (c === ')') {
      toks.push({ kind: 'rparen', text: c, pos: i++ });
    } else if (c === '|') {
      toks.push({ kind: 'pipe', text: c, pos: i++ });
    } else if (c === ',') {
      toks.push({ kind: 'comma', text: c, pos: i++ });
    } else if (c === ':' && at(i + 1) === '=') {
      toks.push({ kind: 'declare', text: ':=', pos: i });
      i += 2;
    } else if (c === '=') {
      toks.push({ kind: 'assign', text: c, pos: i++ });
    } else if (c === '"') {
      i++;
      while (i < end && at(i) !== '"') {
        if (at(i) === '\\') i++;
        if (at(i) === '\n') throw new TemplateError('unterminated quoted string', begin);
        i++;
      }
      if (i >= end) throw new TemplateError('unterminated quoted string', begin);
      i++;
      toks.push({ kind: 'string', text: src.slice(begin, i), pos: begin });
    } else if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close === -1 || close >= end) throw new TemplateError('unterminated raw quoted string', begin);
      i = close + 1;
      toks.push({ kind: 'string', text: src.slice(begin, i), pos: begin });
    } else if (c === "'") {
      i++;
      while (i < end && at(i) !== "'") {
        if (at(i) === '\\') i++;
        i++;
      }
      if (i >= end) throw new TemplateError('unterminated character constant', begin);
      i++;
      toks.push({ kind: 'char', text: src.slice(begin, i), pos: begin });
    } else if (c === '$') {
      i++;
      while (i < end && /[\w]/.test(at(i))) i++;
      toks.push({ kind: 'var', text: src.slice(begin, i), pos: begin });
    } else if (c === '.' && !/[0-9]/.test(at(i + 1))) {
      i++;
      if (!/[A-Za-z_]/.test(at(i))) {
        toks.push({ kind: 'dot', text: '.', pos: begin });
        continue;
      }
      while (i < end && /\w/.test(at(i))) i++;
      toks.push({ kind: 'field', text: src.slice(begin, i), pos: begin });
    } else if (/[0-9+\-.]/.test(c)) {
      i++;
      while (i < end && /[0-9a-fA-FxXoObB_.+\-pPeEi]/.test(at(i))) {
        // A sign only after an exponent marker.
        if ((at(i) === '+' || at(i) === '-') && !/[eEpP]/.test(at(i - 1))) break;
        i++;
      }
      toks.push({ kind: 'number', text: src.slice(begin, i), pos: begin });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < end && /\w/.test(at(i))) i++;
      const word = src.slice(begin, i);
      toks.push({ kind: word === 'true' || word === 'false' ? 'bool' : 'ident', text: word, pos: begin });
    } else {
      throw new TemplateError(`unexpected "${c}" in command`, begin);
    }
  }
  toks.push({ kind: 'end', text: '', pos: end });
  return toks;
}

function unquote(tok: Tok): string {
  if (tok.text.startsWith('`')) return tok.text.slice(1, -1);
  try {
    return JSON.parse(tok.text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
  } catch {
    throw new TemplateError(`bad quoted string ${tok.text}`, tok.pos);
  }
}

function parseNumber(tok: Tok): number {
  const text = tok.text.replace(/_/g, '');
  let n: number;
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text, 16);
  else if (/^[+-]?0[oO]?[0-7]+$/.test(text) && text.replace(/^[+-]/, '') !== '0')
    n = Number.parseInt(text.replace(/0[oO]?/, ''), 8);
  else if (/^[+-]?0[bB][01]+$/.test(text)) n = Number.parseInt(text.replace(/0[bB]/, ''), 2);
  else n = Number(text);
  if (!Number.isFinite(n)) throw new TemplateError(`bad number syntax: "${tok.text}"`, tok.pos);
  return n;
}

/** One action of the template: its inside, where it sits and whether it trims around it. */
interface RawAction {
  readonly pos: number;
  readonly toks: Tok[];
}

type Item =
  | { readonly t: 'text'; readonly pos: number; readonly text: string }
  | { readonly t: 'action'; readonly a: RawAction };

/** Splits a template into text and actions, applying trim markers and dropping comments. */
function scan(src: string, left: string, right: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf(left, i);
    let text = src.slice(i, open === -1 ? src.length : open);
    let textPos = i;
    if (trimNext) {
      const trimmed = text.replace(/^[ \t\r\n]+/, '');
      textPos += text.length - trimmed.length;
      text = trimmed;
    }
    trimNext = false;
    if (open === -1) {
      if (text !== '') items.push({ t: 'text', pos: textPos, text });
      break;
    }
    let inner = open + left.length;
    if (src[inner] === '-' && SPACE.test(src[inner + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner += 2;
    }
    if (text !== '') items.push({ t: 'text', pos: textPos, text });
    // Comments: <</* … */>>.
    if (src.startsWith('/*', inner)) {
      const close = src.indexOf('*/', inner + 2);
      if (close === -1) throw new TemplateError('unclosed comment', open);
      let after = close + 2;
      if (src.startsWith(` -${right}`, after)) {
        trimNext = true;
        after += 2;
      }
      if (!src.startsWith(right, after))
        throw new TemplateError('comment ends before closing delimiter', open);
      i = after + right.length;
      continue;
    }
    // Find the closing delimiter outside quoted strings.
    let j = inner;
    let close = -1;
    while (j < src.length) {
      const c = src[j];
      if (c === '"' || c === "'") {
        j++;
        while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
        j++;
        continue;
      }
      if (c === '`') {
        const end = src.indexOf('`', j + 1);
        j = end === -1 ? src.length : end + 1;
        continue;
      }
      if (src.startsWith(right, j)) {
        close = j;
        break;
      }
      j++;
    }
    if (close === -1) throw new TemplateError('unclosed action', open);
    let innerEnd = close;
    if (src[close - 1] === '-' && SPACE.test(src[close - 2] ?? '') && close - 2 >= inner) {
      innerEnd = close - 1;
      trimNext = true;
    }
    items.push({ t: 'action', a: { pos: open, toks: lexAction(src, inner, innerEnd) } });
    i = close + right.length;
  }
  return items;
}

/** Recursive-descent parser over the items of {@link scan}. */
class Parser {
  #k = 0;
  readonly #items: Item[];
  readonly #functions: ReadonlySet<string>;
  constructor(items: Item[], functions: ReadonlySet<string>) {
    this.#items = items;
    this.#functions = functions;
  }

  /** Parses the whole template. */
  parse(): Node[] {
    const { list, end } = this.#list(false);
    if (end) throw new TemplateError(`unexpected {{${end.word}}}`, end.pos);
    return list;
  }

  /** Parses nodes until `end`/`else` (returned) or the end of the template. */
  #list(inBlock: boolean): {
    list: Node[];
    end: { word: 'end' | 'else'; pos: number; toks: Tok[]; k: number } | null;
  } {
    const list: Node[] = [];
    while (this.#k < this.#items.length) {
      const item = this.#items[this.#k++] as Item;
      if (item.t === 'text') {
        list.push({ t: 'text', pos: item.pos, text: item.text });
        continue;
      }
      const toks = item.a.toks.filter((t) => t.kind !== 'space');
      const first = toks[0] as Tok;
      const pos = item.a.pos;
      if (first.kind === 'ident') {
        switch (first.text) {
          case 'end':
          case 'else':
            if (!inBlock) throw new TemplateError(`unexpected {{${first.text}}}`, pos);
            return { list, end: { word: first.text, pos, toks: item.a.toks, k: this.#k } };
          case 'if':
          case 'with':
          case 'range':
            list.push(this.#control(first.text, item.a));
            continue;
          case 'break':
          case 'continue':
            list.push({ t: first.text, pos });
            continue;
          case 'define':
          case 'template':
          case 'block':
            throw new TemplateError(`"${first.text}" is not supported by netpol`, pos);
        }
      }
      if (first.kind === 'end') throw new TemplateError('missing value for command', pos);
      list.push({ t: 'action', pos, pipe: this.#pipeline(item.a.toks, 0, pos, 'end').pipe });
    }
    return { list, end: null };
  }

  #control(word: 'if' | 'with' | 'range', a: RawAction): Node {
    const start = a.toks.findIndex((t) => t.kind === 'ident' && t.text === word) + 1;
    const { pipe } = this.#pipeline(a.toks, start, a.pos, 'end');
    if (pipe.cmds.length === 0) throw new TemplateError(`missing value for ${word}`, a.pos);
    const body = this.#list(true);
    if (!body.end) throw new TemplateError(`unexpected EOF: {{${word}}} without {{end}}`, a.pos);
    let elseList: Node[] | null = null;
    if (body.end.word === 'else') {
      const toks = body.end.toks;
      const after = toks.slice(toks.findIndex((t) => t.kind === 'ident' && t.text === 'else') + 1);
      const next = after.find((t) => t.kind !== 'space');
      if (next && next.kind === 'ident' && (next.text === 'if' || next.text === 'with')) {
        // {{else if …}} is {{else}}{{if …}}…{{end}}{{end}}: the nested block takes the one {{end}}.
        elseList = [this.#control(next.text, { pos: body.end.pos, toks: after })];
        return { t: word, pos: a.pos, pipe, list: body.list, elseList };
      }
      const tail = this.#list(true);
      if (tail.end?.word !== 'end') throw new TemplateError(`expected {{end}} for {{${word}}}`, body.end.pos);
      elseList = tail.list;
    }
    return { t: word, pos: a.pos, pipe, list: body.list, elseList };
  }

  #pipeline(toks: Tok[], start: number, pos: number, stop: 'end' | 'rparen'): { pipe: Pipe; next: number } {
    let k = start;
    const skip = () => {
      while (toks[k]?.kind === 'space') k++;
    };
    skip();
    const decl: string[] = [];
    let assign = false;
    // Declarations: $x := / $x = / $i, $e :=
    const save = k;
    if (toks[k]?.kind === 'var') {
      const names = [toks[k]?.text as string];
      let j = k + 1;
      while (toks[j]?.kind === 'space') j++;
      if (toks[j]?.kind === 'comma') {
        j++;
        while (toks[j]?.kind === 'space') j++;
        if (toks[j]?.kind === 'var') {
          names.push(toks[j]?.text as string);
          j++;
          while (toks[j]?.kind === 'space') j++;
        }
      }
      if (toks[j]?.kind === 'declare' || toks[j]?.kind === 'assign') {
        decl.push(...names);
        assign = toks[j]?.kind === 'assign';
        k = j + 1;
      } else k = save;
    }
    const cmds: Cmd[] = [];
    for (;;) {
      skip();
      const tok = toks[k] as Tok;
      if (tok.kind === 'end' || (stop === 'rparen' && tok.kind === 'rparen')) break;
      const cmdPos = tok.pos;
      const args: Arg[] = [];
      for (;;) {
        skip();
        const t = toks[k] as Tok;
        if (t.kind === 'end' || t.kind === 'pipe' || t.kind === 'rparen') break;
        const { arg, next } = this.#operand(toks, k);
        args.push(arg);
        k = next;
        if (toks[k]?.kind !== 'space' && !['end', 'pipe', 'rparen'].includes(toks[k]?.kind ?? 'end'))
          throw new TemplateError(`unexpected "${toks[k]?.text}" in operand`, toks[k]?.pos ?? pos);
      }
      if (args.length === 0) throw new TemplateError('missing command', cmdPos);
      cmds.push({ pos: cmdPos, args });
      skip();
      if (toks[k]?.kind === 'pipe') {
        k++;
        continue;
      }
      break;
    }
    skip();
    const last = toks[k] as Tok;
    if (stop === 'end' && last.kind !== 'end')
      throw new TemplateError(`unexpected "${last.text}" in command`, last.pos);
    if (stop === 'rparen' && last.kind !== 'rparen') throw new TemplateError('unclosed left paren', pos);
    return { pipe: { pos, decl, assign, cmds }, next: k + 1 };
  }

  #operand(toks: Tok[], k: number): { arg: Arg; next: number } {
    const t = toks[k] as Tok;
    let arg: Arg;
    let next = k + 1;
    switch (t.kind) {
      case 'ident':
        if (t.text === 'nil') arg = { t: 'nil', pos: t.pos };
        else {
          if (!this.#functions.has(t.text))
            throw new TemplateError(`function "${t.text}" not defined`, t.pos);
          arg = { t: 'ident', pos: t.pos, name: t.text };
        }
        break;
      case 'dot':
        arg = { t: 'dot', pos: t.pos };
        break;
      case 'field':
        arg = { t: 'field', pos: t.pos, fields: [t.text.slice(1)] };
        break;
      case 'var':
        arg = { t: 'var', pos: t.pos, name: t.text, fields: [] };
        break;
      case 'string':
        arg = { t: 'const', pos: t.pos, value: unquote(t) };
        break;
      case 'char': {
        const s = unquote({ ...t, text: `"${t.text.slice(1, -1).replace(/"/g, '\\"')}"` });
        arg = { t: 'const', pos: t.pos, value: s.codePointAt(0) ?? 0 };
        break;
      }
      case 'number':
        arg = { t: 'const', pos: t.pos, value: parseNumber(t) };
        break;
      case 'bool':
        arg = { t: 'const', pos: t.pos, value: t.text === 'true' };
        break;
      case 'lparen': {
        const inner = this.#pipeline(toks, k + 1, t.pos, 'rparen');
        arg = { t: 'pipe', pos: t.pos, pipe: inner.pipe };
        next = inner.next;
        break;
      }
      default:
        throw new TemplateError(`unexpected "${t.text}" in operand`, t.pos);
    }
    // Field chains: .a.b after any term.
    const fields: string[] = [];
    while (toks[next]?.kind === 'field') {
      fields.push((toks[next] as Tok).text.slice(1));
      next++;
    }
    if (fields.length > 0) {
      if (arg.t === 'field') arg = { ...arg, fields: [...arg.fields, ...fields] };
      else if (arg.t === 'var') arg = { ...arg, fields };
      else if (arg.t === 'const' || arg.t === 'nil' || arg.t === 'dot')
        throw new TemplateError(`unexpected . after term "${t.text}"`, toks[next - 1]?.pos ?? t.pos);
      else arg = { t: 'chain', pos: arg.pos, node: arg, fields };
    }
    return { arg, next };
  }
}

/** The most characters one execution may write (a loop over a huge range would exhaust memory). */
const MAX_OUTPUT = 16 * 1024 * 1024;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

/** Go's truth: false, 0, "", nil and empty lists and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's `%v` of a JSON-like value (`fmt.Sprint`): maps as `map[k:v]` in key order, lists as `[a b]`. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${k}:${formatValue((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

/** Go's `%v` of a float64: shortest representation, exponent form from 1e21 (`strconv.FormatFloat(f, 'g', -1, 64)`). */
function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** A variable scope: a stack of name → value. */
type Vars = { name: string; value: unknown }[];

interface State {
  readonly out: string[];
  /** Per output chunk: its start in the output, its template offset and whether it is literal text. */
  readonly chunks: { out: number; tpl: number; literal: boolean }[];
  length: number;
  vars: Vars;
  /** Iterations left before the render is stopped (a loop or a huge range). */
  budget: number;
}

/** A parsed template. */
export class GoTemplate {
  readonly #nodes: Node[];
  readonly #functions: Readonly<Record<string, TemplateFunction>>;
  readonly #lazy: Readonly<Record<string, (args: readonly (() => unknown)[]) => unknown>>;

  /**
   * Parses a template.
   * @param text - The template.
   * @param functions - Functions beside the builtins (a name given here wins over a builtin).
   * @param delims - Left and right delimiters. Default: `{{`, `}}`.
   * @throws TemplateError on a syntax error or an undefined function.
   */
  constructor(
    text: string,
    functions: Readonly<Record<string, TemplateFunction>>,
    delims: readonly [string, string] = ['{{', '}}'],
  ) {
    this.#functions = { ...BUILTINS, ...functions };
    this.#lazy = LAZY;
    const names = new Set([...Object.keys(this.#functions), ...Object.keys(LAZY)]);
    this.#nodes = new Parser(scan(text, delims[0], delims[1]), names).parse();
  }

  /**
   * Executes the template with `dot` as data.
   * @param dot - The data (`.`).
   * @param budget - At most this many loop iterations and actions. Default: 1,000,000.
   * @returns The output and its map to template offsets.
   * @throws TemplateError when an action fails (a missing map key, a bad argument, a failing function).
   */
  execute(dot: unknown, budget = 1_000_000): TemplateOutput {
    const state: State = { out: [], chunks: [], length: 0, vars: [{ name: '$', value: dot }], budget };
    this.#walk(state, this.#nodes, dot);
    const text = state.out.join('');
    const chunks = state.chunks;
    return {
      text,
      templateOffset: (o) => {
        let lo = 0;
        let hi = chunks.length - 1;
        if (hi < 0) return 0;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if ((chunks[mid]?.out ?? 0) <= o) lo = mid;
          else hi = mid - 1;
        }
        const c = chunks[lo] as { out: number; tpl: number; literal: boolean };
        return c.literal ? c.tpl + (o - c.out) : c.tpl;
      },
    };
  }

  #emit(state: State, text: string, tpl: number, literal: boolean): void {
    if (text === '') return;
    if (state.length + text.length > MAX_OUTPUT)
      throw new TemplateError(`template renders more than ${MAX_OUTPUT / 1024 / 1024} MiB`, tpl);
    state.chunks.push({ out: state.length, tpl, literal });
    state.out.push(text);
    state.length += text.length;
  }

  #walk(state: State, nodes: readonly Node[], dot: unknown): typeof BREAK | typeof CONTINUE | undefined {
    for (const node of nodes) {
      if (--state.budget < 0) throw new TemplateError('template runs too long (a loop?)', node.pos);
      switch (node.t) {
        case 'text':
          this.#emit(state, node.text, node.pos, true);
          break;
        case 'action': {
          const v = this.#pipe(state, node.pipe, dot);
          if (node.pipe.decl.length === 0) this.#emit(state, printValue(v), node.pos, false);
          break;
        }
        case 'break':
          return BREAK;
        case 'continue':
          return CONTINUE;
        case 'if':
        case 'with':
        case 'range': {
          if (node.t === 'range') {
            const signal = this.#range(state, node, dot);
            if (signal) return signal;
            break;
          }
          const mark = state.vars.length;
          const v = this.#pipe(state, node.pipe, dot);
          let signal: typeof BREAK | typeof CONTINUE | undefined;
          if (isTrue(v)) signal = this.#walk(state, node.list, node.t === 'with' ? v : dot);
          else if (node.elseList) signal = this.#walk(state, node.elseList, dot);
          state.vars.length = mark;
          if (signal) return signal;
          break;
        }
      }
    }
    return undefined;
  }

  #range(
    state: State,
    node: Extract<Node, { t: 'if' | 'with' | 'range' }>,
    dot: unknown,
  ): typeof BREAK | typeof CONTINUE | undefined {
    const mark = state.vars.length;
    const pipe = { ...node.pipe, decl: [] };
    const v = this.#pipe(state, pipe, dot);
    let pairs: [unknown, unknown][];
    if (Array.isArray(v)) pairs = v.map((e, i) => [i, e]);
    else if (v !== null && typeof v === 'object')
      pairs = Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) {
      if (v > state.budget)
        throw new TemplateError('template runs too long (a range over a huge number)', node.pos);
      pairs = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
    } else if (v === null || v === undefined) pairs = [];
    else throw new TemplateError(`range can't iterate over ${formatValue(v)}`, node.pos);
    if (pairs.length === 0) {
      const signal = node.elseList ? this.#walk(state, node.elseList, dot) : undefined;
      state.vars.length = mark;
      return signal === BREAK || signal === CONTINUE ? undefined : signal;
    }
    for (const [key, elem] of pairs) {
      if (--state.budget < 0) throw new TemplateError('template runs too long (a loop?)', node.pos);
      const inner = state.vars.length;
      const decl = node.pipe.decl;
      if (decl.length === 1) state.vars.push({ name: decl[0] as string, value: elem });
      else if (decl.length === 2) {
        state.vars.push({ name: decl[0] as string, value: key });
        state.vars.push({ name: decl[1] as string, value: elem });
      }
      const signal = this.#walk(state, node.list, elem);
      state.vars.length = inner;
      if (signal === BREAK) break;
    }
    state.vars.length = mark;
    return undefined;
  }

  #pipe(state: State, pipe: Pipe, dot: unknown): unknown {
    let value: unknown;
    let piped = false;
    for (const cmd of pipe.cmds) {
      value = this.#command(state, cmd, dot, piped ? { value } : undefined);
      piped = true;
    }
    if (pipe.decl.length > 0) {
      if (pipe.assign) {
        const name = pipe.decl[0] as string;
        const slot = [...state.vars].reverse().find((x) => x.name === name);
        if (!slot) throw new TemplateError(`undefined variable: ${name}`, pipe.pos);
        slot.value = value;
      } else for (const name of pipe.decl) state.vars.push({ name, value });
    }
    return value;
  }

  #command(state: State, cmd: Cmd, dot: unknown, final: { value: unknown } | undefined): unknown {
    const [head, ...rest] = cmd.args as [Arg, ...Arg[]];
    if (head.t === 'ident') return this.#call(state, head, rest, dot, final);
    if (rest.length > 0 || final) {
      if (head.t === 'field' || head.t === 'chain' || head.t === 'var')
        return this.#arg(state, head, dot, rest.length > 0 || final !== undefined);
      throw new TemplateError(`can't give argument to non-function ${describe(head)}`, head.pos);
    }
    return this.#arg(state, head, dot, false);
  }

  #call(
    state: State,
    head: Extract<Arg, { t: 'ident' }>,
    rest: readonly Arg[],
    dot: unknown,
    final: { value: unknown } | undefined,
  ): unknown {
    const thunks = rest.map((a) => () => this.#arg(state, a, dot, false));
    if (final) thunks.push(() => final.value);
    try {
      const lazy = this.#lazy[head.name];
      if (lazy && !Object.hasOwn(this.#functions, head.name)) return lazy(thunks);
      const fn = this.#functions[head.name] as TemplateFunction;
      return fn(...thunks.map((t) => t()));
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      throw new TemplateError(
        `error calling ${head.name}: ${e instanceof Error ? e.message : String(e)}`,
        head.pos,
      );
    }
  }

  #arg(state: State, arg: Arg, dot: unknown, hasArgs: boolean): unknown {
    switch (arg.t) {
      case 'const':
        return arg.value;
      case 'nil':
        return null;
      case 'dot':
        return dot;
      case 'field':
        if (hasArgs) throw new TemplateError(`${describe(arg)} is not a method but has arguments`, arg.pos);
        return this.#fields(dot, arg.fields, arg.pos, 'dot');
      case 'var': {
        const slot = [...state.vars].reverse().find((x) => x.name === arg.name);
        if (!slot) throw new TemplateError(`undefined variable: ${arg.name}`, arg.pos);
        return this.#fields(slot.value, arg.fields, arg.pos, arg.name);
      }
      case 'chain': {
        const base =
          arg.node.t === 'ident'
            ? this.#call(state, arg.node, [], dot, undefined)
            : this.#arg(state, arg.node, dot, false);
        return this.#fields(base, arg.fields, arg.pos, describe(arg.node));
      }
      case 'pipe':
        return this.#pipe(state, { ...arg.pipe, decl: [] }, dot);
      case 'ident':
        return this.#call(state, arg, [], dot, undefined);
    }
  }

  #fields(base: unknown, fields: readonly string[], pos: number, from: string): unknown {
    let v = base;
    let path = from;
    for (const f of fields) {
      if (v === null || v === undefined)
        throw new TemplateError(`nil pointer evaluating interface {}.${f} (at ${path})`, pos);
      if (typeof v !== 'object' || Array.isArray(v))
        throw new TemplateError(`can't evaluate field ${f} in type ${goType(v)} (at ${path})`, pos);
      if (!Object.hasOwn(v, f))
        throw new TemplateError(`map has no entry for key "${f}" (at ${path})`, pos, 'missing-key');
      v = (v as Record<string, unknown>)[f];
      path = `${path}.${f}`;
    }
    return v;
  }
}

function describe(arg: Arg): string {
  switch (arg.t) {
    case 'ident':
      return arg.name;
    case 'field':
      return `.${arg.fields.join('.')}`;
    case 'var':
      return [arg.name, ...arg.fields].join('.');
    case 'chain':
      return `${describe(arg.node)}.${arg.fields.join('.')}`;
    case 'const':
      return JSON.stringify(arg.value);
    case 'nil':
      return 'nil';
    case 'dot':
      return '.';
    case 'pipe':
      return '(…)';
  }
}

/** Go's type name of a JSON-like value, for messages. */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** What an action prints: `%v`, and `<no value>` for nil (text/template `printValue`). */
function printValue(v: unknown): string {
  return v === null || v === undefined ? '<no value>' : formatValue(v);
}

function compare(a: unknown, b: unknown, pos = 0): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`incompatible types for comparison: ${goType(a)} and ${goType(b)}`, pos);
}

function basicEq(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined)
    return (a === null || a === undefined) && (b === null || b === undefined);
  if (typeof a !== typeof b)
    throw new Error(`incompatible types for comparison: ${goType(a)} and ${goType(b)}`);
  if (typeof a === 'object') throw new Error(`non-comparable type ${goType(a)}`);
  return a === b;
}

function indexOf(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k))
        throw new Error(`cannot index slice/array with type ${goType(k)}`);
      if (k < 0 || k >= v.length) throw new Error(`index out of range: ${k}`);
      v = Array.isArray(v) ? v[k] : v.charCodeAt(k);
    } else if (v !== null && typeof v === 'object') {
      // A missing key gives the zero value, not an error (text/template `index`).
      v = Object.hasOwn(v, String(k)) ? (v as Record<string, unknown>)[String(k)] : null;
    } else if (v === null || v === undefined) throw new Error('index of untyped nil');
    else throw new Error(`can't index item of type ${goType(v)}`);
  }
  return v;
}

/** `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %t %f %x %%` with width and precision. */
export function sprintf(format: string, ...args: unknown[]): string {
  let n = 0;
  return (
    format.replace(
      /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
      (_m, flags: string, width: string, prec: string, verb: string) => {
        if (verb === '%') return '%';
        if (n >= args.length) return `%!${verb}(MISSING)`;
        const a = args[n++];
        let s: string;
        switch (verb) {
          case 'd':
            s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${goType(a)}=${formatValue(a)})`;
            break;
          case 'q':
            s = JSON.stringify(typeof a === 'string' ? a : formatValue(a));
            break;
          case 'f':
            s =
              typeof a === 'number'
                ? a.toFixed(prec === undefined ? 6 : Number(prec))
                : `%!f(${goType(a)}=${formatValue(a)})`;
            break;
          case 'x':
            s =
              typeof a === 'number'
                ? a.toString(16)
                : [...new TextEncoder().encode(formatValue(a))]
                    .map((b) => b.toString(16).padStart(2, '0'))
                    .join('');
            break;
          default:
            s = formatValue(a);
            if (verb === 's' && prec !== undefined) s = s.slice(0, Number(prec));
        }
        if (width !== undefined) {
          const w = Number(width);
          s = flags.includes('-')
            ? s.padEnd(w)
            : s.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
        }
        return s;
      },
    ) +
    (n < args.length
      ? `%!(EXTRA ${args
          .slice(n)
          .map((a) => `${goType(a)}=${formatValue(a)}`)
          .join(', ')})`
      : '')
  );
}

/** `fmt.Sprint`: spaces between operands when neither is a string. */
function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

const BUILTINS: Record<string, TemplateFunction> = {
  not: (a) => !isTrue(a),
  eq: (a, ...bs) => {
    if (bs.length === 0) throw new Error('missing argument for comparison');
    return bs.some((b) => basicEq(a, b));
  },
  ne: (a, b) => !basicEq(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  len: (a) => {
    if (typeof a === 'string') return new TextEncoder().encode(a).length;
    if (Array.isArray(a)) return a.length;
    if (a !== null && typeof a === 'object') return Object.keys(a).length;
    throw new Error(`len of type ${goType(a)}`);
  },
  index: (item, ...keys) => indexOf(item, ...keys),
  print: (...args) => sprint(args),
  println: (...args) => `${args.map(formatValue).join(' ')}\n`,
  printf: (format, ...args) => sprintf(String(format), ...args),
  slice: (item, ...idx) => {
    if (!Array.isArray(item) && typeof item !== 'string')
      throw new Error(`can't slice item of type ${goType(item)}`);
    const [i = 0, j = item.length] = idx as number[];
    if (i < 0 || j > item.length || i > j) throw new Error(`index out of range: ${i}:${j}`);
    return item.slice(i, j);
  },
};

const LAZY: Record<string, (args: readonly (() => unknown)[]) => unknown> = {
  and: (args) => {
    if (args.length === 0) throw new Error('wrong number of args for and: want at least 1 got 0');
    let v: unknown;
    for (const a of args) {
      v = a();
      if (!isTrue(v)) return v;
    }
    return v;
  },
  or: (args) => {
    if (args.length === 0) throw new Error('wrong number of args for or: want at least 1 got 0');
    let v: unknown;
    for (const a of args) {
      v = a();
      if (isTrue(v)) return v;
    }
    return v;
  },
};
