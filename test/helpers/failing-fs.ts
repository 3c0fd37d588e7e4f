import { nodeWriterFs, type WriterFs } from '../../src/repo/write-files.js';

/**
 * The writer's file-system calls with one kind of call failing, as an unwritable folder or a full disk
 * would make it fail (tests run as root, where `chmod` does not stop a write).
 * @param op - The call that fails.
 * @param when - Fails when this returns true for the call's arguments (the destination for `renameSync`).
 * @returns The calls, and the list of calls that failed.
 */
export function failingFs(
  op: 'writeFileSync' | 'renameSync' | 'mkdirSync',
  when: (target: string) => boolean,
): WriterFs & { failed: string[] } {
  const failed: string[] = [];
  const fail = (target: string) => {
    failed.push(target);
    throw Object.assign(new Error(`EACCES: permission denied, ${op} '${target}'`), { code: 'EACCES' });
  };
  return {
    ...nodeWriterFs,
    failed,
    writeFileSync: (f, t, o) =>
      op === 'writeFileSync' && when(f) ? fail(f) : nodeWriterFs.writeFileSync(f, t, o),
    renameSync: (a, b) => (op === 'renameSync' && when(b) ? fail(b) : nodeWriterFs.renameSync(a, b)),
    mkdirSync: (d) => (op === 'mkdirSync' && when(d) ? fail(d) : nodeWriterFs.mkdirSync(d)),
  };
}
