import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../src/lint/rules/index.js';
import { lintWith } from './rule-tester.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RULE_DIR = path.join(ROOT, 'src/lint/rules');
const DOC_DIR = path.join(ROOT, 'docs/rules');

/** One ❌ or ✅ example of a docs page: its files (from `# file:` first lines, default example.yaml). */
interface DocExample {
  readonly kind: 'incorrect' | 'correct';
  readonly title: string;
  readonly files: Record<string, string>;
}

/** The examples of a docs page: each ❌/✅ line, then the ```yaml blocks up to the next one or heading. */
function docExamples(markdown: string): DocExample[] {
  const out: { kind: DocExample['kind']; title: string; files: Record<string, string> }[] = [];
  const lines = markdown.split('\n');
  let current: (typeof out)[number] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('❌') || line.startsWith('✅')) {
      current = { kind: line.startsWith('❌') ? 'incorrect' : 'correct', title: line, files: {} };
      out.push(current);
      continue;
    }
    if (line.startsWith('## ')) {
      current = undefined;
      continue;
    }
    if (line.startsWith('```yaml') && current) {
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push(lines[i] ?? '');
      const file = /^# file: (\S+)$/.exec(body[0] ?? '')?.[1] ?? 'example.yaml';
      current.files[file] = `${body.join('\n')}\n`;
    }
  }
  return out;
}

describe('lint rule registry', () => {
  const files = fs
    .readdirSync(RULE_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.slice(0, -3))
    .sort();
  const docs = fs
    .readdirSync(DOC_DIR)
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();

  it('has one module and one docs page per registered rule, and nothing else', () => {
    expect(Object.keys(rules).sort()).toEqual(files);
    expect(docs).toEqual(files);
    expect(files).toHaveLength(24);
  });

  it.each(Object.entries(rules))('%s: id, docsUrl, frozen, one-sentence description', (key, rule) => {
    expect(rule.id).toBe(key);
    expect(rule.docsUrl).toBe(`docs/rules/${key}.md`);
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule.options)).toBe(true);
    expect(rule.description).toMatch(/^[A-Z].*\.$/);
    expect(['error', 'warning', 'info']).toContain(rule.severity);
    for (const id of Object.keys(rule.hints ?? {})) expect(Object.keys(rule.messages)).toContain(id);
  });
});

describe.each(Object.entries(rules))('docs/rules/%s.md', (id, rule) => {
  const markdown = fs.readFileSync(path.join(DOC_DIR, `${id}.md`), 'utf8');

  it('states the id, severity, fixability, description and every option', () => {
    expect(markdown.split('\n')[0]).toBe(`# ${id}`);
    expect(markdown).toContain(`**Severity:** ${rule.severity}`);
    expect(markdown).toContain(`**Fixable:** ${rule.fixable ? 'yes' : 'no'}`);
    expect(markdown).toContain(rule.description);
    for (const option of Object.keys(rule.options)) expect(markdown).toContain(`${option}:`);
  });

  const examples = docExamples(markdown);
  it('has ❌ and ✅ examples', () => {
    expect(examples.filter((e) => e.kind === 'incorrect').length).toBeGreaterThan(0);
    expect(examples.filter((e) => e.kind === 'correct').length).toBeGreaterThan(0);
  });
  it.each(examples.map((e) => [e.title, e] as const))('%s', (_, example) => {
    expect(Object.keys(example.files).length).toBeGreaterThan(0);
    const findings = lintWith(rule, example.files);
    if (example.kind === 'incorrect') expect(findings.length).toBeGreaterThan(0);
    else expect(findings.map((f) => f.message)).toEqual([]);
  });
});
