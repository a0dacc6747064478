#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json): see start-bundle.cjs.
const { join } = require('node:path');
const { startBundles } = require('./start-bundle.cjs');

startBundles(join(__dirname, '..', 'dist')).main(process);
