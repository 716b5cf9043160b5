import { koaHarness, runContractSuite } from '@ballast/testkit';

runContractSuite(koaHarness);
