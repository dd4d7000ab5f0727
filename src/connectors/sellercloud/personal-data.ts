/**
 * Keys (lower case) of SellerCloud payloads that hold a person's name, contact or street
 * address — customer details, order rows and their addresses (docs/sellercloud.md) — scrubbed
 * by the personal-data retention job beside the platform's own spellings.
 */
export const SELLERCLOUD_PERSONAL_FIELDS: readonly string[] = [
  "firstname",
  "lastname",
  "middlename",
  "middleinitial",
  "name",
  "contactname",
  "companyname",
  "business",
  "businessname",
  "corporatename",
  "emailaddress",
  "customeremail",
  "emailcc",
  "phonenumber",
  "homephone",
  "mobile",
  "fax",
  "faxnumber",
  "phone1",
  "phone2",
  "phone3",
  "streetline1",
  "streetline2",
  "address",
  "address2",
  "postalcode",
  "zipcode",
  "zip",
];
