/**
 * Parses many YAML files with the `yaml` package on worker threads, for repositories large enough to
 * pay for starting them (a worker starts in about 0.2 s; the `yaml` parser reads 3–4 MB/s on one core,
 * and 20,000 policies are about 8 MiB). Files are cut into pieces of whole documents at `---` lines,
 * pieces are grouped into tasks of about the same size and spread over the workers; each worker returns
 * the light syntax trees (`yaml-tree.ts`) packed into one transferable buffer, and the main thread ties
 * them to their files, in file order, while the next tasks are still being parsed.
 * @module
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  assembleParsedFile,
  notTextFile,
  type ParsedFile,
  parseYamlFile,
  parseYamlText,
  type RawParse,
  stripBom,
} from './documents.js';
import { type PackedTrees, packTrees, unpackTrees, type YamlNode } from './yaml-tree.js';

/** A file to parse: the name used in its SourceRefs and its text. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
}

/** Options of {@link parseYamlFiles}. */
export interface ParsePoolOptions {
  /**
   * Worker threads at most. Default: `os.availableParallelism()`, at most {@link MAX_WORKERS}, and none
   * on a single core. `0` parses every file on the calling thread.
   */
  readonly workers?: number;
  /**
   * Inputs whose texts add up to fewer UTF-16 code units than this are parsed on the calling thread,
   * with no worker started. Default: {@link MIN_PARALLEL_CHARS} (1 MiB of ASCII).
   */
  readonly minChars?: number;
  /** Target size of a piece of a file and of a task sent to a worker, in UTF-16 code units. Default: 256 Ki. */
  readonly pieceChars?: number;
  /**
   * The worker module. Default: `parse-worker.js` (or `.ts` when running from the TypeScript sources) next
   * to this module. Tests pass a failing one.
   */
  readonly workerUrl?: URL;
}

/** Most worker threads {@link parseYamlFiles} starts. */
export const MAX_WORKERS = 4;
/** Default {@link ParsePoolOptions.minChars}: smaller inputs are parsed without workers. */
export const MIN_PARALLEL_CHARS = 1 << 20;
const DEFAULT_PIECE_CHARS = 256 * 1024;

/** Workers started and not yet terminated, across pools. */
const live = new Set<Worker>();
let started = 0;

/**
 * Counts of parse workers, for tests and diagnostics of the pool itself.
 * @returns `started`: workers started since the process began; `live`: those not terminated yet.
 */
export function parseWorkerCounts(): { readonly started: number; readonly live: number } {
  return { started, live: live.size };
}

/** A task sent to a worker: pieces of files with their offsets in their files. */
export interface ParseTaskMessage {
  readonly id: number;
  readonly pieces: readonly { readonly text: string; readonly base: number }[];
}

/**
 * A worker's answer to a {@link ParseTaskMessage}: per piece its documents' flags and its diagnostics, and
 * the trees of all the task's documents packed together (see {@link packResults}); or why it failed.
 */
export interface ParseResultMessage {
  readonly id: number;
  readonly pieces?: readonly {
    readonly documents: readonly { readonly valid: boolean; readonly aliased: boolean }[];
    readonly diagnostics: RawParse['diagnostics'];
  }[];
  readonly trees?: PackedTrees;
  readonly error?: string;
}

/**
 * The answer to a task: the results of its pieces, their trees packed into one transferable buffer.
 * @param id - The task's id.
 * @param results - One result per piece, in order.
 * @returns The message, and the buffer to transfer with it.
 */
export function packResults(
  id: number,
  results: readonly RawParse[],
): { message: ParseResultMessage; transfer: ArrayBuffer[] } {
  const trees = packTrees(results.flatMap((r) => r.documents));
  const pieces = results.map((r) => ({
    documents: r.documents.map((d) => ({ valid: d.valid, aliased: d.aliased })),
    diagnostics: r.diagnostics,
  }));
  return { message: { id, pieces, trees }, transfer: [trees.ints.buffer as ArrayBuffer] };
}

/**
 * The results a {@link packResults} message holds.
 * @param message - The worker's answer.
 * @param count - How many pieces the task had.
 * @returns One result per piece, or `undefined` when the message is not a complete answer.
 */
export function unpackResults(message: ParseResultMessage, count: number): RawParse[] | undefined {
  const { pieces, trees } = message;
  if (!pieces || !trees || pieces.length !== count) return undefined;
  let roots: (YamlNode | null)[];
  try {
    roots = unpackTrees(
      trees,
      pieces.flatMap((p) => p.documents.map((d) => d.aliased)),
    );
  } catch {
    return undefined;
  }
  let next = 0;
  return pieces.map((p) => ({
    documents: p.documents.map((d) => ({ root: roots[next++] ?? null, valid: d.valid, aliased: d.aliased })),
    diagnostics: p.diagnostics,
  }));
}

