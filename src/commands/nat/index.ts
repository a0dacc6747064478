import { defineCommand } from '../command.js';
import apply from './apply.js';
import diff from './diff.js';
import explain from './explain.js';
import render from './render.js';
import status from './status.js';

/** nat groups the outgoing-NAT commands; subcommands are an explicit sorted list. */
export default defineCommand({
  name: 'nat',
  describe: 'Outgoing NAT: explain a flow, diff two states, render or apply the ruleset, check the host',
  subcommands: [apply, diff, explain, render, status],
});
