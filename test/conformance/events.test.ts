import { defineConformanceSuite } from './harness/runner.js';
import { eventScenarios } from './scenarios/events.js';

defineConformanceSuite('events', eventScenarios);
