import { defineConformanceSuite } from './harness/runner.js';
import { libraryScenarios } from './scenarios/library.js';

defineConformanceSuite('library', libraryScenarios);
