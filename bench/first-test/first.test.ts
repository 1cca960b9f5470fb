import { test } from 'alpy/fixtures';

import { recordMark } from '../lib/marks.ts';

recordMark('test-file-loaded');

// alpy's fixtures connect the worker to the DUT (console, QMP, Docker)
// before the body runs, as they do for every test.
test('first test body', () => {
  recordMark('first-test-body');
});
