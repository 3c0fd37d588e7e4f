import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { parseListen } from '../../src/cli/commands/ui.js';
import { isLoopbackHost } from '../../src/cli/ui/server.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';

describe('netpol ui', () => {
  it('serves the repository on 127.0.0.1 until stopped (bin/netpol.js, built)', async () => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin/netpol.js'), 'ui', '-R', 'examples/homelab', '--listen', '127.0.0.1:0'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`netpol ui exited with ${code}`)));
      });
      const m = /^netpol ui: serving (.+) at (http:\/\/127\.0\.0\.1:\d+\/) \(read-only; Ctrl-C stops\)$/.exec(
        first,
      );
      expect(m?.[1]).toBe(path.join(PROJECT_ROOT, 'examples/homelab'));
      const meta = (await (await fetch(`${m?.[2]}api/meta`)).json()) as { namespaces: string[] };
      expect(meta.namespaces).toHaveLength(13);
      // The page itself: the bundled CLI (dist/cli) finds dist/ui beside it.
      const page = await fetch(m?.[2] ?? '');
      expect([page.status, (await page.text()).includes('<title>netpol</title>')]).toEqual([200, true]);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it.each([
    [
      ['ui', '--listen', '7070'],
      "error: option '--listen <host:port>' argument '7070' is invalid. \"7070\" is not HOST:PORT (e.g. 127.0.0.1:7070).\n(run with --help for usage)\n",
    ],
    [
      ['ui', '--flows', '-'],
      'error: netpol ui reads flows again after each change; give --flows a file or --server a Hubble Relay, not standard input.\n',
    ],
    [
      ['ui', '--flows', 'f.jsonl', '--server', 'localhost:4245'],
      'error: --flows and --server cannot be combined: read a capture or a Relay, not both.\n',
    ],
    [
      ['ui', '--watch', 'localhost:9090'],
      "error: option '--watch <url>' argument 'localhost:9090' is invalid. \"localhost:9090\" is not an http(s) URL.\n(run with --help for usage)\n",
    ],
    [
      ['ui', '--watch', 'http://127.0.0.1:9090', '--flows', 'f.jsonl'],
      'error: --watch shows the drops of netpol watch; it cannot be combined with --flows or --server.\n',
    ],
    [
      ['ui', '-f', 'x.yaml'],
      'error: netpol ui reads a repository tree (-R DIR); it cannot use -f/--filename.\n',
    ],
  ])('refuses %j with exit code 2', async (argv, stderr) => {
    const r = await runCli(argv);
    expect([r.code, r.stderr]).toEqual([2, stderr]);
  });

  it('parses --listen', () => {
    expect(parseListen('127.0.0.1:7070')).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost:8080')).toEqual({ host: 'localhost', port: 8080 });
    expect(() => parseListen('127.0.0.1:70000')).toThrow('"127.0.0.1:70000" is not HOST:PORT');
    expect([isLoopbackHost('127.0.0.1'), isLoopbackHost('127.1.2.3'), isLoopbackHost('::1')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([isLoopbackHost('0.0.0.0'), isLoopbackHost('192.168.1.5')]).toEqual([false, false]);
  });
});
