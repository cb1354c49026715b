/**
 * glibc's malloc, told once that this process frees large blocks, so that
 * the memory of a download's socket reads is reused rather than handed back
 * to the kernel and faulted in again.
 *
 * Node mallocs a fresh buffer for each read of a socket (64 KiB) and frees
 * it only when V8's GC finds it dead, many at a time. By default glibc
 * returns the top of its heap to the kernel once more than 128 KiB there is
 * free (M_TRIM_THRESHOLD), so the reads after a GC fault their memory in
 * again, page by page. Measured with a 128 MiB RETR from ftp-srv (client in a
 * process of its own): 8,000-33,000 page faults and 0.25-0.5 s of CPU a
 * RETR, against ~10-300 faults and 0.06-0.13 s where the heap is kept. Which
 * of the two a process got was chance (whether something in it had happened
 * to free a large block), and it made RETR's speed swing 2x between runs.
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
 * Lets glibc keep the memory downloads free (see the module comment); once
 * per process, on Linux, when the first download starts.
 *
 * @example
 * ```ts
 * keepFreedHeap(); // the first download's buffers are then reused after each GC
 * ```
 */
export function keepFreedHeap(): void {
  if (kept || process.platform !== "linux") return;
  kept = true;
  // never written, so none of its pages is faulted in; V8's next GC frees it, and glibc adjusts then
  Buffer.allocUnsafeSlow(BLOCK);
}
