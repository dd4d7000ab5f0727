/**
 * Keeps the simulators' data in the local hub's data folder, so `npm start` after a restart
 * or a crash talks to the same SellerCloud and SOS accounts and the same platform stores the
 * hub's cursors, mappings and tokens refer to. Node only (the simulators themselves stay plain
 * fetch handlers): the harness wraps them when it is given a folder. Any simulator built on
 * sandbox/simulator.ts can be kept this way; it names its classes and transient fields.
 *
 *  - SellerCloud and SOS: an account is written whole to `<folder>/<simulator>/<account>.json`
 *    after every request that may change it (anything but GET/HEAD), before the response
 *    leaves. Writes to these are rare (control calls, logins, pushes), so a whole account is cheap.
 *  - platform: its stores change on every batch write, so it appends each change to a journal
 *    (`<folder>/platform.jsonl`) instead, and the journal is compacted at start.
 *
 * Accounts are class instances with Maps and shared rows, so they are written with a small
 * tagged JSON codec that keeps classes (by a registry), Maps, Sets, undefined and shared
 * references; caches a class can rebuild are left out.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FetchHandler } from "./serve";
import type { JournalEntry, PlatformJournal } from "./platform";

/** A class whose instances appear in an account. */
export interface ClassSpec {
  name: string;
  type: abstract new (...args: any[]) => object;
  /** A fresh instance to fill (when the constructor sets up what `skip` leaves out). */
  make?: () => object;
  /** Own fields not written (caches, functions); `make` provides them. */
  skip?: readonly string[];
}

/** What the harness needs to know to keep a simulator's accounts. */
export interface AccountPersistence<A> {
  classes: readonly ClassSpec[];
  /** A new account, into which a stored one is poured. */
  fresh(name: string): A;
  /** Fields that describe the running process, not the data (counters, request logs). */
  transient: readonly string[];
}

/** A simulator with accounts (sandbox/simulator.ts). */
export interface PersistentSimulator<A> extends FetchHandler {
  accounts: Map<string, A>;
  /** The account a request is for, from its URL. */
  accountOf(url: URL): string | null;
}

// ── codec ───────────────────────────────────────────────────────────────────

type Tagged = Record<string, unknown>;

export function encodeState(value: unknown, classes: readonly ClassSpec[]): string {
  const specOf = (o: object) => classes.find((c) => c.type === o.constructor);
  // Pass 1: which objects are reached more than once (they get an id).
  const visits = new Map<object, number>();
  const count = (v: unknown): void => {
    if (typeof v !== "object" || v === null) return;
    const n = (visits.get(v) ?? 0) + 1;
    visits.set(v, n);
    if (n > 1) return;
    if (v instanceof Map) for (const [k, x] of v) count(k), count(x);
    if (v instanceof Set) for (const x of v) count(x);
    else if (!(v instanceof Date)) for (const [k, x] of Object.entries(v)) if (!specOf(v)?.skip?.includes(k)) count(x);
  };
  count(value);
  const ids = new Map<object, number>();
  const props = (o: object, skip: readonly string[] = []) => {
    const out: Tagged = {};
    for (const [k, x] of Object.entries(o)) {
      if (skip.includes(k)) continue;
      if (typeof x === "function") throw new Error(`cannot keep the function in field ${k} of ${o.constructor?.name}; list it in skip`);
      out[k] = enc(x);
    }
    return out;
  };
  const enc = (v: unknown): unknown => {
    if (v === undefined) return { $undefined: 1 };
    if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
    if (typeof v === "bigint" || typeof v === "symbol" || typeof v === "function") throw new Error(`cannot keep a ${typeof v}`);
    if (typeof v !== "object" || v === null) return v;
    const known = ids.get(v);
    if (known !== undefined) return { $ref: known };
    const id = (visits.get(v) ?? 0) > 1 ? ids.size : undefined;
    if (id !== undefined) ids.set(v, id);
    const tag = (t: Tagged): Tagged => (id === undefined ? t : { $id: id, ...t });
    if (Array.isArray(v)) return id === undefined ? v.map(enc) : tag({ $array: v.map(enc) });
    if (v instanceof Date) return tag({ $date: v.getTime() });
    if (v instanceof Set) return tag({ $set: [...v].map(enc) });
    const proto = Object.getPrototypeOf(v);
    const plain = proto === Object.prototype || proto === null;
    const spec = plain ? undefined : specOf(v);
    if (!plain && !spec && proto !== Map.prototype) throw new Error(`cannot keep an instance of ${v.constructor?.name}; register its class`);
    if (v instanceof Map) {
      const entries = [...v].map(([k, x]) => [enc(k), enc(x)]);
      return tag({ $map: entries, ...(spec ? { $class: spec.name, $props: props(v, spec.skip) } : {}) });
    }
    if (spec) return tag({ $class: spec.name, $props: props(v, spec.skip) });
    const fields = props(v);
    return id === undefined && !Object.keys(fields).some((k) => k.startsWith("$")) ? fields : tag({ $object: fields });
  };
  return JSON.stringify(enc(value));
}

