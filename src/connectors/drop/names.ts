/**
 * Names in the tenant's drop: which paths may exist at all (`safeDropPath`) and which import
 * files the scheduler picks up (`checkImportKey`). Pure: no R2, no clock.
 *
 * The merchant's spec (FTP integration article): one folder per entity, files named
 * `ENTITY_DD_MM_YYYY.csv`, e.g. `import/PRODUCT/PRODUCT_18_09_2024.csv`. A second file on the
 * same day carries a suffix: `PRODUCT_18_09_2024_2.csv`, then `_3`, … The first file of a day
 * has no suffix, so `_1` is refused: it would tie with the unsuffixed file for "first".
 */

export const ENTITIES = ["PRODUCT", "INVENTORY", "CUSTOMER", "ADDRESS", "CONTACT", "CATEGORY", "COLLECTION", "ORDER"] as const;
export type DropEntity = (typeof ENTITIES)[number];

/** The top folders of a drop; nothing else may be written. */
export const DROP_FOLDERS = ["import", "processed", "rejected", "reports", "export"] as const;
export type DropFolder = (typeof DROP_FOLDERS)[number];

/** Longest drop-relative path, in UTF-8 bytes (R2 allows 1024 for the whole key, prefix included). */
export const MAX_DROP_PATH_BYTES = 512;

/** Highest same-day suffix accepted (`_9999`): an inventory feed every minute needs 1440. */
export const MAX_SEQUENCE = 9999;

export type ImportKeyCheck = { ok: true; entity: DropEntity; fileName: string; date: string; sequence: number } | { ok: false; reason: string };

export type DropPathCheck = { ok: true; path: string } | { ok: false; reason: string };

const isEntity = (value: string): value is DropEntity => (ENTITIES as readonly string[]).includes(value);

// The example date has a day above 12 so it cannot be read as MM_DD; it is fixed (no clock here).
const EXAMPLE_DATE = "23_11_2026";

/** What a file name of `entity` must look like, said the same way in every reason. */
export function fileNameRule(entity: DropEntity): string {
  return `file name must be ${entity}_DD_MM_YYYY.csv (or ${entity}_DD_MM_YYYY_2.csv for a second file that day), ` + `e.g. ${entity}_${EXAMPLE_DATE}.csv`;
}

const entityFolders = () => ENTITIES.map((e) => `import/${e}/`).join(", ");

/** The entity a file name claims by its prefix (`PRODUCT_…`, any case), if any. */
function claimedEntity(fileName: string): DropEntity | null {
  const prefix = /^([A-Za-z]+)_/.exec(fileName)?.[1]?.toUpperCase();
  return prefix && isEntity(prefix) ? prefix : null;
}

/**
 * Checks a drop-relative key under `import/` and reads its entity, date and same-day sequence.
 * A wrong name or folder gives a reason that says what the name or folder must be.
 */
export function checkImportKey(path: string): ImportKeyCheck {
  const safe = safeDropPath(path);
  if (!safe.ok) return { ok: false, reason: safe.reason };
  if (path.endsWith("/")) return { ok: false, reason: `"${path}" is a folder, not a file` };

  const segments = path.split("/");
  if (segments[0] !== "import") {
    return { ok: false, reason: `only files under import/<ENTITY>/ are imported; "${path}" is not under import/` };
  }
  const fileName = segments[segments.length - 1];
  const claimed = claimedEntity(fileName);

  if (segments.length === 2) {
    return {
      ok: false,
      reason: claimed ? `a ${claimed} file must be in import/${claimed}/, not import/` : `a file must be in its entity's folder (${entityFolders()}); got "${path}"`,
    };
  }
  const folder = segments[1];
  if (segments.length > 3) {
    const entity = isEntity(folder) ? folder : claimed;
    const inner = segments.slice(0, -1).join("/");
    return {
      ok: false,
      reason: entity
        ? `files in subfolders are not read: a ${entity} file must be directly in import/${entity}/, not ${inner}/`
        : `files in subfolders are not read: put the file directly in its entity's folder (${entityFolders()}); got "${path}"`,
    };
  }
  if (!isEntity(folder)) {
    if (claimed) return { ok: false, reason: `a ${claimed} file must be in import/${claimed}/, not import/${folder}/` };
    const upper = folder.toUpperCase();
    if (isEntity(upper)) return { ok: false, reason: `the folder must be import/${upper}/ (upper case), not import/${folder}/` };
    return { ok: false, reason: `import/${folder}/ is not an entity folder; use one of ${entityFolders()}` };
  }
  if (claimed && claimed !== folder) {
    return { ok: false, reason: `a ${claimed} file must be in import/${claimed}/, not import/${folder}/` };
  }
  return checkFileName(folder, fileName);
}

