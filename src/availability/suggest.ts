/**
 * Suggested matches for a channel listing (or an order line) no platform product is linked to
 * (pure): the same identifiers the linking priority uses, then SKU and title similarity, best
 * first, each with the reason a merchant can check.
 */

export interface Suggestion {
  system_id: string;
  sku: string;
  name: string;
  /** 0..1 */
  score: number;
  reason: string;
}

export interface SuggestSubject {
  sku: string | null;
  title: string | null;
  identifiers?: Partial<Record<"upc" | "ean" | "gtin" | "mpn" | "isbn", string | null>> | null;
}

export interface SuggestProduct {
  system_id: string;
  sku: string;
  name: string;
  barcodes?: Partial<Record<"upc" | "ean" | "gtin" | "mpn" | "asin", string | null>> | null;
}

const IDENTIFIERS = [
  { field: "upc", label: "UPC" },
  { field: "ean", label: "EAN" },
  { field: "gtin", label: "GTIN" },
  { field: "mpn", label: "MPN" },
] as const;

const squash = (v: string | null | undefined) => (v ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
const words = (v: string | null | undefined) =>
  new Set(
    (v ?? "")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1),
  );

/** Dice coefficient of two word sets. */
export function titleSimilarity(a: string | null | undefined, b: string | null | undefined): number {
  const x = words(a);
  const y = words(b);
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return (2 * common) / (x.size + y.size);
}

/** An index of products so one subject is compared with the products sharing an identifier or a title word only. */
export class ProductMatcher {
  private byIdentifier = new Map<string, SuggestProduct[]>();
  private bySku = new Map<string, SuggestProduct[]>();
  private byWord = new Map<string, SuggestProduct[]>();

  constructor(private products: SuggestProduct[]) {
    const add = (map: Map<string, SuggestProduct[]>, key: string, p: SuggestProduct) => {
      if (!key) return;
      const list = map.get(key) ?? [];
      list.push(p);
      map.set(key, list);
    };
    for (const p of products) {
      for (const { field } of IDENTIFIERS) add(this.byIdentifier, squash(p.barcodes?.[field]), p);
      add(this.bySku, squash(p.sku), p);
      for (const w of words(p.name)) add(this.byWord, w, p);
      for (const w of words(p.sku)) add(this.byWord, w, p);
    }
  }

  suggest(subject: SuggestSubject, limit = 3): Suggestion[] {
    const found = new Map<string, Suggestion>();
    const offer = (p: SuggestProduct, score: number, reason: string) => {
      const known = found.get(p.system_id);
      if (!known || known.score < score) found.set(p.system_id, { system_id: p.system_id, sku: p.sku, name: p.name, score: +score.toFixed(2), reason });
    };
    for (const { field, label } of IDENTIFIERS) {
      const value = squash(subject.identifiers?.[field]);
      if (!value) continue;
      for (const p of this.byIdentifier.get(value) ?? []) {
        const same = squash(p.barcodes?.[field]) === value;
        offer(
          p,
          same ? 0.98 : 0.9,
          same ? `${label} ${subject.identifiers?.[field]} is the product's ${label}` : `${label} ${subject.identifiers?.[field]} is one of the product's identifiers`,
        );
      }
    }
    const sku = squash(subject.sku);
    if (sku) {
      for (const p of this.bySku.get(sku) ?? []) offer(p, 0.95, `SKU ${subject.sku} equals ${p.sku} apart from case and punctuation`);
    }
    const candidates = new Set<SuggestProduct>();
    for (const w of words(subject.title)) for (const p of this.byWord.get(w) ?? []) candidates.add(p);
    for (const w of words(subject.sku)) for (const p of this.byWord.get(w) ?? []) candidates.add(p);
    for (const p of candidates) {
      const title = titleSimilarity(subject.title, p.name);
      if (title >= 0.4) offer(p, 0.85 * title, `title ${Math.round(title * 100)}% alike: "${p.name}"`);
      const psku = squash(p.sku);
      if (sku && psku && sku !== psku && (sku.includes(psku) || psku.includes(sku)) && Math.min(sku.length, psku.length) >= 4) {
        offer(p, 0.6, `SKU ${subject.sku} contains ${p.sku}`.replace(/contains (.*)$/, sku.includes(psku) ? "contains $1" : "is part of $1"));
      }
    }
    return [...found.values()].sort((a, b) => b.score - a.score || a.sku.localeCompare(b.sku)).slice(0, limit);
  }

  get size(): number {
    return this.products.length;
  }
}
