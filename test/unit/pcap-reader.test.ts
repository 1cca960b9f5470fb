import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  PcapError,
  PcapFileReader,
  parsePcapHeader,
  parsePcapRecords,
  readPcapBuffer,
  readPcapFile,
} from '../../src/pcap/index.ts';
import { concat, pcapFile, pcapHeader, pcapRecord } from '../helpers/pcap-builder.ts';

const TIMESTAMP_NS = 1_700_000_000_123_456_789n;

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('parsePcapHeader', () => {
  const layouts = [
    { name: 'little-endian microseconds', littleEndian: true, nanosecond: false, magic: [0xd4, 0xc3, 0xb2, 0xa1] },
    { name: 'big-endian microseconds', littleEndian: false, nanosecond: false, magic: [0xa1, 0xb2, 0xc3, 0xd4] },
    { name: 'little-endian nanoseconds', littleEndian: true, nanosecond: true, magic: [0x4d, 0x3c, 0xb2, 0xa1] },
    { name: 'big-endian nanoseconds', littleEndian: false, nanosecond: true, magic: [0xa1, 0xb2, 0x3c, 0x4d] },
  ];

  for (const layout of layouts) {
    it(`reads ${layout.name}`, () => {
      const data = pcapHeader({ ...layout, snaplen: 1514, linkType: LINKTYPE_RAW });
      expect([...data.subarray(0, 4)]).toEqual(layout.magic);

      const header = parsePcapHeader(data);

      expect(header.byteOrder).toBe(layout.littleEndian ? 'little-endian' : 'big-endian');
      expect(header.precision).toBe(layout.nanosecond ? 'nanosecond' : 'microsecond');
      expect(header.versionMajor).toBe(2);
      expect(header.versionMinor).toBe(4);
      expect(header.snaplen).toBe(1514);
      expect(header.linkType).toBe(LINKTYPE_RAW);
      expect(header.fcsLength).toBeUndefined();
    });
  }

  it('reads the FCS length from the network field', () => {
    const data = pcapHeader({ linkType: LINKTYPE_ETHERNET });
    // F flag (bit 26) with an FCS of 2 16-bit words (bits 28-31), written little-endian.
    new DataView(data.buffer).setUint32(20, 0x2400_0001, true);

    const header = parsePcapHeader(data);

    expect(header.linkType).toBe(LINKTYPE_ETHERNET);
    expect(header.fcsLength).toBe(4);
  });

  it('rejects a bad magic number', () => {
    const data = concat(bytes(0x12, 0x34, 0x56, 0x78), new Uint8Array(20));

    const error = catchError(() => parsePcapHeader(data, 'link0.pcap'));

    expect(error).toBeInstanceOf(PcapError);
    expect((error as PcapError).code).toBe('BAD_MAGIC');
    expect((error as PcapError).source).toBe('link0.pcap');
    expect((error as PcapError).message).toContain('link0.pcap');
    expect((error as PcapError).message).toContain('0x12345678');
  });

  it('rejects a bad magic number in a short header', () => {
    const error = catchError(() => parsePcapHeader(bytes(0x47, 0x45, 0x54, 0x20, 0x2f), 'http.txt'));

    expect((error as PcapError).code).toBe('BAD_MAGIC');
    expect((error as PcapError).message).toContain('0x47455420');
  });

  it('rejects pcapng as unsupported', () => {
    const data = concat(bytes(0x0a, 0x0d, 0x0d, 0x0a), new Uint8Array(28));

    const error = catchError(() => parsePcapHeader(data, 'capture.pcapng'));

    expect((error as PcapError).code).toBe('UNSUPPORTED_FORMAT');
    expect((error as PcapError).message).toContain('pcapng');
    expect((error as PcapError).message).toContain('capture.pcapng');
  });

  it('rejects a truncated header', () => {
    const data = pcapHeader().subarray(0, 10);

    const error = catchError(() => parsePcapHeader(data, 'link1.pcap'));

    expect(error).toBeInstanceOf(PcapError);
    expect((error as PcapError).code).toBe('TRUNCATED_HEADER');
    expect((error as PcapError).message).toBe('link1.pcap: truncated pcap header: 10 of 24 bytes present');
  });

  it('rejects an empty buffer as truncated', () => {
    const error = catchError(() => parsePcapHeader(new Uint8Array(0)));

    expect((error as PcapError).code).toBe('TRUNCATED_HEADER');
    expect((error as PcapError).message).toContain('0 of 24 bytes');
  });
});

