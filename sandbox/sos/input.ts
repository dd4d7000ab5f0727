/**
 * SOS Inventory simulator: reading a write's body — JSON under any Content-Type, keys
 * case-insensitive (.NET style [I]), values coerced, references resolved by id or name.
 */
import { formatLocal, parseVendorDate } from "../zones";
import { EMPTY_ADDRESS_LINES, WRITABLE, emptyTxAddress, type RefTarget } from "./records";
import { SosError, simNow, type Account, type Json, type Resource, type Stored } from "./state";

export function lowerKeys(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) map.set(k.toLowerCase(), v);
  }
  return map;
}

export function getCi(value: unknown, key: string): unknown {
  return lowerKeys(value).get(key.toLowerCase());
}

export function hasCi(value: unknown, key: string): boolean {
  return lowerKeys(value).has(key.toLowerCase());
}

export function toNumber(value: unknown, field: string): number {
  if (value === null || value === undefined || value === "") return 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  throw new SosError(`${field} must be a number`);
}

export function toBool(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === null || value === undefined || value === "") return false;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string" && /^(true|false|yes|no)$/i.test(value)) return /^(true|yes)$/i.test(value);
  throw new SosError(`${field} must be true or false`);
}

export function toText(value: unknown, field: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new SosError(`${field} must be a string`);
}

export function toId(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^\d+$/.test(value.trim()) && Number(value) > 0) return Number(value);
  return null;
}

/** A naive timestamp `YYYY-MM-DDTHH:mm:ss` in the account's zone (an input with an offset is converted). */
export function toNaive(account: Account, value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === "") return null;
  const parsed = typeof value === "string" ? parseVendorDate(value, account.config.timeZone) : null;
  if (!parsed) throw new SosError(`${field} is not a valid date`);
  return formatLocal(parsed.epochMs, account.config.timeZone);
}

export function todayNaive(account: Account): string {
  return `${formatLocal(simNow(account), account.config.timeZone).slice(0, 10)}T00:00:00`;
}

export function addDays(naive: string, days: number): string {
  const d = new Date(`${naive}Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 19);
}

function readAddressLines(value: unknown): Json {
  const src = lowerKeys(value);
  const out: Json = {};
  for (const key of Object.keys(EMPTY_ADDRESS_LINES)) out[key] = toText(src.get(key.toLowerCase()), key);
  return out;
}

/** Accepts the transaction shape or a plain address (both appear in the sources, docs/vendors/sos-api.md §6). */
function readAddress(value: unknown, field: string): Json {
  if (value === null || value === undefined) return emptyTxAddress();
  if (typeof value !== "object" || Array.isArray(value)) throw new SosError(`${field} must be an address object`);
  const src = lowerKeys(value);
  const inner = src.get("address");
  const out = emptyTxAddress();
  for (const key of ["company", "contact", "phone", "email", "addressName", "addressType"]) out[key] = toText(src.get(key.toLowerCase()), `${field}.${key}`);
  out.address = readAddressLines(inner && typeof inner === "object" ? inner : value);
  return out;
}

function readContact(value: unknown): Json {
  const src = lowerKeys(value);
  const out: Json = {};
  for (const key of ["title", "firstName", "middleName", "lastName", "suffix"]) out[key] = toText(src.get(key.toLowerCase()), `contact.${key}`);
  return out;
}

function refName(resource: Resource, rec: Stored): string {
  if (resource === "salesrep") return `${rec.data.firstName} ${rec.data.lastName}`.trim();
  return String(rec.data.name ?? rec.data.number ?? "");
}

const REF_LABEL: Record<string, string> = { category: "Category" };

/** `{id}` or `{name}` (id first, then exact name); a 1-element array is unwrapped (quirk 9); output is always `{id, name}`. */
export function resolveRef(account: Account, target: RefTarget, raw: unknown, field: string): Json | null {
  let value = raw;
  if (Array.isArray(value)) value = value[0];
  if (value === null || value === undefined || value === "") return null;
  let id: number | null = null;
  let name: string | null = null;
  if (typeof value === "number") id = toId(value);
  else if (typeof value === "string") name = value;
  else if (typeof value === "object") {
    id = toId(getCi(value, "id"));
    const n = getCi(value, "name");
    name = typeof n === "string" && n !== "" ? n : null;
  } else throw new SosError(`${field} is not a valid reference`);
  if (target === null) return { id, name };
  if (id === null && name === null) throw new SosError(`${field} needs an id or a name`);

  const resource: Resource = target === "category" ? "item" : target;
  const table = account.tables[resource];
  const fits = (rec: Stored) => target !== "category" || rec.data.type === "Category";
  let found: Stored | undefined;
  if (id !== null) {
    const rec = table.get(id);
    if (rec && fits(rec)) found = rec;
  }
  if (!found && name !== null) {
    for (const rec of table.sorted()) {
      if (fits(rec) && refName(resource, rec) === name) {
        found = rec;
        break;
      }
    }
    if (!found && resource === "item") found = table.sorted().find((rec) => fits(rec) && rec.data.fullname === name);
  }
  if (!found) throw new SosError(`${REF_LABEL[target] ?? field} not found: ${id ?? name}`);
  return { id: found.id, name: refName(resource, found) };
}

/** The writable fields present in `body`, coerced; refs resolved. */
export function readFields(account: Account, resource: Resource, body: Json): Json {
  const src = lowerKeys(body);
  if (resource === "payment" && !src.has("comment") && src.has("memo")) src.set("comment", src.get("memo"));
  const values: Json = {};
  for (const [key, spec] of Object.entries(WRITABLE[resource])) {
    const lk = key.toLowerCase();
    if (!src.has(lk)) continue;
    const raw = src.get(lk);
    switch (spec.kind) {
      case "string":
        values[key] = toText(raw, key);
        break;
      case "number":
        values[key] = toNumber(raw, key);
        break;
      case "bool":
        values[key] = toBool(raw, key);
        break;
      case "date":
        values[key] = toNaive(account, raw, key);
        break;
      case "ref":
        values[key] = resolveRef(account, spec.ref ?? null, raw, key);
        break;
      case "address":
        values[key] = readAddress(raw, key);
        break;
      case "plainAddress":
        values[key] = readAddressLines(raw);
        break;
      case "contact":
        values[key] = readContact(raw);
        break;
      case "json":
        values[key] = raw === undefined ? null : structuredClone(raw);
        break;
    }
  }
  return values;
}
