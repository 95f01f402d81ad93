/**
 * Events ordered by virtual time, ties broken by insertion order: the simulator's only
 * scheduler, so a seed fixes the order of everything.
 */
export class EventQueue<T> {
  private heap: { time: number; seq: number; item: T }[] = [];
  private seq = 0;

  push(time: number, item: T): void {
    const node = { time, seq: this.seq++, item };
    const heap = this.heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p === undefined || !before(node, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = node;
  }

  pop(): { time: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = last;
        let at = -1;
        const l = heap[left];
        const r = heap[right];
        if (l !== undefined && before(l, smallest)) {
          smallest = l;
          at = left;
        }
        if (r !== undefined && before(r, smallest)) {
          smallest = r;
          at = right;
        }
        if (at < 0) break;
        heap[i] = smallest;
        i = at;
      }
      heap[i] = last;
    }
    return { time: top.time, item: top.item };
  }

  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  get size(): number {
    return this.heap.length;
  }
}

function before(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
