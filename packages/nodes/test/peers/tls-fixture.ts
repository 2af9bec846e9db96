// A self-signed certificate for "hooks.test" (P-256, valid to 2126) and its key: test-only, trusted nowhere.

/** PEM certificate, CN and subjectAltName DNS:hooks.test; also its own CA. */
export const HOOKS_TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBlzCCAT6gAwIBAgIUBo3peZUAwwebSx5SY20heLT3MMIwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKaG9va3MudGVzdDAgFw0yNjExMjMxMjEwMTdaGA8yMTI2MTAz
MDEyMTAxN1owFTETMBEGA1UEAwwKaG9va3MudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABLLN9mfSWQm5R1cOoGvfYpvtnlZGrqwCa7d0voDsNQ15pq4bWz9J
zaGoC/+RcoD2A+NyDMyytVHOrVhNbZKrZ+ujajBoMB0GA1UdDgQWBBRKSj4GVfWq
7lh2yNt1z9MwBpA6zDAfBgNVHSMEGDAWgBRKSj4GVfWq7lh2yNt1z9MwBpA6zDAP
BgNVHRMBAf8EBTADAQH/MBUGA1UdEQQOMAyCCmhvb2tzLnRlc3QwCgYIKoZIzj0E
AwIDRwAwRAIgXK79Z6bLnfFTAVtMLyz36L1kdGMdUUQokRs6L0o8ZIICICJdTyf0
7lViB5B0iMf8K7u4bHGtoNFcyn8IwFaA30+W
-----END CERTIFICATE-----
`;

/** The certificate's private key; it protects nothing but loopback test peers. */
export const HOOKS_TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgomvqJW9qeOHKf8zY
tJxfN0lVsXh06wJBD+qQyzwdo4ehRANCAASyzfZn0lkJuUdXDqBr32Kb7Z5WRq6s
Amu3dL6A7DUNeaauG1s/Sc2hqAv/kXKA9gPjcgzMsrVRzq1YTW2Sq2fr
-----END PRIVATE KEY-----
`;
