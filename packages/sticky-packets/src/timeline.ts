// Support: the demo's picture. Writes on the left, reads on the right, in the order they
// happened, so a merge or a split is seen at a glance. A write that comes after a read
// starts a new block, so the writes of a block are those that piled up before the reads
// beside them. For raw TCP each read is marked with the writes it holds: more than one is
// a merge, part of one is a split.
import { styleText } from 'node:util';
import { type DatagramEvent, previewEnds, type ReceiverEvent, type SenderEvent } from './log.js';

/** Width of the writes column; the reads start after it. */
const LEFT_WIDTH = 30;
/** Width of a framed read (`#2  314 B`) before the messages it completed. */
const FRAMED_READ_WIDTH = 15;

type WriteEvent = SenderEvent & { type: 'write' };

export class Timeline {
  private rows: { side: 'left' | 'right'; text: string }[] = [];
  /** Where each write starts and ends in the stream. */
  private writes: { start: number; end: number }[] = [];
  reads = 0;

  /** A write: raw (size and preview) or framed (its header in hex, then the payload size). */
  wrote(event: SenderEvent, framed = false): void {
    if (event.type !== 'write') return;
    const start = this.writes.at(-1)?.end ?? 0;
    this.writes.push({ start, end: start + event.wireBytes });
    this.push('left', framed ? framedWrite(event) : rawWrite(event));
  }

  /** A raw TCP read, marked merged or split by the writes it covers. */
  read(event: ReceiverEvent): void {
    if (event.type !== 'read') return;
    this.reads += 1;
    const from = event.offset;
    const to = from + event.data.length;
    const hit = this.writes.flatMap((w, i) =>
      w.start < to && w.end > from ? [{ ...w, n: i + 1 }] : [],
    );
    const [only] = hit;
    let note = '';
    if (hit.length > 1) note = `◀ merged: writes ${hit.map((w) => w.n).join('+')}`;
    else if (only && (from > only.start || to < only.end)) {
      note = `◀ split: write ${only.n}, bytes ${from - only.start + 1}-${to - only.start}`;
    }
    this.push('right', row(event.index, event.data.length, event.data, note));
  }

  /** A framed TCP read, and beside it the messages it completed, one per row. */
  readFramed(event: ReceiverEvent): void {
    if (event.type === 'read') {
      this.reads += 1;
      const text = `#${event.index} ${size(event.data.length)}`.padEnd(FRAMED_READ_WIDTH);
      // A read that completes nothing is normal: "not a whole message yet".
      const held = event.heldBytes > 0 ? `(${event.heldBytes} B held, no whole message yet)` : '';
      this.push('right', text + held);
    } else if (event.type === 'message') {
      const text = `message ${event.index} ${size(event.data.length)}  ${preview(event.data)}`;
      const last = this.rows.at(-1);
      if (last?.side === 'right' && last.text.length === FRAMED_READ_WIDTH) last.text += text;
      else this.push('right', ' '.repeat(FRAMED_READ_WIDTH) + text);
    }
  }

  /** A datagram, marked when the buffer cut it. */
  datagram(event: DatagramEvent): void {
    if (event.type === 'dropped') {
      this.push('right', `(dropped: ${event.size} B)`);
      return;
    }
    this.reads += 1;
    const cut = event.size - event.kept.length;
    this.push(
      'right',
      row(event.index, event.kept.length, event.kept, cut ? `◀ cut: ${cut} B dropped` : ''),
    );
  }

  /** Prints the title, the column headers and the rows side by side. */
  print(title: string, left: string, right: string): void {
    console.log(`\n${styleText('bold', title)}`);
    console.log(styleText('dim', `   ${`sender: ${left}`.padEnd(LEFT_WIDTH)}  receiver: ${right}`));
    const blocks: { left: string[]; right: string[] }[] = [];
    for (const { side, text } of this.rows) {
      let block = blocks.at(-1);
      if (!block || (side === 'left' && block.right.length > 0)) {
        block = { left: [], right: [] };
        blocks.push(block);
      }
      block[side].push(text);
    }
    for (const { left, right } of blocks) {
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        console.log(`   ${(left[i] ?? '').padEnd(LEFT_WIDTH)}  ${right[i] ?? ''}`.trimEnd());
      }
    }
  }

  /** Bytes written in all. */
  get bytes(): number {
    return this.writes.at(-1)?.end ?? 0;
  }

  get writeCount(): number {
    return this.writes.length;
  }

  private push(side: 'left' | 'right', text: string): void {
    this.rows.push({ side, text });
  }
}

function rawWrite(event: WriteEvent): string {
  return `#${event.index} ${size(event.wireBytes)}  ${preview(event.payload)}`;
}

function framedWrite(event: WriteEvent): string {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(event.payload.length);
  return `#${event.index} ${header.toString('hex').replace(/(..)(?=.)/g, '$1 ')} + ${size(event.payload.length)}`;
}

function row(index: number, length: number, data: Buffer, note: string): string {
  return `#${index} ${size(length)}  ${preview(data).padEnd(17)}  ${styleText('yellow', note)}`.trimEnd();
}

function size(bytes: number): string {
  return `${String(bytes).padStart(4)} B`;
}

function preview(bytes: Uint8Array): string {
  return previewEnds(bytes, 10, 6);
}
