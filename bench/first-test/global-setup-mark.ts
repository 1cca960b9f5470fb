import { recordMark } from '../lib/marks.ts';

recordMark('global-setup-imported');

/** Marks the end of the import of every global setup file, which comes before the first setup call. */
export default function setup(): void {
  recordMark('global-setup-entered');
}
