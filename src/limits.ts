// Request limits shared by the API's schemas and the playground page (which must not pull
// zod into its bundle to learn them).

/** Most samples one request (or one in-browser batch) may ask for. */
export const MAX_SAMPLES = 64;
/** Seeds are uint32 (the PCG32 initial state, src/noise/pcg32.ts). */
export const UINT32_MAX = 4294967295;

/** X-Request-Id values accepted from clients (router and backend alike): short, and safe to log and forward. */
export const REQUEST_ID_MAX_LENGTH = 128;