describe('readPcapBuffer', () => {
  const layouts = [
    { littleEndian: true, nanosecond: false },
    { littleEndian: false, nanosecond: false },
    { littleEndian: true, nanosecond: true },
    { littleEndian: false, nanosecond: true },
  ];

  for (const layout of layouts) {
    const name = `${layout.littleEndian ? 'little' : 'big'}-endian ${layout.nanosecond ? 'ns' : 'µs'}`;

    it(`reads records from ${name}`, () => {
      const first = bytes(1, 2, 3, 4, 5);
      const second = bytes(9, 8, 7);
      const data = pcapFile(
        [
          { data: first, timestampNs: TIMESTAMP_NS },
          { data: second, timestampNs: TIMESTAMP_NS + 1_000_000_000n, originalLength: 1500 },
        ],
        layout,
      );

      const capture = readPcapBuffer(data);

      expect(capture.records).toHaveLength(2);
      expect(capture.trailingBytes).toBe(0);
      const [a, b] = capture.records;
      const expectedNs = layout.nanosecond ? TIMESTAMP_NS : 1_700_000_000_123_456_000n;
      expect(a?.timestampNs).toBe(expectedNs);
      expect(b?.timestampNs).toBe(expectedNs + 1_000_000_000n);
      expect(a?.offset).toBe(24);
      expect(b?.offset).toBe(24 + 16 + 5);
      expect([...(a?.data ?? [])]).toEqual([1, 2, 3, 4, 5]);
      expect(a?.capturedLength).toBe(5);
      expect(a?.originalLength).toBe(5);
      expect([...(b?.data ?? [])]).toEqual([9, 8, 7]);
      expect(b?.capturedLength).toBe(3);
      expect(b?.originalLength).toBe(1500);
    });
  }

  it('gives a millisecond timestamp for Date', () => {
    const data = pcapFile([{ data: bytes(1), timestampNs: TIMESTAMP_NS }], { nanosecond: true });

    const [record] = readPcapBuffer(data).records;

    expect(record?.timestampMs).toBeCloseTo(1_700_000_000_123.4568, 3);
    expect(new Date(record?.timestampMs ?? 0).toISOString()).toBe('2023-11-14T22:13:20.123Z');
  });

  it('reads the maximum unsigned seconds value', () => {
    const data = pcapFile([{ data: bytes(1), timestampNs: 4_294_967_295_999_999_000n }]);

    const [record] = readPcapBuffer(data).records;

    expect(record?.timestampNs).toBe(4_294_967_295_999_999_000n);
  });

  it('leaves a partial trailing record out', () => {
    const complete = pcapFile([{ data: bytes(1, 2, 3) }]);
    const partial = pcapRecord({ data: bytes(4, 5, 6, 7) }).subarray(0, 18);

    const capture = readPcapBuffer(concat(complete, partial));

    expect(capture.records).toHaveLength(1);
    expect(capture.trailingBytes).toBe(18);
  });

  it('leaves a partial record header out', () => {
    const data = concat(pcapFile([]), new Uint8Array(7));

    const capture = readPcapBuffer(data);

    expect(capture.records).toHaveLength(0);
    expect(capture.trailingBytes).toBe(7);
  });

  it('reads an empty record', () => {
    const capture = readPcapBuffer(pcapFile([{ data: new Uint8Array(0) }]));

    expect(capture.records).toHaveLength(1);
    expect(capture.records[0]?.capturedLength).toBe(0);
  });

  it('rejects an impossible captured length', () => {
    const data = pcapFile([{ data: bytes(1) }]);
    new DataView(data.buffer).setUint32(24 + 8, 0x7fff_ffff, true);

    const error = catchError(() => readPcapBuffer(data, 'broken.pcap'));

    expect((error as PcapError).code).toBe('INVALID_RECORD');
    expect((error as PcapError).message).toContain('broken.pcap');
    expect((error as PcapError).message).toContain('byte offset 24');
    expect((error as PcapError).message).toContain('2147483647');
  });

  it('accepts records up to 262144 bytes over a small snaplen', () => {
    const data = pcapFile([{ data: new Uint8Array(2000) }], { snaplen: 128 });

    expect(readPcapBuffer(data).records[0]?.capturedLength).toBe(2000);
  });

  it('reads a buffer at a non-zero byte offset', () => {
    const file = pcapFile([{ data: bytes(7, 7) }], { littleEndian: false });
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);

    const capture = readPcapBuffer(shifted.subarray(3));

    expect(capture.header.byteOrder).toBe('big-endian');
    expect([...(capture.records[0]?.data ?? [])]).toEqual([7, 7]);
  });
});

describe('parsePcapRecords', () => {
  it('adds the base offset to record offsets', () => {
    const header = parsePcapHeader(pcapHeader());
    const chunk = concat(pcapRecord({ data: bytes(1) }), pcapRecord({ data: bytes(2, 2) }));

    const batch = parsePcapRecords(chunk, header, 0, 'chunk', 1000);

    expect(batch.records.map((record) => record.offset)).toEqual([1000, 1017]);
    expect(batch.nextOffset).toBe(chunk.length);
  });
});

