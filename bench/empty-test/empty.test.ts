import { test } from 'vitest';

import { recordMark } from '../lib/marks.ts';

recordMark('test-file-loaded');

test('first test body', () => {
  recordMark('first-test-body');
});
