#!/usr/bin/env node
// `reconcile ...` is `agentpool reconcile ...`.
import { main } from '../dist/bundle/main.js';
main(['reconcile', ...process.argv.slice(2)]);