function checkFileName(entity: DropEntity, fileName: string): ImportKeyCheck {
  const rule = `${fileNameRule(entity)}; got "${fileName}"`;
  // The entity part is exact (upper case, as the folder); only the extension's case is free.
  const match = new RegExp(`^${entity}_(\\d{2})_(\\d{2})_(\\d{4})(?:_(\\d{1,4}))?\\.[cC][sS][vV]$`).exec(fileName);
  if (!match) return { ok: false, reason: rule };
  const [, dd, mm, yyyy, suffix] = match;
  const day = Number(dd);
  const month = Number(mm);
  const year = Number(yyyy);
  if (month < 1 || month > 12) {
    return { ok: false, reason: `${dd}_${mm}_${yyyy} has no month ${mm}: the date is day first (DD_MM_YYYY); ${rule}` };
  }
  // Years outside 2000–2099 are typos (0224, 2204) far more often than real data.
  if (year < 2000 || year > 2099) {
    return { ok: false, reason: `year ${yyyy} is out of range (2000 to 2099); ${rule}` };
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) {
    return { ok: false, reason: `${dd}_${mm}_${yyyy} is not a real date (that month has ${daysInMonth} days); ${rule}` };
  }
  let sequence = 1;
  if (suffix !== undefined) {
    sequence = Number(suffix);
    if (sequence < 2 || suffix.startsWith("0")) {
      return {
        ok: false,
        reason: `the same-day suffix must be _2, _3, … (the first file of a day has none), not _${suffix}; ${rule}`,
      };
    }
  }
  return { ok: true, entity, fileName, date: `${yyyy}-${mm}-${dd}`, sequence };
}

// ── paths ───────────────────────────────────────────────────────────────────

// C0 controls and DEL; the brief's set (C1 controls pass: they are printable in UTF-8 keys).
const CONTROL = /[\u0000-\u001f\u007f]/;

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first structural problem of a path, or null. Run on the raw, decoded and normalised forms. */
function structuralProblem(path: string): string | null {
  const control = CONTROL.exec(path);
  if (control) return `contains a control character (${codePoint(control[0])})`;
  if (path.startsWith("/") || path.startsWith("\\")) return "is absolute (starts with / or \\); give it relative to the drop, e.g. import/PRODUCT/…";
  if (/^[A-Za-z]:/.test(path)) return "is a drive path (like C:\\); give it relative to the drop, e.g. import/PRODUCT/…";
  if (path.includes("\\")) return "contains a backslash; separate folders with /";
  const segments = path.split("/");
  // One trailing slash names a folder (a listing prefix such as `import/PRODUCT/`).
  const inner = path.endsWith("/") ? segments.slice(0, -1) : segments;
  for (const segment of inner) {
    if (segment === "") return "has an empty segment (//)";
    if (segment === "..") return `has a ".." segment, which would climb out of its folder`;
    // `.` and `...` are no names either (Windows trims trailing dots, so `...` may become `..`).
    if (/^\.+$/.test(segment)) return `has a "${segment}" segment; folder and file names cannot be only dots`;
  }
  return null;
}

/** Decodes every `%XX` byte escape once, leaving malformed ones as they are (as lenient decoders do). */
function percentDecodeOnce(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Accepts a drop-relative path only if it cannot leave the tenant's prefix and lives in one of
 * the drop's folders. Nothing is normalised: a suspicious path is refused, never repaired.
 * A trailing `/` is allowed (a folder, e.g. a listing prefix); a top folder alone is too.
 */
export function safeDropPath(input: string): DropPathCheck {
  if (typeof input !== "string" || input.length === 0) return { ok: false, reason: "path is empty" };
  const bytes = new TextEncoder().encode(input).length;
  if (bytes > MAX_DROP_PATH_BYTES) {
    return { ok: false, reason: `path is ${bytes} bytes long; the limit is ${MAX_DROP_PATH_BYTES}` };
  }
  const raw = structuralProblem(input);
  if (raw) return { ok: false, reason: `path ${raw}` };

  // A layer below may decode once more (%2e%2e → ..), so the decoded form must be safe too;
  // an encoded "%" (%25) is a second layer of encoding and is refused outright.
  if (/%25/i.test(input)) return { ok: false, reason: "path is percent-encoded twice (%25); send the plain name" };
  const decoded = percentDecodeOnce(input);
  if (decoded !== input) {
    const problem = structuralProblem(decoded);
    if (problem) return { ok: false, reason: `path decodes (percent-encoding) to one that ${problem}` };
  }
  // Full-width dots and slashes (．．／) become ../ under NFKC, which some file systems apply.
  const normalised = decoded.normalize("NFKC");
  if (normalised !== decoded) {
    const problem = structuralProblem(normalised);
    if (problem) return { ok: false, reason: `path contains look-alike characters; normalised it ${problem}` };
  }

  const top = input.split("/")[0];
  if (!(DROP_FOLDERS as readonly string[]).includes(top)) {
    const folders = DROP_FOLDERS.map((f) => `${f}/`).join(", ");
    return { ok: false, reason: `path must start with one of ${folders}; got "${input}"` };
  }
  return { ok: true, path: input };
}
