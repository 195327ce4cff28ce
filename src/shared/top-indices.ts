/**
 * Indices of the `k` best of `n` items, best first, by `better(i, j)` (true when i ranks above j).
 * A bounded heap: O(n log k), so a 5,000-movie mood costs a few hundred comparisons more than its
 * scan instead of a full sort.
 */
export function topIndices(n: number, k: number, better: (i: number, j: number) => boolean): number[] {
  const heap: number[] = []; // worst of the kept items at the root
  const worse = (a: number, b: number) => better(b, a);
  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && worse(heap[left]!, heap[worst]!)) worst = left;
      if (right < heap.length && worse(heap[right]!, heap[worst]!)) worst = right;
      if (worst === at) return;
      // Swaps through a temporary: a destructuring swap allocated an array per step here (~250 KB per /feel).
      const kept = heap[at]!;
      heap[at] = heap[worst]!;
      heap[worst] = kept;
      at = worst;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!worse(heap[at]!, heap[parent]!)) break;
        const kept = heap[at]!;
        heap[at] = heap[parent]!;
        heap[parent] = kept;
        at = parent;
      }
    } else if (k > 0 && better(i, heap[0]!)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}
