/**
 * Text of a dropped file, decoded strictly. Spreadsheets write CSV in several encodings: UTF-8
 * (with or without a byte order mark), Windows-1252 (Excel on Windows, "CSV (Comma delimited)")
 * and UTF-16 with a byte order mark (Excel's "Unicode Text"). A file is read in byte slices, so
 * the encoding is decided once and carried from slice to slice:
 *
 * - a byte order mark decides it (UTF-8, UTF-16LE, UTF-16BE);
 * - otherwise the file is UTF-8 while it is valid UTF-8. Bytes that are not UTF-8 in a file that
 *   so far held only ASCII (and no UTF-8 sequence at all) make it Windows-1252 from there on —
 *   ASCII reads the same in both, so the slices already read stay right.
 *
 * A byte that cannot be read in the file's encoding (invalid UTF-8 in a UTF-8 file, a UTF-8
 * sequence in a Windows-1252 file, a byte Windows-1252 does not define, a lone UTF-16 surrogate)
 * becomes `UNREADABLE` in the text, one character per byte, so the row holding it is reported
 * and never stored mangled, and character positions still map to byte positions. Pure.
 */

export type Encoding = "utf-8" | "windows-1252" | "utf-16le" | "utf-16be";
/** `ascii`: no byte order mark and only ASCII so far; still UTF-8 or Windows-1252. */
export type EncodingState = Encoding | "ascii";

/** Stands in for each byte (or UTF-16 unit) that cannot be read; rows holding it are refused. */
export const UNREADABLE = "\u001a";

export interface DecodedSlice {
  text: string;
  /** The encoding after this slice. */
  encoding: EncodingState;
  /** Bytes of the slice that `text.slice(0, chars)` came from (a byte order mark included). */
  bytesOf(chars: number): number;
}

// Bytes Windows-1252 leaves undefined (the WHATWG decoder maps them to C1 controls).
const UNDEFINED_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/**
 * Windows-1252's 0x80–0x9F as the WHATWG index has them; every other byte is its Latin-1 code
 * point. Spelled out rather than left to `TextDecoder("windows-1252")`, which some runtimes
 * (Node 20) read as Latin-1, so this pure module decodes alike everywhere.
 */
const HIGH_1252 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
  0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

function windows1252Text(body: Uint8Array): string {
  const units = Uint16Array.from(body, (b) => (b >= 0x80 && b < 0xa0 ? HIGH_1252[b - 0x80] : b));
  let text = "";
  // A chunk at a time: fromCharCode takes its code units as arguments.
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.subarray(i, i + 8192));
  return text;
}

/**
 * Decodes one slice. `state` is null for the slice at the start of the file (a byte order mark
 * is looked for there). A slice that is not `final` may end inside a character: those bytes are
 * left out of `text` (the next slice reads them again).
 */
export function decodeSlice(bytes: Uint8Array, state: EncodingState | null, final: boolean): DecodedSlice {
  let bom = 0;
  let encoding: EncodingState = state ?? "ascii";
  if (state === null) {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) [bom, encoding] = [3, "utf-8"];
    else if (bytes[0] === 0xff && bytes[1] === 0xfe) [bom, encoding] = [2, "utf-16le"];
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) [bom, encoding] = [2, "utf-16be"];
    else encoding = utf16WithoutBom(bytes) ?? "ascii";
  }
  const body = bytes.subarray(bom);
  if (encoding === "utf-16le" || encoding === "utf-16be") {
    const text = decodeUtf16(body, encoding === "utf-16le", final);
    return { text, encoding, bytesOf: (chars) => bom + chars * 2 };
  }
  if (encoding === "windows-1252") return decode1252(body, bom);

  const scan = scanUtf8(body, final);
  if (scan.invalid.length > 0 && encoding === "ascii" && scan.multibyte === 0) return decode1252(body, bom);
  if (scan.multibyte > 0) encoding = "utf-8";
  let usable = body.subarray(0, scan.end);
  if (scan.invalid.length > 0) {
    usable = usable.slice();
    for (const i of scan.invalid) usable[i] = 0x1a;
  }
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(usable);
  const encoder = new TextEncoder();
  return { text, encoding, bytesOf: (chars) => bom + encoder.encode(text.slice(0, chars)).length };
}

