import { etcdBackend } from './crud-support.js';
import { workflowSuite } from './workflow.js';

workflowSuite(etcdBackend());
