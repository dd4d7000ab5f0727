import { z } from "zod";
import { VendorError, type Connector, type CursorPageResult, type CursorPuller, type VendorHttp, type VendorRequest } from "../src/engine/connector";

/**
 * A minimal Back Market puller for the engine's cursor-paging tests, until the Back Market
 * connector exists: online listings (`GET /ws/listings?publication_state=2`) become platform
 * products. Back Market pages by `page` and hands out an absolute `next` link plus `count`, so
 * its cursor is positional: a listing going offline moves every later one up a place.
 *
 * The cursor kept is the `next` link's query string, never the link itself: the hub calls
 * only its connection's base URL, whatever a vendor answer says.
 */

export const VENDOR = "backmarket-listings-test";

const HEADERS = { "Accept-Language": "fr-fr", "User-Agent": "BM-Switchyard-Hub;ops@switchyard.example" };

const settingsSchema = z.object({ page_size: z.number().int().min(1).max(50).default(50) });
type Settings = z.infer<typeof settingsSchema>;

const listingPage = z.object({
  count: z.number().int().min(0),
  next: z.string().nullable(),
  results: z.array(z.looseObject({ sku: z.string(), title: z.string(), price: z.string(), quantity: z.number() })),
});

async function get(http: VendorHttp, query: Array<[string, string]>): Promise<z.infer<typeof listingPage>> {
  const req: VendorRequest = { method: "GET", path: "/ws/listings", query, headers: HEADERS };
  const res = await http(req);
  if (res.status === 429) throw new VendorError("throttle", "Back Market rate limit", 429, Date.now() + 10_000);
  if (!res.ok) throw new VendorError(res.status >= 500 ? "transient" : "fatal", `Back Market listings: ${res.status} ${await res.text()}`, res.status);
  return listingPage.parse(await res.json());
}

/** `count` is the total (Django REST framework) or this page's size; a full page with a next one tells which. */
function totalOf(page: z.infer<typeof listingPage>): number | null {
  if (page.next !== null && page.count === page.results.length) return null;
  return page.count;
}

const firstQuery = (settings: Settings): Array<[string, string]> => [
  ["publication_state", "2"],
  ["page-size", String(settings.page_size)],
];

const listingsPuller: CursorPuller<Settings> = {
  paging: "positional",
  platformEntity: "products",
  defaultIntervalMinutes: 60,

  async fetchPage(http, settings, _window, cursor): Promise<CursorPageResult> {
    const query = cursor === null ? firstQuery(settings) : [...new URLSearchParams(cursor)];
    const page = await get(http, query);
    return {
      records: page.results.map((raw) => ({ externalId: raw.sku, raw })),
      next: page.next === null ? null : new URL(page.next).search.slice(1),
      total: totalOf(page),
    };
  },

  async fetchTotal(http, _settings) {
    const page = await get(http, [
      ["publication_state", "2"],
      ["page-size", "1"],
    ]);
    return totalOf(page);
  },

  async fetchOne(http, _settings, sku) {
    const res = await http({ method: "GET", path: "/ws/listings/detail", query: [["sku", sku]], headers: HEADERS });
    if (res.status === 404) return null;
    return { externalId: sku, raw: await res.json() };
  },

  map(raw) {
    const listing = raw as { sku: string; title: string; price: string };
    return { ok: true, record: { sku: listing.sku, name: listing.title, status: "active", price: Number(listing.price) } };
  },
};

/**
 * The same listings read as if Back Market kept a keyset cursor (it does not: its `next` carries
 * a page number). Only for the engine's test of what a keyset declaration changes: the chain's
 * end closes the window, with no count read and no second walk.
 */
export const KEYSET_VENDOR = "backmarket-listings-keyset-test";

export const backMarketListings: Connector<Settings, { token: string }> = {
  vendor: VENDOR,
  settingsSchema,
  credentialsSchema: z.object({ token: z.string().min(1) }),
  defaultRequestsPerMinute: 1_000,
  // A Back Office token does not expire; it is sent as `Basic <token>` (the token itself).
  login: async ({ credentials }) => ({ accessToken: credentials.token, expiresAt: Date.now() + 365 * 86_400_000 }),
  authHeader: (token) => `Basic ${token}`,
  testConnection: async () => ({}),
  pullers: { products: listingsPuller },
};

export const backMarketListingsAsKeyset: Connector<Settings, { token: string }> = {
  ...backMarketListings,
  vendor: KEYSET_VENDOR,
  pullers: { products: { ...listingsPuller, paging: "keyset" } },
};
