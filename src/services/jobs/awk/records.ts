// awk's records, cut from its input by RS as it stands when each record is read: a newline by
// default, any single character, or (RS = "") paragraphs: records separated by one or more blank
// lines, leading newlines skipped. gawk --posix uses only the first character of a longer RS, and
// so does this reader. Only the current record and the unread rest of the last chunk are held.
import { bytesToBinary } from '../exec/bytes.js';
import { LimitExceededError } from '../exec/errors.js';

export class RecordReader {
  private buf = '';
  private pos = 0;
  /** In paragraph mode, newlines after a record (or at the start) belong to no record. */
  private skipNewlines = true;

  constructor(private readonly recordBytes: number) {}

  push(chunk: Uint8Array): void {
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + bytesToBinary(chunk) : bytesToBinary(chunk);
    this.pos = 0;
  }

  /** The next whole record, or undefined when more input is needed to know where it ends. */
  next(rs: string): string | undefined {
    if (rs === '') return this.paragraph();
    const at = this.buf.indexOf(rs[0]!, this.pos);
    if (at < 0) {
      this.check(this.buf.length - this.pos);
      return undefined;
    }
    const rec = this.buf.slice(this.pos, at);
    this.pos = at + 1;
    this.check(rec.length);
    return rec;
  }

  /** At the end of the input: the next record, the unterminated last one, then undefined. */
  finish(rs: string): string | undefined {
    const rec = this.next(rs);
    if (rec !== undefined) return rec;
    if (rs === '') this.skip();
    if (this.pos >= this.buf.length) return undefined;
    let rest = this.buf.slice(this.pos);
    this.pos = this.buf.length;
    if (rs === '') rest = rest.replace(/\n+$/, '');
    return rest;
  }

  private skip(): void {
    while (this.pos < this.buf.length && this.buf.charCodeAt(this.pos) === 10) this.pos++;
  }

  private paragraph(): string | undefined {
    if (this.skipNewlines) {
      this.skip();
      if (this.pos >= this.buf.length) return undefined;
      this.skipNewlines = false;
    }
    const at = this.buf.indexOf('\n\n', this.pos);
    if (at < 0) {
      this.check(this.buf.length - this.pos);
      return undefined;
    }
    const rec = this.buf.slice(this.pos, at);
    this.pos = at + 2;
    this.skipNewlines = true;
    this.check(rec.length);
    return rec;
  }

  private check(bytes: number): void {
    if (bytes > this.recordBytes) throw new LimitExceededError('line', `awk: a record is longer than ${this.recordBytes} bytes`);
  }
}
