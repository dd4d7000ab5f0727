/** Vendors store countries as codes or as names typed by hand; the platform wants ISO 3166-1 alpha-2. */
const COUNTRY_NAMES: Record<string, string> = {
  "UNITED STATES": "US",
  "UNITED STATES OF AMERICA": "US",
  USA: "US",
  "U.S.": "US",
  "U.S.A.": "US",
  CANADA: "CA",
  CAN: "CA",
  MEXICO: "MX",
  MEX: "MX",
  "PUERTO RICO": "PR",
  "UNITED KINGDOM": "GB",
  UK: "GB",
  "GREAT BRITAIN": "GB",
  GBR: "GB",
  IRELAND: "IE",
  AUSTRALIA: "AU",
  AUS: "AU",
  "NEW ZEALAND": "NZ",
  GERMANY: "DE",
  FRANCE: "FR",
  NETHERLANDS: "NL",
};

export function countryCode(raw: string | null | undefined): string | null {
  const value = (raw ?? "").trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(value)) return value;
  return COUNTRY_NAMES[value] ?? null;
}
