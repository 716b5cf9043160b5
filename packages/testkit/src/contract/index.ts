import type { AdapterHarness } from '../harness.js';
import { limitsContract } from './limits.js';
import { adminContract } from './admin.js';
import { adminWritesContract } from './adminWrites.js';
import { observeContract } from './observe.js';
import { routeLabelsContract } from './routeLabels.js';
import { dependenciesContract } from './dependencies.js';
import { desyncContract } from './desync.js';
import { flagsContract } from './flags.js';
import { pipeliningContract } from './pipelining.js';
import { dashboardContract } from './dashboard.js';
import { scopeContract } from './scope.js';
import { brokersContract } from './brokers.js';

/**
 * The adapter contract: every behaviour both adapters must share.
 * Each feature adds its module here; each adapter's test file runs them all.
 */
export function runContractSuite(harness: AdapterHarness): void {
  limitsContract(harness);
  pipeliningContract(harness);
  adminContract(harness);
  adminWritesContract(harness);
  observeContract(harness);
  routeLabelsContract(harness);
  dependenciesContract(harness);
  desyncContract(harness);
  flagsContract(harness);
  dashboardContract(harness);
  scopeContract(harness);
  brokersContract(harness);
}