export function decodeState(text: string, classes: readonly ClassSpec[]): unknown {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const ids = new Map<number, unknown>();
  const fill = (target: object, fields: Tagged, skip: readonly string[] = []) => {
    for (const [k, x] of Object.entries(fields)) if (!skip.includes(k)) (target as Tagged)[k] = dec(x);
    return target;
  };
  const dec = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dec);
    if (typeof v !== "object" || v === null) return v;
    const t = v as Tagged;
    if ("$ref" in t) return ids.get(t.$ref as number);
    if ("$undefined" in t) return undefined;
    if ("$number" in t) return Number(t.$number);
    // The container is registered before its contents, so a shared or cyclic reference finds it.
    const keep = <T>(o: T): T => {
      if (typeof t.$id === "number") ids.set(t.$id, o);
      return o;
    };
    if ("$array" in t) {
      const out = keep([] as unknown[]);
      for (const x of t.$array as unknown[]) out.push(dec(x));
      return out;
    }
    if ("$date" in t) return keep(new Date(t.$date as number));
    if ("$set" in t) {
      const out = keep(new Set<unknown>());
      for (const x of t.$set as unknown[]) out.add(dec(x));
      return out;
    }
    const spec = typeof t.$class === "string" ? byName.get(t.$class) : undefined;
    if (t.$class !== undefined && !spec) throw new Error(`unknown class ${String(t.$class)} in stored state`);
    if ("$map" in t) {
      const out = keep((spec?.make?.() ?? (spec ? Reflect.construct(Map, [], spec.type) : new Map())) as Map<unknown, unknown>);
      for (const [k, x] of t.$map as Array<[unknown, unknown]>) out.set(dec(k), dec(x));
      if (spec) fill(out, t.$props as Tagged, spec.skip);
      return out;
    }
    if (spec) return fill(keep(spec.make?.() ?? Object.create(spec.type.prototype)), t.$props as Tagged, spec.skip);
    if ("$object" in t) return fill(keep({}), t.$object as Tagged);
    return fill({}, t);
  };
  return dec(JSON.parse(text));
}

// ── simulators with accounts ────────────────────────────────────────────────

const fileOf = (name: string) => `${encodeURIComponent(name)}.json`;

/**
 * Loads the accounts kept in `folder` into the simulator and returns a handler that writes an
 * account back after each request that may have changed it.
 */
export function persistAccounts<A extends object>(sim: PersistentSimulator<A>, spec: AccountPersistence<A>, folder: string): FetchHandler {
  mkdirSync(folder, { recursive: true });
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".json"))) {
    const name = decodeURIComponent(file.slice(0, -".json".length));
    const stored = decodeState(readFileSync(join(folder, file), "utf8"), spec.classes) as Record<string, unknown>;
    const account = spec.fresh(name);
    for (const [k, v] of Object.entries(stored)) if (!spec.transient.includes(k)) (account as Record<string, unknown>)[k] = v;
    sim.accounts.set(name, account);
  }
  const save = (name: string) => {
    const account = sim.accounts.get(name);
    if (!account) return;
    const kept = Object.fromEntries(Object.entries(account).filter(([k]) => !spec.transient.includes(k)));
    const path = join(folder, fileOf(name));
    // Written aside and renamed: a crash mid-write leaves the previous version whole.
    writeFileSync(`${path}.tmp`, encodeState(kept, spec.classes));
    renameSync(`${path}.tmp`, path);
  };
  return {
    async fetch(req) {
      const response = await sim.fetch(req);
      if (req.method !== "GET" && req.method !== "HEAD") {
        const name = sim.accountOf(new URL(req.url));
        if (name !== null) save(name);
      }
      return response;
    },
  };
}

// ── the platform's journal ──────────────────────────────────────────────────

/** A JSON-lines journal; a line cut short by a crash (the last one) is ignored. */
export function fileJournal(path: string): PlatformJournal & { rewrite(entries: JournalEntry[]): void } {
  return {
    load() {
      if (!existsSync(path)) return [];
      const lines = readFileSync(path, "utf8").split("\n");
      const out: JournalEntry[] = [];
      lines.forEach((line, i) => {
        if (!line.trim()) return;
        try {
          out.push(JSON.parse(line) as JournalEntry);
        } catch (err) {
          if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) throw new Error(`${path}: line ${i + 1} is damaged: ${(err as Error).message}`);
        }
      });
      return out;
    },
    append(entries) {
      appendFileSync(path, `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
    },
    rewrite(entries) {
      writeFileSync(`${path}.tmp`, entries.map((e) => JSON.stringify(e)).join("\n") + (entries.length ? "\n" : ""));
      renameSync(`${path}.tmp`, path);
    },
  };
}
