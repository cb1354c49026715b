/**
 * A real SMTP server (npm smtp-server) on 127.0.0.1, port 0, for tests and
 * benches: it records every envelope and the raw message it received (dot
 * stuffing already undone by the server), and can require AUTH PLAIN/LOGIN,
 * offer STARTTLS or implicit TLS with a throwaway certificate, enforce a SIZE
 * limit, refuse chosen senders and recipients, speak LMTP, or drop the
 * connection in the middle of DATA.
 */
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { TestCert } from "./certs.js";

/** One message as the server received it. */
export interface ReceivedMessage {
  /** MAIL FROM address ("" for the null sender). */
  from: string;
  /** MAIL FROM parameters as the server parsed them (upper-case keys), e.g. `{ SIZE: "123", SMTPUTF8: "" }`. */
  mailArgs: Record<string, string>;
  /** Accepted RCPT TO addresses, in order. */
  to: string[];
  /** The message bytes after the server undid the dot-stuffing, without the final ".". */
  raw: Buffer;
  /** The user that logged in on this session, if any. */
  user: string | undefined;
  /** Whether the session was over TLS when the message came. */
  secure: boolean;
}

export interface SmtpTestServerOptions {
  /** Require AUTH with these credentials (PLAIN and LOGIN offered unless `authMethods` says). */
  auth?: { user: string; pass: string };
  /** The AUTH mechanisms offered. @default ["PLAIN", "LOGIN"] */
  authMethods?: string[];
  /** Certificate for STARTTLS and implicit TLS; without it STARTTLS is not offered. */
  cert?: TestCert;
  /** Implicit TLS from the first byte (SMTP_SSL). Needs `cert`. */
  secure?: boolean;
  /** Announce and enforce SIZE. */
  size?: number;
  /** Recipients answered with 550. */
  refuse?: readonly string[];
  /** Senders answered with 553. */
  refuseSender?: readonly string[];
  /** Speak LMTP. */
  lmtp?: boolean;
  /** Destroy the connection once this many bytes of a message arrived. */
  dropAfterBytes?: number;
  /** Commands the server does not know, e.g. ["STARTTLS"]. */
  disabledCommands?: string[];
  /** Hide PIPELINING from the EHLO reply. */
  hidePIPELINING?: boolean;
  /** Listen on this Unix socket path instead of 127.0.0.1 (port is then 0). */
  path?: string;
}

export interface SmtpTestServer {
  host: "127.0.0.1";
  port: number;
  /** Messages in arrival order. */
  received: ReceivedMessage[];
  server: SMTPServer;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts a server; resolves once it listens. */
export async function startSmtpServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: ReceivedMessage[] = [];
  const refuse = new Set(options.refuse ?? []);
  const refuseSender = new Set(options.refuseSender ?? []);
  const disabled = [...(options.disabledCommands ?? [])];
  if (options.auth === undefined) disabled.push("AUTH");
  if (options.cert === undefined && !disabled.includes("STARTTLS")) disabled.push("STARTTLS");
  const serverOptions: SMTPServerOptions = {
    logger: false,
    name: "test.smtp.local",
    secure: options.secure === true,
    disabledCommands: disabled,
    authMethods: options.authMethods ?? ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    disableReverseLookup: true,
    lmtp: options.lmtp === true,
    hidePIPELINING: options.hidePIPELINING === true,
    size: options.size,
    socketTimeout: 20_000,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      const want = options.auth;
      if (want !== undefined && auth.username === want.user && auth.password === want.pass) {
        callback(null, { user: auth.username });
        return;
      }
      const err = Object.assign(new Error("Invalid username or password"), { responseCode: 535 });
      callback(err);
    },
    onMailFrom(address, _session, callback) {
      if (refuseSender.has(address.address)) {
        callback(Object.assign(new Error(`Sender ${address.address} not allowed`), { responseCode: 553 }));
        return;
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) {
        callback(Object.assign(new Error(`No such user here: ${address.address}`), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let length = 0;
      stream.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (options.dropAfterBytes !== undefined && length >= options.dropAfterBytes) {
          dropSession(session);
        }
      });
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error("Error: message exceeds fixed maximum message size"), { responseCode: 552 }));
          return;
        }
        const mailFrom = session.envelope.mailFrom;
        const args: Record<string, string> = {};
        if (mailFrom !== false && mailFrom.args !== false) {
          // A parameter without a value (SMTPUTF8) is recorded as "".
          for (const [k, v] of Object.entries(mailFrom.args)) {
            if (typeof v === "string") args[k] = v;
            else if (v) args[k] = "";
          }
        }
        received.push({
          from: mailFrom === false ? "" : mailFrom.address,
          mailArgs: args,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks, length),
          user: typeof session.user === "string" ? session.user : undefined,
          secure: session.secure,
        });
        callback(null, "Message queued as test");
      });
    },
  };
  if (options.cert !== undefined) {
    serverOptions.key = options.cert.key;
    serverOptions.cert = options.cert.cert;
  }
  const server = new SMTPServer(serverOptions);
  server.on("error", () => undefined);
  // smtp-server keeps its live sessions in `connections`; dropAfterBytes cuts the one whose data this is.
  interface Live { session: unknown; _socket: { destroy(): void } }
  const live = (server as unknown as { connections: Set<Live> }).connections;
  const dropSession = (session: unknown): void => {
    for (const c of live) if (c.session === session) c._socket.destroy();
  };
  const net = (server as unknown as { server: import("node:net").Server }).server;
  await new Promise<void>((resolve, reject) => {
    net.once("error", reject);
    const listening = (): void => {
      net.off("error", reject);
      resolve();
    };
    if (options.path !== undefined) server.listen(options.path, listening);
    else server.listen(0, "127.0.0.1", listening);
  });
  const address = net.address();
  const port = typeof address === "object" && address !== null ? (address).port : 0;
  return {
    host: "127.0.0.1",
    port,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
