#!/usr/bin/env node
// `reconcile ...` is `agentpool reconcile ...`.
import { main } from '../dist/cli/main.js';
main(['reconcile', ...process.argv.slice(2)]);
