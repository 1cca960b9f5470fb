// Helpers shared by the layer decoders.

/** Outcome of decoding one layer: the value and its payload, or the reason decoding stopped. */
export type LayerResult<T> =
  | { value: T; payload: Uint8Array; error?: undefined }
  /** `value` is set when the fixed header was complete but a later part was not. */
  | { value?: T; error: string };

/** Returns a DataView over exactly the bytes of `data`. */
export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** Builds the reason text for a structure that the capture or the packet cuts short. */
export function truncatedReason(present: number, required: number, structure = 'header'): string {
  return `truncated ${structure}: ${present} of ${required} bytes`;
}

/** Returns a failed {@link LayerResult}. */
export function failure<T>(error: string, value?: T): LayerResult<T> {
  return value === undefined ? { error } : { value, error };
}
