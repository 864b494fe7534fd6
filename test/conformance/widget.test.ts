import { defineConformanceSuite } from './harness/runner.js';
import { widgetScenarios } from './scenarios/widget.js';

defineConformanceSuite('widget', widgetScenarios);