/**
 * The offsets at which `text` can be cut into pieces of about `pieceChars` code units, each a run of whole
 * documents: a cut is made only before a `---` line, which the `yaml` lexer always takes for the start of
 * a new document (inside block, quoted and plain scalars and flow collections too). A text with
 * directives (`%YAML`, `%TAG`: a line starting with `%`) is not cut, as a directive applies to the
 * documents after it.
 * @param text - The file text, without byte-order mark.
 * @param pieceChars - Target size of a piece.
 * @returns The start offsets of the pieces, the first being 0.
 */
export function documentCuts(text: string, pieceChars: number): number[] {
  const cuts = [0];
  if (text.length <= pieceChars || text.startsWith('%') || text.includes('\n%')) return cuts;
  let from = pieceChars;
  while (from < text.length) {
    let at = text.indexOf('\n---', from - 1);
    while (at !== -1 && !isDocumentStart(text, at + 1)) at = text.indexOf('\n---', at + 4);
    if (at === -1) break;
    cuts.push(at + 1);
    from = at + 1 + pieceChars;
  }
  return cuts;
}

function isDocumentStart(text: string, at: number): boolean {
  const c = text.charCodeAt(at + 3);
  // End of text, space, tab, CR or LF after `---`, as the `yaml` lexer's isEmpty.
  return Number.isNaN(c) || c === 32 || c === 9 || c === 13 || c === 10;
}

/** True when {@link parseYamlFiles} would start workers for these files with these options. */
export function usesWorkers(sources: readonly YamlSource[], options: ParsePoolOptions = {}): boolean {
  const minChars = options.minChars ?? MIN_PARALLEL_CHARS;
  let chars = 0;
  for (const s of sources) chars += s.text.length;
  const pieceChars = options.pieceChars ?? DEFAULT_PIECE_CHARS;
  return workerCount(options) > 0 && chars >= minChars && (sources.length > 1 || chars > pieceChars);
}

function workerCount(options: ParsePoolOptions): number {
  if (options.workers !== undefined) return Math.max(0, Math.floor(options.workers));
  // On one core, workers only add the cost of copying the trees between threads.
  const cores = os.availableParallelism();
  return cores < 2 ? 0 : Math.min(cores, MAX_WORKERS);
}

/**
 * Parses files as {@link parseYamlFile} does, on worker threads when the input is large enough (see
 * {@link ParsePoolOptions}), and yields the parsed files in the order given. The workers are terminated
 * when the last file was yielded or the caller stops iterating (`for await … break`/throw).
 * A worker that fails (cannot start, crashes, or cannot send its result) costs time, not results: its
 * tasks go to the other workers or, when none is left, are parsed on the calling thread.
 * @param sources - The files, in the order wanted.
 * @param options - See {@link ParsePoolOptions}.
 * @returns The parsed files, one per source, in order; the same values {@link parseYamlFile} returns.
 */
export async function* parseYamlFiles(
  sources: readonly YamlSource[],
  options: ParsePoolOptions = {},
): AsyncGenerator<ParsedFile, void, undefined> {
  if (!usesWorkers(sources, options)) {
    for (const s of sources) yield parseYamlFile(s.file, s.text);
    return;
  }
  const pool = new ParsePool(sources, options);
  try {
    for (const file of pool.files) yield await file.done;
  } finally {
    await pool.close();
  }
}

interface FileState {
  readonly file: string;
  readonly text: string;
  readonly pieces: (RawParse | undefined)[];
  missing: number;
  readonly done: Promise<ParsedFile>;
  resolve(parsed: ParsedFile): void;
}

interface Piece {
  readonly file: FileState;
  readonly index: number;
  readonly base: number;
  readonly text: string;
}

interface Task {
  readonly id: number;
  readonly pieces: readonly Piece[];
  readonly chars: number;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
  chars: number;
  dead: boolean;
}

class ParsePool {
  readonly files: FileState[];
  readonly #workers: PoolWorker[] = [];
  readonly #url: URL;
  #closing = false;