function decode1252(body: Uint8Array, bom: number): DecodedSlice {
  // A valid UTF-8 sequence inside a Windows-1252 file is text from another file pasted in
  // ("Ã©" for "é"); it is refused like an undefined byte rather than stored as mojibake.
  const suspicious = new Set(scanUtf8(body, true).sequences);
  let text = windows1252Text(body);
  if (suspicious.size > 0 || body.some((b) => UNDEFINED_1252.has(b))) {
    const chars = [...text];
    body.forEach((b, i) => {
      if (suspicious.has(i) || UNDEFINED_1252.has(b)) chars[i] = UNREADABLE;
    });
    text = chars.join("");
  }
  return { text, encoding: "windows-1252", bytesOf: (chars) => bom + chars };
}

/** UTF-16 without a byte order mark: every other byte of ASCII text is 0. */
function utf16WithoutBom(bytes: Uint8Array): Encoding | null {
  const n = Math.min(bytes.length & ~1, 512);
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  if (oddZero > half * 0.6 && evenZero < half * 0.1) return "utf-16le";
  if (evenZero > half * 0.6 && oddZero < half * 0.1) return "utf-16be";
  return null;
}

function decodeUtf16(body: Uint8Array, littleEndian: boolean, final: boolean): string {
  let units = body.length >> 1;
  const unit = (i: number) => (littleEndian ? body[i * 2] | (body[i * 2 + 1] << 8) : (body[i * 2] << 8) | body[i * 2 + 1]);
  // A high surrogate at the end of a slice is completed by the next slice.
  if (!final && units > 0 && unit(units - 1) >= 0xd800 && unit(units - 1) <= 0xdbff) units--;
  const codes = new Array<number>(units);
  for (let i = 0; i < units; i++) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 1 < units ? unit(i + 1) : -1;
      if (next >= 0xdc00 && next <= 0xdfff) {
        codes[i] = u;
        codes[i + 1] = next;
        i++;
        continue;
      }
      codes[i] = 0x1a;
    } else if (u >= 0xdc00 && u <= 0xdfff) codes[i] = 0x1a;
    else codes[i] = u;
  }
  let text = "";
  for (let i = 0; i < codes.length; i += 8192) text += String.fromCharCode(...codes.slice(i, i + 8192));
  // An odd trailing byte of the last slice cannot be a character.
  return final && body.length % 2 === 1 ? text + UNREADABLE : text;
}

export interface Utf8Scan {
  /** Indexes of bytes that are not part of a valid UTF-8 sequence. */
  invalid: number[];
  /** Valid multi-byte sequences seen. */
  multibyte: number;
  /** Indexes of every byte of each valid multi-byte sequence. */
  sequences: number[];
  /** Bytes to decode: a sequence cut by the end of a slice that is not final is left out. */
  end: number;
}

/** Walks `bytes` as UTF-8 (WHATWG rules: no overlong forms, no surrogates, at most U+10FFFF). */
export function scanUtf8(bytes: Uint8Array, final: boolean): Utf8Scan {
  const invalid: number[] = [];
  const sequences: number[] = [];
  let multibyte = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else {
      invalid.push(i++);
      continue;
    }
    let j = 1;
    for (; j <= need && i + j < n; j++) {
      const c = bytes[i + j];
      if (c < (j === 1 ? lower : 0x80) || c > (j === 1 ? upper : 0xbf)) break;
    }
    if (j > need) {
      multibyte++;
      for (let k = 0; k <= need; k++) sequences.push(i + k);
      i += need + 1;
    } else if (i + j >= n && !final) {
      // Cut by the end of the slice: read again with the next one.
      return { invalid, multibyte, sequences, end: i };
    } else {
      invalid.push(i++);
    }
  }
  return { invalid, multibyte, sequences, end: n };
}

/** How the report names an encoding. */
export function encodingName(encoding: EncodingState | null | undefined): string {
  switch (encoding) {
    case "windows-1252":
      return "Windows-1252";
    case "utf-16le":
      return "UTF-16LE";
    case "utf-16be":
      return "UTF-16BE";
    default:
      return "UTF-8";
  }
}
