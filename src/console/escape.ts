/**
 * Escapes bytes for a text log: printable ASCII stays, `\r`, `\n`, `\t`,
 * backslash and ESC get C-style escapes, every other byte becomes `\xNN`.
 */
export function escapeBytes(data: Uint8Array): string {
  let text = '';
  for (const byte of data) {
    text += escapeByte(byte);
  }
  return text;
}

function escapeByte(byte: number): string {
  switch (byte) {
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x1b:
      return '\\e';
    case 0x5c:
      return '\\\\';
    default:
      return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
}

/** Removes ANSI escape sequences (CSI, OSC and two-byte ESC codes) from console text. */
export function stripAnsi(text: string): string {
  // CSI: ESC [ parameters final byte. OSC: ESC ] text BEL or ESC \. Other
  // sequences are ESC and one byte, excluding [ and ] so that an unfinished
  // CSI or OSC stays intact until its remaining bytes arrive.
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\^_]/g, '');
}
