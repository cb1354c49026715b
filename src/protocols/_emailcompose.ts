/**
 * The one file of `stdnet/email` that uses nodemailer: it hands a message
 * tree to nodemailer's MIME composer (`lib/mime-node`, the node tree that
 * `lib/mail-composer` builds its messages from) and takes the bytes it
 * streams out. The composer encodes headers (RFC 2047 words, address
 * formatting), picks each part's transfer encoding, draws the multipart
 * boundaries and ends lines as asked.
 *
 * nodemailer adds Date and Message-ID to every message it builds; Python's
 * EmailMessage adds neither, so the root here keeps only the headers the
 * caller set.
 * @module
 */
import MimeNode from "nodemailer/lib/mime-node";

/**
 * A part as the model gives it: its headers in order and its content or subparts.
 *
 * @example
 * ```ts
 * await composeMessage({ headers: [["Subject", "x"]], contentType: "text/plain", content: "hi\n" }, { linesep: "\n", utf8: false });
 * ```
 */
export interface ComposeNode {
  headers: readonly (readonly [string, string])[];
  /** The lower-case content type, e.g. "text/plain". */
  contentType: string;
  /** Text (a string is written as UTF-8), bytes, or the subparts of a multipart. */
  content: string | Buffer | readonly ComposeNode[];
}

interface MimeNodeInternals {
  messageId(): string;
  _headers: { key: string; value: unknown }[];
}

function fill(node: MimeNode, part: ComposeNode): void {
  for (const [key, value] of part.headers) {
    // The node already holds the Content-Type it was made with.
    if (key.toLowerCase() === "content-type") node.setHeader(key, value);
    else node.addHeader(key, value);
  }
  if (Array.isArray(part.content)) {
    for (const child of part.content as readonly ComposeNode[]) fill(node.createChild(child.contentType), child);
  } else {
    node.setContent(part.content as string | Buffer);
  }
}

/**
 * Composes the message; `linesep` ends every line, `utf8` is Python's SMTPUTF8 policy (headers stay encoded).
 *
 * @example
 * ```ts
 * const bytes = await composeMessage(node, { linesep: "\r\n", utf8: false });
 * ```
 */
export async function composeMessage(root: ComposeNode, options: { linesep: "\n" | "\r\n"; utf8: boolean }): Promise<Buffer> {
  const node = new MimeNode(root.contentType, {
    keepBcc: true,
    newline: options.linesep === "\n" ? "linux" : "win",
  });
  fill(node, root);
  const internals = node as unknown as MimeNodeInternals;
  // No Message-ID of the composer's own (see the module comment).
  internals.messageId = () => "";
  const hadDate = root.headers.some(([k]) => k.toLowerCase() === "date");
  if (!hadDate) {
    // The composer adds Date when the root has none; a marker it skips as empty keeps it out.
    node.setHeader("Date", " ");
  }
  return node.build();
}