  constructor(sources: readonly YamlSource[], options: ParsePoolOptions) {
    const pieceChars = Math.max(1, options.pieceChars ?? DEFAULT_PIECE_CHARS);
    this.#url = options.workerUrl ?? defaultWorkerUrl();
    this.files = sources.map((s) => {
      let resolve: (parsed: ParsedFile) => void = () => {};
      const done = new Promise<ParsedFile>((r) => {
        resolve = r;
      });
      return { file: s.file, text: stripBom(s.text), pieces: [], missing: 0, done, resolve };
    });
    const tasks: Task[] = [];
    let pending: Piece[] = [];
    let pendingChars = 0;
    const flush = () => {
      if (pending.length === 0) return;
      tasks.push({ id: tasks.length, pieces: pending, chars: pendingChars });
      pending = [];
      pendingChars = 0;
    };
    for (const file of this.files) {
      const binary = notTextFile(file.file, file.text);
      if (binary) {
        file.resolve(binary);
        continue;
      }
      const cuts = documentCuts(file.text, pieceChars);
      file.missing = cuts.length;
      cuts.forEach((base, index) => {
        const text = file.text.slice(base, cuts[index + 1] ?? file.text.length);
        file.pieces.push(undefined);
        pending.push({ file, index, base, text });
        pendingChars += text.length;
        if (pendingChars >= pieceChars) flush();
      });
    }
    flush();
    const count = Math.min(workerCount(options), tasks.length);
    for (let i = 0; i < count; i++) this.#start();
    this.#assign(tasks);
  }

  /** Terminates the workers; pending results are dropped. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }

  #start(): void {
    let worker: Worker;
    try {
      worker = startWorker(this.#url);
    } catch {
      return;
    }
    started++;
    live.add(worker);
    worker.once('exit', () => live.delete(worker));
    const entry: PoolWorker = { worker, tasks: new Map(), chars: 0, dead: false };
    this.#workers.push(entry);
    worker.on('message', (message: ParseResultMessage) => this.#onResult(entry, message));
    worker.on('error', () => this.#fail(entry));
    worker.on('messageerror', () => this.#fail(entry));
    worker.on('exit', () => {
      if (!this.#closing) this.#fail(entry);
    });
  }

  /** Sends each task to the live worker with the least work, or parses it here when none is left. */
  #assign(tasks: readonly Task[]): void {
    for (const task of tasks) {
      let target: PoolWorker | undefined;
      for (const w of this.#workers) if (!w.dead && (!target || w.chars < target.chars)) target = w;
      if (target && this.#post(target, task)) continue;
      this.#complete(task, parseHere(task));
    }
  }

  #post(target: PoolWorker, task: Task): boolean {
    const message: ParseTaskMessage = {
      id: task.id,
      pieces: task.pieces.map((p) => ({ text: p.text, base: p.base })),
    };
    try {
      target.worker.postMessage(message);
    } catch {
      return false;
    }
    target.tasks.set(task.id, task);
    target.chars += task.chars;
    return true;
  }

  #onResult(entry: PoolWorker, message: ParseResultMessage): void {
    if (typeof message !== 'object' || message === null) {
      this.#fail(entry);
      return;
    }
    const task = entry.tasks.get(message.id);
    if (!task) return;
    entry.tasks.delete(message.id);
    entry.chars -= task.chars;
    // A worker that could not parse a task (it should never happen) leaves it to this thread.
    this.#complete(task, unpackResults(message, task.pieces.length) ?? parseHere(task));
  }

  /** A worker failed: it is stopped and its unfinished tasks go to the others (or to this thread). */
  #fail(entry: PoolWorker): void {
    if (entry.dead) return;
    entry.dead = true;
    void entry.worker.terminate();
    const orphans = [...entry.tasks.values()];
    entry.tasks.clear();
    entry.chars = 0;
    this.#assign(orphans);
  }

  #complete(task: Task, results: readonly RawParse[]): void {
    task.pieces.forEach((piece, i) => {
      const file = piece.file;
      if (file.pieces[piece.index] !== undefined) return;
      file.pieces[piece.index] = results[i];
      file.missing--;
      if (file.missing === 0) this.#finish(file);
    });
  }

  #finish(file: FileState): void {
    const pieces = file.pieces as RawParse[];
    // A file cut into pieces that has any syntax finding is read again whole, so that its diagnostics
    // are exactly those of one `yaml` pass over the file.
    if (pieces.length > 1 && pieces.some((p) => p.diagnostics.length > 0)) {
      file.resolve(assembleParsedFile(file.file, file.text, [parseYamlText(file.text)]));
    } else file.resolve(assembleParsedFile(file.file, file.text, pieces));
  }
}

function parseHere(task: Task): RawParse[] {
  return task.pieces.map((p) => parseYamlText(p.text, p.base));
}

/** `parse-worker.js` next to this module, or `parse-worker.ts` when this module runs from its sources. */
function defaultWorkerUrl(): URL {
  return new URL(
    import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js',
    import.meta.url,
  );
}

/**
 * Starts a worker on a module. A TypeScript module (tests, `tsx` scripts) is loaded through `tsx`, a
 * development dependency: the compiled package never needs it.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true });
}
