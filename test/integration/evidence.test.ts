import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { readPcapFile } from '../../src/pcap/reader.ts';
import { runVitest } from '../helpers/child-vitest.ts';
import { projectsDir } from '../helpers/leftovers.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'alpy-evidence-test-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

it('attaches captures and console log to a failed test', async () => {
  const junit = path.join(scratch, 'junit.xml');
  const run = runVitest(
    path.join(projectsDir, 'lifecycle'),
    { LIFECYCLE_MODE: 'fail', LIFECYCLE_OUTPUT: path.join(scratch, 'output') },
    ['--reporter=default', '--reporter=junit', `--outputFile.junit=${junit}`],
  );
  expect(await run.exited, run.output()).toBe(1);
  const output = run.output();

  // The end of the run lists each file of the failed test's evidence.
  const listed = [...output.matchAll(/^ {4}(console\.log|link\d\.pcap): (\S+)$/gm)].map((match) => [match[1], match[2]!] as const);
  expect(listed.map(([name]) => name)).toEqual(['console.log', 'link0.pcap', 'link1.pcap']);
  expect(output).toContain('alpy: evidence of failed tests');

  for (const [name, file] of listed) {
    expect(existsSync(file), `${name} at ${file}`).toBe(true);
    expect(file).toMatch(/\/failed\/lifecycle\.test\.ts\/lifecycle-fail\//);
  }
  const link0 = listed.find(([name]) => name === 'link0.pcap')![1];
  // The slice is a valid pcap on its own: tcpdump reads it, and it contains the failed test's ping.
  const { records } = await readPcapFile(link0);
  expect(records.length).toBeGreaterThan(0);
  const tcpdump = execFileSync('tcpdump', ['-n', '-r', link0], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(tcpdump.split('\n').filter(Boolean).length).toBe(records.length);
  expect(tcpdump).toContain('ARP, Request who-has 198.18.0.1 tell 198.18.0.2');

  // JUnit carries each file as a property of the failed test case.
  const report = readFileSync(junit, 'utf8');
  for (const [name, file] of listed) {
    expect(report).toContain(`<property name="alpy:${name}" value="${file}">`);
  }
});