describe('PcapFileReader', () => {
  let directory: string;
  let path: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'alpy-pcap-'));
    path = join(directory, 'link0.pcap');
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads only new records of a growing file', async () => {
    await writeFile(path, pcapFile([{ data: bytes(1) }, { data: bytes(2) }]));
    const reader = new PcapFileReader(path);

    const first = await reader.readNew();
    await appendFile(path, pcapRecord({ data: bytes(3, 3) }));
    const second = await reader.readNew();
    const third = await reader.readNew();

    expect(first.map((record) => record.data[0])).toEqual([1, 2]);
    expect(second.map((record) => [...record.data])).toEqual([[3, 3]]);
    expect(third).toEqual([]);
    expect(reader.offset).toBe(24 + 17 + 17 + 18);
    expect(reader.recordCount).toBe(3);
    expect(second[0]?.offset).toBe(24 + 17 + 17);
  });

  it('returns a partial record once it is complete', async () => {
    const record = pcapRecord({ data: bytes(5, 6, 7, 8) });
    await writeFile(path, concat(pcapHeader(), record.subarray(0, 10)));
    const reader = new PcapFileReader(path);

    const beforeHeader = await reader.readNew();
    await appendFile(path, record.subarray(10, 18));
    const beforeData = await reader.readNew();
    const offsetBeforeData = reader.offset;
    await appendFile(path, record.subarray(18));
    const complete = await reader.readNew();

    expect(beforeHeader).toEqual([]);
    expect(beforeData).toEqual([]);
    expect(offsetBeforeData).toBe(24);
    expect(complete).toHaveLength(1);
    expect([...(complete[0]?.data ?? [])]).toEqual([5, 6, 7, 8]);
    expect(reader.offset).toBe(24 + 20);
  });

  it('waits for a header written in pieces', async () => {
    const file = pcapFile([{ data: bytes(1) }], { littleEndian: false, nanosecond: true });
    await writeFile(path, new Uint8Array(0));
    const reader = new PcapFileReader(path);

    const empty = await reader.readNew();
    await appendFile(path, file.subarray(0, 13));
    const partial = await reader.readNew();
    const headerBeforeRest = reader.header;
    await appendFile(path, file.subarray(13));
    const records = await reader.readNew();

    expect(empty).toEqual([]);
    expect(partial).toEqual([]);
    expect(headerBeforeRest).toBeUndefined();
    expect(reader.header?.byteOrder).toBe('big-endian');
    expect(reader.header?.precision).toBe('nanosecond');
    expect(records).toHaveLength(1);
  });

  it('rejects a short header on the final read', async () => {
    await writeFile(path, pcapHeader().subarray(0, 20));
    const reader = new PcapFileReader(path);

    await expect(reader.readNew()).resolves.toEqual([]);
    const error = await reader.readNew({ final: true }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PcapError);
    expect((error as PcapError).code).toBe('TRUNCATED_HEADER');
    expect((error as PcapError).message).toBe(`${path}: truncated pcap header: 20 of 24 bytes present`);
  });

  it('rejects a bad magic number before the header is complete', async () => {
    await writeFile(path, bytes(0xde, 0xad, 0xbe, 0xef, 0));
    const reader = new PcapFileReader(path);

    const error = await reader.readNew().catch((caught: unknown) => caught);

    expect((error as PcapError).code).toBe('BAD_MAGIC');
    expect((error as PcapError).message).toContain(path);
    expect((error as PcapError).message).toContain('0xdeadbeef');
  });

  it('rejects a file that shrank', async () => {
    await writeFile(path, pcapFile([{ data: bytes(1, 2, 3) }]));
    const reader = new PcapFileReader(path);
    await reader.readNew();
    await truncate(path, 24);

    const error = await reader.readNew().catch((caught: unknown) => caught);

    expect((error as PcapError).code).toBe('FILE_SHRANK');
    expect((error as PcapError).message).toContain('shrank to 24 bytes, below the 43 bytes already read');
  });

  it('passes on the error for a missing file', async () => {
    const reader = new PcapFileReader(join(directory, 'missing.pcap'));

    const error = await reader.readNew().catch((caught: unknown) => caught);

    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('serializes concurrent reads', async () => {
    await writeFile(path, pcapFile([{ data: bytes(1) }, { data: bytes(2) }, { data: bytes(3) }]));
    const reader = new PcapFileReader(path);

    const results = await Promise.all([reader.readNew(), reader.readNew(), reader.readNew()]);

    expect(results.map((records) => records.length)).toEqual([3, 0, 0]);
    expect(reader.recordCount).toBe(3);
  });

  it('keeps working after a failed read', async () => {
    const reader = new PcapFileReader(path);
    await expect(reader.readNew()).rejects.toThrow(/ENOENT/);
    await writeFile(path, pcapFile([{ data: bytes(4) }]));

    const records = await reader.readNew();

    expect(records.map((record) => record.data[0])).toEqual([4]);
  });
});

describe('readPcapFile', () => {
  it('reads a whole file and names it in errors', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'alpy-pcap-'));
    try {
      const good = join(directory, 'good.pcap');
      const bad = join(directory, 'bad.pcap');
      await writeFile(good, pcapFile([{ data: bytes(1) }, { data: bytes(2) }], { littleEndian: false }));
      await writeFile(bad, 'not a capture file');

      const capture = await readPcapFile(good);
      const error = await readPcapFile(bad).catch((caught: unknown) => caught);

      expect(capture.records).toHaveLength(2);
      expect(capture.header.byteOrder).toBe('big-endian');
      expect((error as PcapError).code).toBe('BAD_MAGIC');
      expect((error as PcapError).message).toContain(bad);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
