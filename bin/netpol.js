#!/usr/bin/env node
import { nodeIo } from '../dist/src/cli/io.js';
import { run } from '../dist/src/cli/main.js';

process.exitCode = await run(process.argv.slice(2), nodeIo());
