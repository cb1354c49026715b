#!/usr/bin/env bash
# Packs stdnet (prepack builds dist/), installs the tarball into an empty
# project, type-checks a file that imports every public module under strict
# NodeNext settings (library types checked too), and runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" --prefix "$root" >/dev/null
cd "$work"
mkdir consumer && cd consumer
printf '{ "name": "consumer", "version": "1.0.0", "type": "module" }\n' > package.json
npm install --silent --prefer-offline ../stdnet-*.tgz typescript@5.9 @types/node@20 >/dev/null
cat > t.ts <<'TS'
import { socket, AF_INET, SOCK_STREAM, htons } from "stdnet/socket";
import { SSLContext, PROTOCOL_TLS_CLIENT } from "stdnet/ssl";
import { TCPServer } from "stdnet/socketserver";
import { pack, unpack } from "stdnet/struct";
import { dumps, loads, tuple } from "stdnet/pickle";
import { FTP } from "stdnet/ftplib";
import { SMTP } from "stdnet/smtplib";
import { EmailMessage } from "stdnet/email";
import { HTTPConnection } from "stdnet/http/client";
import { urlopen } from "stdnet/urllib/request";
import { urlparse } from "stdnet/urllib/parse";
import { HTTPError } from "stdnet/urllib/error";
import * as all from "stdnet";
const s: socket = new socket(AF_INET, SOCK_STREAM);
const record: Uint8Array = pack("<i", 1);
console.log(htons(80), unpack("<i", record), loads(dumps({ a: tuple(1, 2) })), urlparse("http://h/p").hostname,
  [FTP, SMTP, EmailMessage, HTTPConnection, urlopen, HTTPError, TCPServer, SSLContext].every((x) => typeof x === "function"),
  PROTOCOL_TLS_CLIENT, Object.keys(all).sort().join(","));
s.close();
TS
npx tsc --module nodenext --moduleResolution nodenext --target es2022 --strict --lib es2023,esnext.disposable --outDir out t.ts
node out/t.js
echo "package check: ok"
