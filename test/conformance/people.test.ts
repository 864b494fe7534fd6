import { defineConformanceSuite } from './harness/runner.js';
import { peopleScenarios } from './scenarios/people.js';

defineConformanceSuite('people', peopleScenarios);
