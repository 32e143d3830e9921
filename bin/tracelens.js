#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// `tracelens analyze big.txt | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tracelens: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
