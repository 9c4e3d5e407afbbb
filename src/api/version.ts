/** Baton's version, as `package.json` has it (a unit test keeps the two equal); `GET /api/version` answers it. */
export const BATON_VERSION = "0.1.0";
