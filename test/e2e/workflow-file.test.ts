import { fileBackend } from './crud-support.js';
import { workflowSuite } from './workflow.js';

workflowSuite(fileBackend());
