import type { TestAnnotation, TestArtifact } from 'vitest';
import type { Reporter, TestCase } from 'vitest/node';

import { evidenceArtifactType, type EvidenceFile } from './evidence.ts';

/** The artifact a failed test records: its evidence files, with the paths alpy wrote them to. */
export interface EvidenceArtifact {
  type: typeof evidenceArtifactType;
  files: EvidenceFile[];
  attachments: Array<{ path: string; contentType: string }>;
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'alpy:evidence': EvidenceArtifact;
  }
}

/**
 * Reporter that makes failed tests' evidence visible: each file becomes an
 * annotation of the test, which the JUnit reporter writes as a property,
 * and the end of the run lists every file.
 */
export class EvidenceReporter implements Reporter {
  private readonly failed: Array<{ test: string; files: EvidenceFile[] }> = [];

  onTestCaseArtifactRecord(testCase: TestCase, artifact: TestArtifact): void {
    if (artifact.type !== evidenceArtifactType) {
      return;
    }
    const { files } = artifact as EvidenceArtifact;
    // NOTE: Vitest 4.1 has no public API to annotate a finished test; its
    // JUnit reporter reads the runner task's annotations, so they go there.
    const task = (testCase as unknown as { task: { annotations: TestAnnotation[] } }).task;
    for (const file of files) {
      task.annotations.push({ type: `alpy:${file.name}`, message: file.path });
    }
    this.failed.push({ test: testCase.fullName, files });
  }

  onTestRunEnd(): void {
    if (this.failed.length === 0) {
      return;
    }
    const lines = ['', 'alpy: evidence of failed tests (open pcaps with `tcpdump -n -r FILE` or Wireshark):'];
    for (const { test, files } of this.failed) {
      lines.push(`  ${test}`);
      for (const file of files) {
        lines.push(`    ${file.name}: ${file.path}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
