import { defineConformanceSuite } from './harness/runner.js';
import { accessScenarios } from './scenarios/access.js';

defineConformanceSuite('access', accessScenarios);
