#!/usr/bin/env node
// The CLI is built into dist/bundle/ (by `npm ci` through the prepare script):
// one bundle starts faster than tsc's many modules (see scripts/bundle.mjs).
import { main } from '../dist/bundle/main.js';
process.exitCode = await main(process.argv);
