// The credmarket API, typed from the merged OpenAPI document (openapi.json, what the
// gateway serves at /docs/openapi.json). `src/schema.d.ts` is generated: run `./dev client`
// after changing an endpoint; CI fails while it is stale.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["enrollment.Problem"];
export type Money = Schemas["catalog.Money"];
export type CredmarketClient = Client<paths>;

/**
 * A client for one origin (the gateway). `token` is asked before each request, so a
 * page can sign in or out without making a new client.
 */
export function credmarketClient(
  baseUrl: string,
  token: () => string | undefined = () => undefined,
): CredmarketClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      const bearer = token();
      if (bearer) request.headers.set("Authorization", `Bearer ${bearer}`);
      return request;
    },
  });
  return client;
}

/** Minor units as a price a person reads, e.g. {amount: 4900, currency: "EUR"} → "€49.00". */
export function formatMoney(money: { amount: number; currency: string }, locale?: string): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** digits);
}

export { type LiveEvent, watchEnrollment } from "./live";
