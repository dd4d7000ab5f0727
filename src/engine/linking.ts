/**
 * The one linking engine (pure): records of one side ("subjects") are matched to records of the
 * other ("candidates") by an ordered list of rules, each comparing one field of each side. It links
 * SellerCloud products to platform products (subjects: platform products) and sales-channel
 * listings to platform products (subjects: channel listings).
 *
 * Each subject tries the rules top to bottom; the first rule whose value matches exactly one
 * candidate wins. A rule with several matches is a tie and is never guessed: the next rule is
 * tried, and a subject that ends with only ties is reported with them. With `exclusive`, a
 * candidate won by several subjects links none of them (a SellerCloud product can stand for one
 * platform product only); without it, several subjects may share a candidate (two channel SKUs
 * of one product).
 */

export interface LinkRule<S, C> {
  /** Shown on the link and in reports, e.g. `sku = ID`. */
  label: string;
  subject(s: S): unknown;
  candidate(c: C): unknown;
}

export interface LinkSpec<S, C> {
  subjects: S[];
  candidates: C[];
  rules: Array<LinkRule<S, C>>;
  subjectId(s: S): string;
  /** What a report calls the subject (its SKU). */
  subjectSku(s: S): string;
  candidateId(c: C): string;
  exclusive: boolean;
  /** How reports name the candidates and the subjects, e.g. "SellerCloud products", "platform products". */
  candidateName: string;
  subjectName: string;
  /** The fix a report of ties suggests, e.g. "make the value unique in SellerCloud or reorder linking_priority". */
  tieHint: string;
}

export interface LinkOutcome {
  links: Array<{ subjectId: string; candidateId: string; rule: string }>;
  ambiguous: Array<{ subjectId: string; sku: string; reason: string }>;
  unmatched: string[];
}

/** Values compare as trimmed, lower-cased text; numbers as their decimal text. */
export const linkValue = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).trim().toLowerCase() : "");

export function linkByPriority<S, C>(spec: LinkSpec<S, C>): LinkOutcome {
  // One index per rule: value → candidate ids.
  const indexes = spec.rules.map((rule) => {
    const byValue = new Map<string, Set<string>>();
    for (const c of spec.candidates) {
      const id = spec.candidateId(c);
      const value = linkValue(rule.candidate(c));
      if (!id || !value) continue;
      const ids = byValue.get(value) ?? new Set<string>();
      ids.add(id);
      byValue.set(value, ids);
    }
    return byValue;
  });

  const winners = new Map<string, Array<{ subject: S; rule: string }>>();
  const ambiguous: LinkOutcome["ambiguous"] = [];
  const unmatched: string[] = [];
  for (const subject of spec.subjects) {
    const ties: string[] = [];
    let won = false;
    for (const [i, rule] of spec.rules.entries()) {
      const value = linkValue(rule.subject(subject));
      if (!value) continue;
      const ids = [...(indexes[i].get(value) ?? [])];
      if (ids.length === 1) {
        const list = winners.get(ids[0]) ?? [];
        list.push({ subject, rule: rule.label });
        winners.set(ids[0], list);
        won = true;
        break;
      }
      if (ids.length > 1) ties.push(`${rule.label} "${value}" matches ${ids.length} ${spec.candidateName} (${ids.slice(0, 5).join(", ")})`);
    }
    if (won) continue;
    if (ties.length > 0) ambiguous.push({ subjectId: spec.subjectId(subject), sku: spec.subjectSku(subject), reason: `${ties.join("; ")}; ${spec.tieHint}` });
    else unmatched.push(spec.subjectId(subject));
  }

  const links: LinkOutcome["links"] = [];
  for (const [candidateId, claims] of winners) {
    if (!spec.exclusive || claims.length === 1) {
      for (const claim of claims) links.push({ subjectId: spec.subjectId(claim.subject), candidateId, rule: claim.rule });
      continue;
    }
    const who = claims.map((c) => `${spec.subjectSku(c.subject)} (by ${c.rule})`).join(", ");
    for (const claim of claims) {
      ambiguous.push({
        subjectId: spec.subjectId(claim.subject),
        sku: spec.subjectSku(claim.subject),
        reason: `${spec.candidateName.replace(/s$/, "")} ${candidateId} is matched by several ${spec.subjectName}: ${who}; neither is linked`,
      });
    }
  }
  return { links, ambiguous, unmatched };
}

/** Fields a sales channel's listing rows carry (normalised by each channel connector). */
export const CHANNEL_ROW_FIELDS = ["sku", "upc", "ean", "mpn", "gtin", "isbn"] as const;
/** Platform product fields a listing can be linked by. */
export const PRODUCT_LINK_FIELDS = ["sku", "upc", "ean", "mpn", "gtin", "asin"] as const;
export type ChannelRowField = (typeof CHANNEL_ROW_FIELDS)[number];
export type ProductLinkField = (typeof PRODUCT_LINK_FIELDS)[number];
export type ChannelLinkPair = { channel: ChannelRowField; platform: ProductLinkField };

const productField = (p: Record<string, unknown>, field: ProductLinkField) => (field === "sku" ? p.sku : (p.barcodes as Record<string, unknown> | null | undefined)?.[field]);

/**
 * Sales-channel listings as subjects, platform products as candidates: each listing SKU links to
 * the one product its first unique rule finds. Several listings may share a product (a variation
 * listing and a single listing of the same SKU, or one SKU in two channels).
 */
export function linkRowsToProducts(products: Array<Record<string, unknown>>, rows: Array<Record<string, unknown>>, priority: ChannelLinkPair[], channelName: string) {
  const outcome = linkByPriority({
    subjects: rows,
    candidates: products,
    rules: priority.map((pair) => ({
      label: `${pair.channel} = ${pair.platform}`,
      subject: (row: Record<string, unknown>) => row[pair.channel],
      candidate: (p: Record<string, unknown>) => productField(p, pair.platform),
    })),
    subjectId: (row) => String(row.sku ?? ""),
    subjectSku: (row) => String(row.sku ?? ""),
    candidateId: (p) => String(p.system_id ?? ""),
    exclusive: false,
    candidateName: "platform products",
    subjectName: `${channelName} listings`,
    tieHint: "make the value unique on the platform, link the listing by hand, or reorder linking_priority",
  });
  return {
    links: outcome.links.map((l) => ({ systemId: l.candidateId, externalId: l.subjectId, rule: l.rule })),
    ambiguous: outcome.ambiguous.map((a) => ({ id: a.subjectId, sku: a.sku, reason: a.reason })),
    unmatched: outcome.unmatched.length,
  };
}
