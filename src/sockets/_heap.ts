/**
 * glibc's malloc, told once that this process frees large blocks, so that
 * memory Node frees in bulk (the buffers of socket reads, the pickles
 * `dumps` hands out) is reused rather than handed back to the kernel and
 * faulted in again.
 *
 * Node mallocs a fresh buffer for each read of a socket (64 KiB), and for
 * each ArrayBuffer, and frees them only when V8's GC finds them dead, many
 * at a time. By default glibc returns the top of its heap to the kernel once
 * more than 128 KiB there is free (M_TRIM_THRESHOLD), and serves blocks of
 * 128 KiB or more with mmap (M_MMAP_THRESHOLD), so such memory is faulted in
 * again, page by page, each time. Measured:
 * - a 128 MiB RETR from ftp-srv (client in a process of its own): 8,000-33,000
 *   page faults and 0.25-0.5 s of CPU a RETR, against ~10-300 faults and
 *   0.06-0.13 s where the heap is kept. Which of the two a process got was
 *   chance (whether something in it had happened to free a large block), and
 *   it made RETR's speed swing 2x between runs;
 * - `dumps` of the bench's 10,000 records, again and again (a 0.64 MB pickle
 *   each): ~100 page faults a call, and 0.75-0.8x the calls a second of a
 *   process where the heap is kept (~20 faults a call over a run, ~0.1 once
 *   the first GCs have passed; medians of eight processes each way).
 *
 * glibc raises those thresholds itself when a process frees a block it had
 * mmapped (mallopt(3), the dynamic mmap threshold): the mmap threshold
 * becomes that block's size and the trim threshold twice it. `keepFreedHeap`
 * frees one such block, of just under the largest size glibc adjusts for
 * (32 MiB on 64-bit), once per process: from then on glibc keeps up to
 * ~62 MiB freed at the top of its heap for reuse, and serves blocks below
 * 31 MiB from the heap. Under another malloc, or where the process's
 * `MALLOC_*_THRESHOLD_` settings have turned glibc's adjustment off, it is a
 * block allocated, never touched, and freed.
 */

/** Just under glibc's DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit), its header and page rounding included. */
const BLOCK = 31 * 1024 * 1024;

let kept = false;

/**
 * Lets glibc keep the memory this process frees in bulk (see the module
 * comment); once per process, on Linux. ftplib calls it when the first
 * download starts, pickle when `dumps` first hands out a pickle of 64 KiB,
 * a stream socket when it first receives a full read of node's (64 KiB).
 *
 * @example
 * ```ts
 * keepFreedHeap(); // buffers freed at the next GCs are then reused
 * ```
 */
export function keepFreedHeap(): void {
  if (kept || process.platform !== "linux") return;
  kept = true;
  // never written, so none of its pages is faulted in; V8's next GC frees it, and glibc adjusts then
  Buffer.allocUnsafeSlow(BLOCK);
}
