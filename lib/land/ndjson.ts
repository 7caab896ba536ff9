/** The most bytes a line's end takes after its middle: a safe integer's 16 digits, `}` and the newline. */
const LINE_END_ROOM = 18;

/**
 * A newline-delimited JSON body built as bytes: lines are appended into large chunks (the records' own UTF-8
 * bytes are copied, never decoded and re-encoded), and the finished body is one Buffer for gzip. Landing a
 * 10,000-record batch this way skips joining 10,000 strings and encoding the result again.
 */
export class NdjsonBody {
  private readonly chunks: Buffer[] = [];
  private current: Buffer;
  private position = 0;
  /** Lines appended so far. */
  lines = 0;

  /** Chunks start small and double up to 1 MiB: a batch may hold hundreds of small groups, or one large one. */
  constructor(firstChunkBytes = 16 * 1024) {
    this.current = Buffer.allocUnsafe(firstChunkBytes);
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.current.length) return;
    if (this.position > 0) this.chunks.push(this.current.subarray(0, this.position));
    this.current = Buffer.allocUnsafe(Math.max(Math.min(2 * this.current.length, 1024 * 1024), bytes));
    this.position = 0;
  }

  /**
   * Appends one line: `bytes[0, brace)` (UTF-8 JSON, `brace` its closing brace), then the ASCII bytes `middle`, the
   * decimal digits of the safe integer `number` (≥ 0), `}` and the newline: a JSON object with a field appended
   * before its closing brace, without building a string per line.
   */
  appendLineWithNumber(bytes: Buffer, brace: number, middle: Uint8Array, number: number): void {
    this.reserve(brace + middle.length + LINE_END_ROOM);
    const target = this.current;
    let position = this.position;
    // A copy of a buffer's start costs less than making a view of it to copy from (one object fewer per line).
    bytes.copy(target, position, 0, brace);
    position += brace;
    target.set(middle, position);
    position += middle.length;
    let digits = 1;
    for (let rest = number; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = digits - 1, rest = number; i >= 0; i--, rest = Math.floor(rest / 10))
      target[position + i] = 48 + (rest % 10);
    position += digits;
    target[position++] = 0x7d;
    target[position++] = 0x0a;
    this.position = position;
    this.lines++;
  }

  /** Appends one line of any text, UTF-8 encoded, then the newline. */
  appendText(text: string): void {
    this.reserve(Buffer.byteLength(text) + 1);
    this.position += this.current.write(text, this.position, 'utf8');
    this.current[this.position++] = 0x0a;
    this.lines++;
  }

  /** The body so far: every line, each newline-terminated. */
  toBuffer(): Buffer {
    const last = this.current.subarray(0, this.position);
    return this.chunks.length === 0 ? last : Buffer.concat([...this.chunks, last]);
  }
}
