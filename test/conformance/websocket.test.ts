import { defineConformanceSuite } from './harness/runner.js';
import { websocketScenarios } from './scenarios/websocket.js';

defineConformanceSuite('websocket', websocketScenarios);
