/**
 * `stdnet/ftplib` — Python's `ftplib` (FTP and explicit FTPS clients) over the
 * basic-ftp engine. Commands, replies, errors and debug output are Python's.
 *
 * @example
 * ```ts
 * import { FTP } from "stdnet/ftplib";
 * await using ftp = await FTP.open("127.0.0.1", "user", "secret");
 * await ftp.retrlines("LIST");                                  // prints the listing
 * await ftp.retrbinary("RETR data.bin", (block) => chunks.push(block));
 * await ftp.storbinary("STOR copy.bin", "local.bin");           // upload a local file
 * ```
 *
 * Differences from Python:
 * - Methods that talk to the server return Promises. `new FTP(host, …)` starts
 *   connecting (and logging in) as Python's constructor does and every method
 *   waits for it; `await FTP.open(host, …)` also reports a failure at once.
 *   The options object takes a `port` as well (Python's constructor always
 *   uses 21). One call at a time: a second call while one runs rejects
 *   (`RuntimeError`) and leaves the session as it was.
 * - `storbinary`/`storlines` take a node Readable, an (async) iterable of
 *   chunks, a Uint8Array, or the path of a local file, in place of a file
 *   object. Callbacks may return a Promise to hold the transfer (back-pressure).
 * - Every transfer method takes `{ signal }` (an AbortSignal) last: the data
 *   connection is closed, the control connection re-synchronised, and the
 *   method rejects with `signal.reason`.
 * - A transfer that fails leaves the session usable: the client waits for the
 *   server's closing reply before the next command (Python's gets out of step),
 *   and so does one whose data connection stalls past the timeout (TimeoutError).
 * - Active mode (`set_pasv(false)`: PORT, EPRT over IPv6) listens on the
 *   control connection's local address only (Python's on every interface).
 * - The low-level `ntransfercmd`/`transfercmd` hand out the data connection
 *   as a `stdnet/socket` socket (an `SSLSocket` under `prot_p()`, resuming the
 *   control connection's TLS session); `abort()` sends ABOR without Python's
 *   urgent (OOB) byte, which node cannot send — to stop a transfer method's
 *   own transfer, give it a `signal`. Debug output shows each reply's `*resp*`
 *   line as it arrives, those `abort()` and `getmultiline()` read too.
 *   `getline()` and the `sock` and `file` attributes are not provided, nor
 *   `MSG_OOB`: the control connection is basic-ftp's, which reads whole replies.
 * - `FTP_TLS` verifies the server's certificate by default
 *   (`create_default_context()`; Python's ftplib does not). `ccc()` cannot
 *   return node's socket to clear text: on success it closes the session.
 * - Commands containing NUL are refused as well as CR and LF (`ValueError`).
 * - `size()` resolves to a `bigint` for a size beyond `Number.MAX_SAFE_INTEGER`
 *   (stdnet's mapping of Python's int).
 * - On Linux, the first download tells glibc's malloc (by freeing one large
 *   block, as glibc's dynamic thresholds expect) to keep up to ~62 MiB of
 *   freed memory for reuse: node allocates each socket read afresh, and
 *   without it most processes faulted that memory in again after every GC,
 *   at up to twice the CPU a download (see `sockets/_heap.ts`).
 * - The default timeout is `null` (Python's `socket.getdefaulttimeout()`,
 *   which is `None` unless set); after a failed transfer the client waits at
 *   most the timeout (5 s without one) for the server's closing reply.
 * @module
 */
export { B_CRLF, CRLF, FTP, FTP_PORT, MAXLINE, print_line, type FTPOptions, type TransferOptions, type LineCallback, type MlsdFacts, type StorSource, type BlockCallback } from "./_ftpclient.js";
export { FTP_TLS, type FTP_TLSOptions } from "./_ftptls.js";
export {
  FtplibError as Error,
  error_reply,
  error_temp,
  error_perm,
  error_proto,
  all_errors,
} from "./_ftperrors.js";
export { parse150, parse227, parse229, parse257 } from "./_ftpreplies.js";
export { ftpcp } from "./_ftpcp.js";
