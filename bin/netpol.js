#!/usr/bin/env node
// The bundled CLI (dist/cli, made by `npm run build`): one file and the chunk of the command run.
import { nodeIo, run } from '../dist/cli/netpol.js';

process.exitCode = await run(process.argv.slice(2), nodeIo());
