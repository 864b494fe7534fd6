import { defineConformanceSuite } from './harness/runner.js';
import { messageScenarios } from './scenarios/messages.js';

defineConformanceSuite('messages', messageScenarios);
