/** Output of a container or exec, split by stream. */
export interface Output {
  stdout: string;
  stderr: string;
}

/**
 * Splits Docker's multiplexed stream format (used when no TTY is attached):
 * frames of an 8-byte header, whose first byte is the stream (1 stdout,
 * 2 stderr) and last four the big-endian payload size, then the payload.
 */
export function demuxBuffer(buffer: Buffer): Output {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? stderr : stdout).push(payload);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}
