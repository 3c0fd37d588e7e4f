/**
 * The worker thread of `parse-pool.ts`: reads the pieces of each task with the `yaml` package
 * (`parseYamlText`) and answers with their light syntax trees, plain data that crosses the thread
 * boundary as a structured clone (aliased nodes stay shared).
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { parseYamlText } from './documents.js';
import { type ParseResultMessage, type ParseTaskMessage, packResults } from './parse-pool.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread of parse-pool.js.');

// The `yaml` parser reads `process.env.LOG_TOKENS` for every token, and `process.env` is an exotic object
// whose reads go through the environment: about a fifth of the parse time. A worker thread has its own
// copy of the environment; a plain object with the same variables makes those reads cheap and changes
// nothing else (this thread only parses YAML).
process.env = { ...process.env };

port.on('message', (task: ParseTaskMessage) => {
  try {
    const { message, transfer } = packResults(
      task.id,
      task.pieces.map((p) => parseYamlText(p.text, p.base)),
    );
    port.postMessage(message, transfer);
  } catch (e) {
    // The main thread parses the task itself.
    const reply: ParseResultMessage = { id: task.id, error: e instanceof Error ? e.message : String(e) };
    port.postMessage(reply);
  }
});
