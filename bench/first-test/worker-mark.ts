import { recordMark } from '../lib/marks.ts';

// Setup files run in the test worker before each test file.
recordMark('worker-started');
