/**
 * The part of Python's `mimetypes.guess_type` urllib needs: a file name's
 * type from its extension (compression suffixes looked through).
 * @module
 */

const TYPES: Readonly<Record<string, string>> = {
  ".txt": "text/plain", ".text": "text/plain", ".html": "text/html", ".htm": "text/html", ".json": "application/json",
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".css": "text/css",
  ".js": "text/javascript", ".mjs": "text/javascript", ".xml": "application/xml", ".csv": "text/csv", ".pdf": "application/pdf",
  ".zip": "application/zip", ".svg": "image/svg+xml", ".py": "text/x-python", ".md": "text/markdown", ".bin": "application/octet-stream",
  ".tar": "application/x-tar", ".mp3": "audio/mpeg", ".mp4": "video/mp4", ".wasm": "application/wasm", ".ico": "image/vnd.microsoft.icon",
  ".webp": "image/webp", ".c": "text/x-csrc", ".h": "text/x-chdr", ".sh": "text/x-sh", ".wav": "audio/x-wav", ".ps": "application/postscript",
  ".rtf": "application/rtf", ".tif": "image/tiff", ".tiff": "image/tiff", ".bmp": "image/bmp", ".exe": "application/octet-stream",
  ".so": "application/octet-stream", ".o": "application/octet-stream", ".a": "application/octet-stream", ".doc": "application/msword",
  ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint", ".eml": "message/rfc822", ".mht": "message/rfc822",
};
const ENCODINGS = new Set([".gz", ".bz2", ".xz", ".br", ".Z"]);
const SUFFIXES: Readonly<Record<string, string>> = { ".svgz": ".svg.gz", ".tgz": ".tar.gz", ".taz": ".tar.gz", ".tz": ".tar.gz", ".tbz2": ".tar.bz2", ".txz": ".tar.xz" };

function splitext(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return [path, ""];
  // a name made only of dots before the extension has none (".bashrc")
  if (/^\.+$/.test(path.slice(slash + 1, dot))) return [path, ""];
  return [path.slice(0, dot), path.slice(dot)];
}

/** The MIME type Python's `mimetypes.guess_type(url)[0]` gives, or `null`. */
export function guess_type(url: string): string | null {
  let path = url;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  if (scheme !== null && scheme[1]!.toLowerCase() === "data") {
    const comma = url.indexOf(",");
    if (comma < 0) return null;
    const semi = url.indexOf(";");
    const type = semi >= 0 && semi < comma ? url.slice(5, semi) : url.slice(5, comma);
    return type.includes("=") || !type.includes("/") ? "text/plain" : type;
  }
  path = path.replace(/[?#].*$/, "");
  let [base, ext] = splitext(path);
  while (SUFFIXES[ext.toLowerCase()] !== undefined) [base, ext] = splitext(base + SUFFIXES[ext.toLowerCase()]!);
  if (ENCODINGS.has(ext) || ENCODINGS.has(ext.toLowerCase())) [base, ext] = splitext(base);
  return TYPES[ext] ?? TYPES[ext.toLowerCase()] ?? null;
}
