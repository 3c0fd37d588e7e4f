import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type ParsedFile, parseYamlFile } from '../../src/repo/documents.js';
import {
  documentCuts,
  type ParsePoolOptions,
  parseWorkerCounts,
  parseYamlFiles,
  usesWorkers,
  type YamlSource,
} from '../../src/repo/parse-pool.js';

/** netpol's own example repository (Cilium's examples are read only by test/conformance). */
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');

const EXAMPLE_SOURCES: YamlSource[] = fs
  .readdirSync(EXAMPLES, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
  .map((e) => path.join(e.parentPath, e.name))
  .sort()
  .map((f) => ({ file: path.relative(EXAMPLES, f), text: fs.readFileSync(f, 'utf8') }));

const BROKEN = 'a: 1\n---\nb: [1, 2\nc: 3\n---\nd: &x {k: v}\ne: *x\n---\nf: !foo bar\n';

/** Every file at once (cut into many pieces), one with syntax errors and warnings, one with a BOM and CRLF. */
const SOURCES: YamlSource[] = [
  ...EXAMPLE_SOURCES,
  { file: 'all.yaml', text: EXAMPLE_SOURCES.map((s) => s.text).join('\n---\n') },
  { file: 'broken.yaml', text: Array(40).fill(BROKEN).join('---\n') },
  { file: 'aliases.yaml', text: Array(200).fill('a: &x {k: [v]}\nb: *x\nc: *x\n').join('---\n') },
  { file: 'crlf.yaml', text: `\ufeff${Array(300).fill('a: 1\r\nb:\r\n  - "x"\r\n').join('---\r\n')}` },
];

/** A parsed file as comparable data (the line index is a class; its positions show in the SourceRefs). */
function summary(parsed: ParsedFile) {
  return {
    file: parsed.file,
    documents: parsed.documents.map((d) => ({
      file: d.file,
      index: d.index,
      valid: d.valid,
      aliased: d.aliased,
      root: d.root,
      text: d.text,
    })),
    diagnostics: parsed.diagnostics,
  };
}

const EXPECTED = SOURCES.map((s) => summary(parseYamlFile(s.file, s.text)));

async function parseAll(sources: readonly YamlSource[], options: ParsePoolOptions): Promise<ParsedFile[]> {
  const out: ParsedFile[] = [];
  for await (const parsed of parseYamlFiles(sources, options)) out.push(parsed);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-parse-pool-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A worker module in plain JavaScript, written to a temporary file. */
function workerModule(name: string, code: string): URL {
  const file = path.join(tmp, `${name}.mjs`);
  fs.writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${code}\n`);
  return pathToFileURL(file);
}

describe('documentCuts', () => {
  const text = 'a: 1\n---\nb: 2\n--- |\n  x\n---x: 3\n---\r\nc: 4\n--- # c\nd\n';

  it('cuts only before `---` lines that start a document', () => {
    expect(documentCuts(text, 1)).toEqual([0, 5, 14, 32, 42]);
    expect(documentCuts(text, 20)).toEqual([0, 32]);
    expect(documentCuts('a\n---', 1)).toEqual([0, 2]);
  });

  it('does not cut small texts, or texts with directives', () => {
    expect(documentCuts(text, text.length)).toEqual([0]);
    expect(documentCuts('%YAML 1.1\n---\na: 1\n---\nb: 2\n', 1)).toEqual([0]);
    expect(documentCuts('a: 1\n---\n%TAG ! tag:x,2000:\n---\nb: 2\n', 1)).toEqual([0]);
  });
});

describe('usesWorkers', () => {
  const small = [
    { file: 'a', text: 'x'.repeat(600_000) },
    { file: 'b', text: 'x'.repeat(400_000) },
  ];
  const large = [...small, { file: 'c', text: 'x'.repeat(100_000) }];

  it('starts workers only for more than 1 MiB of text', () => {
    expect(usesWorkers(small)).toBe(false);
    expect(usesWorkers(large, { workers: 2 })).toBe(true);
    expect(usesWorkers(large, { workers: 0 })).toBe(false);
    expect(usesWorkers([{ file: 'big', text: 'x'.repeat(1_100_000) }], { workers: 2 })).toBe(true);
    expect(usesWorkers([{ file: 'big', text: 'x'.repeat(1_100_000) }], { workers: 2, pieceChars: 2e6 })).toBe(
      false,
    );
  });

  it('reports a file that is not text as parseYamlFile does, on worker threads too', async () => {
    const sources = [...SOURCES.slice(0, 3), { file: 'bin.yaml', text: 'a: \u0000'.repeat(5000) }];
    const parsed = await parseAll(sources, { workers: 1, minChars: 0, pieceChars: 8192 });
    expect(parsed.map(summary)).toEqual(sources.map((s) => summary(parseYamlFile(s.file, s.text))));
    expect(parsed[3]?.diagnostics.map((d) => [d.code, d.source?.line, d.source?.column])).toEqual([
      ['NOT_TEXT', 1, 1],
    ]);
  });

  it('parses a small input on the calling thread, starting no worker', async () => {
    const before = parseWorkerCounts().started;
    const parsed = await parseAll(SOURCES.slice(0, 20), {});
    expect(parsed.map(summary)).toEqual(EXPECTED.slice(0, 20));
    expect(parseWorkerCounts().started).toBe(before);
  });
});

describe('parseYamlFiles on worker threads', () => {
  it('yields, in order, exactly what parseYamlFile returns, and stops its workers', async () => {
    const before = parseWorkerCounts().started;
    const out: ParsedFile[] = [];
    let liveWhileParsing = -1;
    for await (const parsed of parseYamlFiles(SOURCES, { workers: 2, minChars: 0, pieceChars: 8192 })) {
      if (out.length === 0) liveWhileParsing = parseWorkerCounts().live;
      out.push(parsed);
    }
    expect(parseWorkerCounts().started - before).toBe(2);
    expect(liveWhileParsing).toBe(2);
    expect(parseWorkerCounts().live).toBe(0);
    expect(out.map(summary)).toEqual(EXPECTED);
    // Aliased nodes are still shared after crossing the thread boundary.
    const doc = out.find((p) => p.file === 'aliases.yaml')?.documents[150];
    const root = doc?.root;
    if (root?.kind !== 'map') throw new Error('no map');
    expect(doc?.aliased).toBe(true);
    expect(root.entries[1]?.value).toBe(root.entries[0]?.value);
    expect(root.entries[2]?.value).toBe(root.entries[0]?.value);
  });

  it('stops its workers when the caller stops early', async () => {
    let seen = 0;
    for await (const _ of parseYamlFiles(SOURCES, { workers: 2, minChars: 0 })) {
      seen++;
      break;
    }
    expect(seen).toBe(1);
    expect(parseWorkerCounts().live).toBe(0);
  });
});

describe('parseYamlFiles when workers fail', () => {
  it.each([
    ['cannot start', () => pathToFileURL(path.join(tmp, 'missing-worker.mjs'))],
    ['throws when loaded', () => workerModule('throws', "throw new Error('boom');")],
    [
      'throws on a task',
      () => workerModule('crashes', "parentPort.on('message', () => { throw new Error('boom'); });"),
    ],
    ['exits on a task', () => workerModule('exits', "parentPort.on('message', () => process.exit(3));")],
    [
      'answers with an error',
      () =>
        workerModule(
          'refuses',
          "parentPort.on('message', (t) => parentPort.postMessage({ id: t.id, error: 'no' }));",
        ),
    ],
    [
      'answers with trees it did not pack',
      () =>
        workerModule(
          'garbled',
          "parentPort.on('message', (t) => parentPort.postMessage({ id: t.id, pieces: t.pieces.map(() => ({ documents: [{ valid: true, aliased: false }], diagnostics: [] })), trees: { ints: new Int32Array([6, 99]), values: [] } }));",
        ),
    ],
    [
      'answers with null',
      () => workerModule('null', "parentPort.on('message', () => parentPort.postMessage(null));"),
    ],
    [
      'answers with nonsense',
      () =>
        workerModule(
          'nonsense',
          "parentPort.on('message', (t) => parentPort.postMessage({ id: t.id, results: [] }));",
        ),
    ],
  ])('still yields what parseYamlFile returns when a worker %s', async (_name, url) => {
    const out = await parseAll(SOURCES, { workers: 2, minChars: 0, pieceChars: 8192, workerUrl: url() });
    expect(out.map(summary)).toEqual(EXPECTED);
    expect(parseWorkerCounts().live).toBe(0);
  });

  it('reads a cut file with diagnostics again whole: same diagnostics as one pass', async () => {
    const text = `${Array(50).fill('a: 1\n').join('---\n')}---\nb: [1, 2\nc: 3\n---\nd: 4\n`;
    const [parsed] = await parseAll([{ file: 'f.yaml', text }], {
      workers: 1,
      minChars: 0,
      pieceChars: 16,
      workerUrl: workerModule('none', ''),
    });
    expect(parsed?.documents).toHaveLength(52);
    expect(parsed?.diagnostics.map((d) => [d.code, d.source?.line, d.source?.column])).toEqual([
      ['YAML_SYNTAX', 101, 4],
    ]);
    expect(parsed && summary(parsed)).toEqual(summary(parseYamlFile('f.yaml', text)));
  });
});
