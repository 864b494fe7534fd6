import { defineConformanceSuite } from './harness/runner.js';
import { requestScenarios } from './scenarios/requests.js';

defineConformanceSuite('requests', requestScenarios);
