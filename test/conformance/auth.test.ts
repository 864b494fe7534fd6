import { defineConformanceSuite } from './harness/runner.js';
import { authScenarios } from './scenarios/auth.js';

defineConformanceSuite('auth', authScenarios);
