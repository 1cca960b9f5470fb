import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { AlpyError, TimeoutError } from '../errors.ts';
import { decodeRecord } from '../pcap/decode.ts';
import type { DecodedFrame } from '../pcap/layers.ts';
import { PcapFileReader } from '../pcap/reader.ts';
import { formatFrameList, summarizeFrame } from '../pcap/summary.ts';
import { matchFilter } from './bpf.ts';
import { describeMatcher, toPredicate, type FrameMatcher } from './filter.ts';

/** A point in a link's capture: frames written after it are "since" the mark. */
export interface Mark {
  /** Byte offset in the pcap file when the mark was taken. */
  readonly offset: number;
}

/** A decoded frame with its place in the capture. */
export interface CapturedFrame extends DecodedFrame {
  /** Byte offset of the frame's record in the pcap file. */
  offset: number;
}

/** Options of the queries of `Traffic`. */
export interface TrafficQueryOptions {
  /** Only frames written after this mark count. @default the traffic's default mark */
  since?: Mark;
}

/** A traffic assertion failed; the message lists the frames seen. */
export class TrafficAssertionError extends AlpyError {
  override name = 'TrafficAssertionError';
}

// Reading in parts bounds memory when a link carried a lot of traffic.
const readChunkBytes = 8 * 1024 * 1024;
const pollInterval = 50;

/**
 * Frames of one link's capture, read from the pcap file as QEMU writes it.
 *
 * Frames older than the retention mark are dropped, so a long run does not
 * keep every frame in memory. The test fixtures move that mark to the start
 * of each test.
 */
export class Traffic {
  private readonly reader: PcapFileReader;
  private stored: CapturedFrame[] = [];
  private retainFrom: Mark = { offset: 0 };

  constructor(
    readonly pcap: string,
    /** Name for messages, such as `link 1`. */
    readonly name = path.basename(pcap),
    /** Queries without `since` count from this mark. */
    public defaultMark: Mark = { offset: 0 },
  ) {
    this.reader = new PcapFileReader(pcap);
  }

  /** Returns a mark at the end of the last frame captured so far. */
  async mark(): Promise<Mark> {
    await this.readNew();
    return { offset: this.reader.offset };
  }

  /**
   * Starts a new span, as for a new test: skips every frame captured so far
   * without decoding it, drops the frames kept, and makes queries without
   * `since` count from here. Returns the mark of the span's start.
   */
  async restart(): Promise<Mark> {
    await this.readNew(false);
    const mark = { offset: this.reader.offset };
    this.retain(mark);
    this.defaultMark = mark;
    return mark;
  }

  /** Drops frames written before `mark` and ignores those not read yet. */
  retain(mark: Mark): void {
    this.retainFrom = mark;
    this.stored = this.stored.filter((frame) => frame.offset >= mark.offset);
  }

  /** Returns the frames since a mark that match `matcher`, or all of them without one. */
  async frames(matcher?: FrameMatcher<CapturedFrame>, options: TrafficQueryOptions = {}): Promise<CapturedFrame[]> {
    const since = this.since(options);
    await this.readNew();
    const recent = this.stored.filter((frame) => frame.offset >= since.offset);
    if (typeof matcher === 'string') {
      const offsets = await matchFilter(this.pcap, since.offset, matcher);
      return recent.filter((frame) => offsets.has(frame.offset));
    }
    return matcher ? recent.filter(toPredicate<CapturedFrame>(matcher)) : recent;
  }

  /** Counts the frames since a mark that match `matcher`. */
  async count(matcher: FrameMatcher<CapturedFrame>, options: TrafficQueryOptions = {}): Promise<number> {
    return (await this.frames(matcher, options)).length;
  }

  /**
   * Waits until `count` frames since a mark match `matcher` and returns them.
   * The timeout error lists what the link carried meanwhile.
   */
  async waitFor(matcher: FrameMatcher<CapturedFrame>, options: TrafficQueryOptions & { count?: number; timeout?: number } = {}): Promise<CapturedFrame[]> {
    const expected = options.count ?? 1;
    const timeout = options.timeout ?? 10_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      const matched = await this.frames(matcher, options);
      if (matched.length >= expected) {
        return matched;
      }
      if (Date.now() >= deadline) {
        const seen = await this.frames(undefined, options);
        throw new TimeoutError(
          `Timed out after ${timeout} ms waiting for ${expected} ${expected === 1 ? 'frame' : 'frames'} matching ${describeMatcher(matcher)} on ${this.name}; ` +
            `${matched.length} matched. Frames seen:\n${formatFrameList(seen)}`,
        );
      }
      await sleep(pollInterval);
    }
  }

  /**
   * Waits `settle` ms for frames still on their way, then throws when any
   * frame since a mark matches `matcher`, listing those frames.
   */
  async expectNone(matcher: FrameMatcher<CapturedFrame>, options: TrafficQueryOptions & { settle?: number } = {}): Promise<void> {
    await sleep(options.settle ?? 500);
    const matched = await this.frames(matcher, options);
    if (matched.length > 0) {
      throw new TrafficAssertionError(
        `Expected no frames matching ${describeMatcher(matcher)} on ${this.name}, found ${matched.length}:\n${formatFrameList(matched)}`,
      );
    }
  }

  /** Summarises frames in tcpdump's style, one numbered line each. */
  static describe(frames: DecodedFrame[], maxLines = 20): string {
    return formatFrameList(frames, { maxLines });
  }

  /** Summarises one frame in tcpdump's style. */
  static summarize(frame: DecodedFrame): string {
    return summarizeFrame(frame);
  }

  private since(options: TrafficQueryOptions): Mark {
    const since = options.since ?? this.defaultMark;
    if (since.offset < this.retainFrom.offset) {
      throw new AlpyError(
        `Mark at byte ${since.offset} of ${this.name} is older than the frames kept (from byte ${this.retainFrom.offset}); take marks in the test that uses them`,
      );
    }
    return since;
  }

  /** Reads the frames written since the last read, decoding them when `decode` is true. */
  private async readNew(decode = true): Promise<void> {
    try {
      await stat(this.pcap);
    } catch {
      return;
    }
    for (;;) {
      const records = await this.reader.readNew({ maxBytes: readChunkBytes });
      for (const record of records) {
        if (decode && record.offset >= this.retainFrom.offset) {
          this.stored.push({ ...decodeRecord(record, this.reader.header?.linkType), offset: record.offset });
        }
      }
      if (records.length === 0) {
        return;
      }
    }
  }
}
