/**
 * Python's `urlretrieve` and `urlcleanup`: copy a URL's body to a file in
 * 8 KiB blocks, reporting progress as Python's reporthook does.
 * @module
 */
import { open as openFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { randomBytes } from "node:crypto";
import type { HTTPMessage } from "../http/_message.js";
import { _forgetOpener, urlopen } from "./_open.js";
import type { RequestData } from "./_requestobj.js";
import { _splittype } from "./_splitters.js";
import { ContentTooShortError } from "./error.js";

/** Python's reporthook: called with the block count so far, the block size, and the total size (-1 if unknown). */
export type ReportHook = (blocknum: number, blocksize: number, totalsize: number) => void;

const tempfiles: string[] = [];

function tempName(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
  const bytes = randomBytes(8);
  let name = "tmp";
  for (const b of bytes) name += alphabet[b % alphabet.length]!;
  return join(tmpdir(), name);
}

/**
 * Python's `urlretrieve`: saves a URL to `filename` (a new temporary file by
 * default) and resolves to `[filename, headers]`. A body shorter than its
 * Content-Length rejects with `ContentTooShortError`. For a file: URL with no
 * filename, the local path itself is returned.
 *
 * @example
 * ```ts
 * const [path, headers] = await urlretrieve("http://127.0.0.1:8000/big.bin", "big.bin", (n, bs, total) => {
 *   console.log(`${Math.min(n * bs, total)} / ${total}`);
 * });
 * ```
 */
export async function urlretrieve(
  url: string,
  filename: string | null = null,
  reporthook: ReportHook | null = null,
  data: RequestData | null = null,
): Promise<[string, HTTPMessage]> {
  const [urlType, path] = _splittype(url);
  const fp = await urlopen(url, data);
  let result: [string, HTTPMessage];
  let size = -1;
  let read = 0;
  try {
    const headers = fp.info();
    if (urlType === "file" && !filename) return [normalize(path), headers];
    let name = filename;
    if (!name) {
      name = tempName();
      tempfiles.push(name);
    }
    const out = await openFile(name, "w");
    try {
      result = [name, headers];
      const bs = 1024 * 8;
      let blocknum = 0;
      const cl = headers.get("content-length");
      if (cl !== null) size = Number.parseInt(cl, 10);
      reporthook?.(blocknum, bs, size);
      for (;;) {
        const block = await fp.read(bs);
        if (block.length === 0) break;
        read += block.length;
        await out.write(block);
        blocknum += 1;
        reporthook?.(blocknum, bs, size);
      }
    } finally {
      await out.close();
    }
  } finally {
    fp.close();
  }
  if (size >= 0 && read < size) {
    throw new ContentTooShortError(`retrieval incomplete: got only ${read} out of ${size} bytes`, result);
  }
  return result;
}

/**
 * Python's `urlcleanup`: removes the temporary files `urlretrieve` made, and
 * drops the opener, so the next urlopen reads the proxy variables again.
 *
 * @example
 * ```ts
 * await urlcleanup();
 * ```
 */
export async function urlcleanup(): Promise<void> {
  _forgetOpener();
  const names = tempfiles.splice(0);
  await Promise.all(names.map((n) => rm(n, { force: true })));
}
