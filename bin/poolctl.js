#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): see start-bundle.cjs. The process ends as soon as main's output is flushed (exit-when-flushed.cjs).
const { join } = require('node:path');
const { startBundles } = require('./start-bundle.cjs');
const { exitWhenFlushed } = require('./exit-when-flushed.cjs');

startBundles(join(__dirname, '..', 'dist')).main(process).then(() => exitWhenFlushed(process));
