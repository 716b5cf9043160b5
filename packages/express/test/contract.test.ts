import { expressHarness, runContractSuite } from '@ballast/testkit';

runContractSuite(expressHarness);
