/** Who is calling, once a client certificate has been checked. */
export interface Identity {
  /** Lowercase hex SHA-256 fingerprint of the DER certificate. */
  owner: string;
  admin: boolean;
  commonName: string;
}
