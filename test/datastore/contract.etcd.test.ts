import { etcdBackend } from '../support/etcd.js';
import { contractSuite } from './contract.js';

contractSuite([etcdBackend()]);
