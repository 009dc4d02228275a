// The server's JSON answers as fpaste reads them: the server's own definitions (src/api/), types only,
// so the bundle gains no code. The names are the ones the commands already use.
export type { ChallengeJson } from '../api/challenge.js';
export type { CreatedItemJson as ItemJson, ItemListJson as ListJson } from '../api/items.js';
export type { CertificateJson, IssuedCertificateJson as IssuedJson, PkiStatusJson } from '../api/pki.js';
export type { ServerInfoJson } from '../api/server-info.js';
export type { ShortLinkJson as ShortJson } from '../api/short-links.js';
