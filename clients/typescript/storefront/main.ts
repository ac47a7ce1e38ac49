// The reference storefront (ADR 0026): search, an offering, buy, pay with Stripe.js, watch
// the enrollment live, open the credential. Every call goes through the typed client, so
// a change of the API that breaks a frontend breaks this file's type check first.
// Not a product: no framework, no styling worth the name.
import {
  type CredmarketClient,
  credmarketClient,
  formatMoney,
  type LiveEvent,
  type Schemas,
  watchEnrollment,
} from "../src/index";

type Offering = Schemas["catalog.Offering"];
type SearchHit = Schemas["catalog.SearchHit"];
type Enrollment = Schemas["enrollment.EnrollmentView"];
type Problem = { type?: string; title?: string; detail?: string | null };

interface StripeCardElement {
  mount(selector: string): void;
  value?: unknown;
}
interface StripeLike {
  elements(): { create(type: "card"): StripeCardElement };
  confirmCardPayment(
    clientSecret: string,
    data: { payment_method: { card: StripeCardElement } },
  ): Promise<{ error?: { message?: string; decline_code?: string }; paymentIntent?: unknown }>;
}
declare global {
  interface Window {
    Stripe?: (key: string, options?: { apiVersion?: string }) => StripeLike;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector} in the page`);
  return found;
};

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// The learner's bearer token: from the link that opened the page (#token=…, never sent to
// a server) or typed in; kept for this tab only.
const TOKEN_KEY = "credmarket.token";
function readToken(): string | undefined {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

let token = readToken();
const api: CredmarketClient = credmarketClient(location.origin, () => token);

function problemText(problem: unknown): string {
  const p = (problem ?? {}) as Problem;
  return [p.title, p.detail].filter(Boolean).join(": ") || "Something went wrong";
}

function say(text: string): void {
  $("#message").textContent = text;
}

// --- search ------------------------------------------------------------------------------

async function search(event?: Event): Promise<void> {
  event?.preventDefault();
  const form = $<HTMLFormElement>("#search");
  const data = new FormData(form);
  const text = (name: string) => (String(data.get(name) ?? "").trim() || undefined);
  const priceMax = text("price_max");
  const { data: page, error } = await api.GET("/catalog/v1/offerings", {
    params: {
      query: {
        q: text("q"),
        level: text("level") as "beginner" | "intermediate" | "advanced" | undefined,
        language: text("language"),
        free: data.get("free") === "on" ? true : undefined,
        price_max: priceMax === undefined ? undefined : Math.round(Number(priceMax) * 100),
        sort: text("sort") as "relevance" | "newest" | "price_asc" | "price_desc" | undefined,
        limit: 20,
      },
    },
  });
  const results = $("#results");
  results.textContent = "";
  if (error) {
    say(problemText(error));
    return;
  }
  if (!page.items.length) results.append(el("li", {}, "No offering matches."));
  for (const hit of page.items) results.append(resultItem(hit));
  document.body.dataset.searched = "true";
}

function resultItem(hit: SearchHit): HTMLElement {
  const open = el("a", { href: `#offering=${hit.id}`, class: "offering-link", "data-id": hit.id }, hit.title);
  open.addEventListener("click", (event) => {
    event.preventDefault();
    void showOffering(hit.id);
  });
  const price = hit.price ? formatMoney(hit.price) : "free";
  const facts = [price, hit.level, hit.language, hit.duration_minutes ? `${hit.duration_minutes} min` : null];
  return el("li", {}, open, " ", el("span", { class: "muted" }, facts.filter(Boolean).join(" · ")));
}

// --- an offering ----------------------------------------------------------------------------

async function showOffering(offeringId: string): Promise<void> {
  const { data: offering, error } = await api.GET("/catalog/v1/offerings/{offering_id}", {
    params: { path: { offering_id: offeringId } },
  });
  if (error) {
    say(problemText(error));
    return;
  }
  const section = $("#offering");
  section.hidden = false;
  section.dataset.id = offering.id;
  $("#offering-title").textContent = offering.title;
  $("#offering-description").textContent = offering.description ?? "";
  $("#offering-facts").textContent = [
    offering.price ? formatMoney(offering.price) : "free",
    offering.level,
    offering.language,
    offering.skills.join(", "),
    `credential: ${offering.achievement.name ?? offering.title}`,
  ]
    .filter(Boolean)
    .join(" · ");
  const buy = $<HTMLButtonElement>("#buy");
  buy.disabled = false;
  buy.onclick = () => void purchase(offering);
}

// --- buy, pay, watch --------------------------------------------------------------------------

let watching: AbortController | undefined;
let enrollmentId: string | undefined;

async function purchase(offering: Offering): Promise<void> {
  if (!token) {
    say("Sign in first: paste a learner token.");
    return;
  }
  $<HTMLButtonElement>("#buy").disabled = true;
  const { data: enrollment, error } = await api.POST("/enrollment/v1/enrollments", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { offering_id: offering.id, offering_version: offering.version },
  });
  if (error) {
    say(problemText(error));
    $<HTMLButtonElement>("#buy").disabled = false;
    return;
  }
  follow(enrollment);
}

function follow(enrollment: Enrollment): void {
  enrollmentId = enrollment.id;
  const box = $("#enrollment");
  box.hidden = false;
  box.dataset.id = enrollment.id;
  setStatus(enrollment.status);
  const next = enrollment.next_action;
  if (next.type === "confirm_payment" && next.client_secret) void showPayment(next.client_secret);
  watching?.abort();
  watching = new AbortController();
  if (next.events_url) {
    void watchEnrollment({
      url: next.events_url,
      token: () => token,
      onEvent: onLiveEvent,
      onError: (error) => console.warn("live status", error),
      signal: watching.signal,
    });
  }
}

function setStatus(status: string): void {
  const shown = $("#status");
  shown.textContent = status.replace("_", " ");
  shown.dataset.status = status;
}

function onLiveEvent(event: LiveEvent): void {
  const log = $("#events");
  log.append(el("li", { "data-kind": event.kind }, event.kind));
  setStatus(event.data.status);
  switch (event.kind) {
    case "payment.initiated":
      if (event.data.client_secret) void showPayment(event.data.client_secret);
      break;
    case "payment.failed":
      showDecline(event.data.reason ?? "The payment failed.");
      break;
    case "enrollment.activated":
      $("#payment").hidden = true;
      say("Paid: you are enrolled. Your credential arrives when the provider reports your result.");
      break;
    case "credential.issued":
      showCredential(
        event.data.share_url ?? "",
        event.data.credential_url ?? "",
        event.data.credential_id ?? "",
      );
      break;
    case "enrollment.revoked":
    case "credential.revoked":
      $("#credential").hidden = true;
      break;
    default:
      break;
  }
}

let payingWith: string | undefined;

async function showPayment(clientSecret: string): Promise<void> {
  if (payingWith === clientSecret) return;
  payingWith = clientSecret;
  const { data: config, error } = await api.GET("/payments/v1/config");
  if (error) {
    say(problemText(error));
    return;
  }
  await loadScript(config.stripe_js_url);
  if (!window.Stripe) throw new Error("Stripe.js did not load");
  const stripe = window.Stripe(config.stripe_publishable_key, { apiVersion: config.stripe_api_version });
  const card = stripe.elements().create("card");
  $("#payment").hidden = false;
  card.mount("#card");
  const pay = $<HTMLButtonElement>("#pay");
  pay.disabled = false;
  pay.onclick = async () => {
    pay.disabled = true;
    $("#payment-error").hidden = true;
    const result = await stripe.confirmCardPayment(clientSecret, { payment_method: { card } });
    pay.disabled = false;
    if (result.error) {
      showDecline(result.error.message ?? "The card was declined.");
    } else {
      say("Payment sent: waiting for Stripe to confirm it.");
    }
  };
}

function showDecline(reason: string): void {
  const shown = $("#payment-error");
  shown.hidden = false;
  shown.textContent = `${reason} Try another card.`;
}

function showCredential(shareUrl: string, credentialUrl: string, credentialId: string): void {
  const box = $("#credential");
  box.hidden = false;
  box.dataset.id = credentialId;
  const share = $<HTMLAnchorElement>("#share-link");
  share.href = shareUrl;
  $<HTMLAnchorElement>("#credential-link").href = credentialUrl;
  $<HTMLButtonElement>("#add-to-wallet").onclick = () => void offerToWallet(credentialId);
  say("Your credential is issued.");
}

// --- take the credential out (ADR 0027) ---------------------------------------------------------

async function offerToWallet(credentialId: string): Promise<void> {
  const { data: offer, error } = await api.POST(
    "/issuance/v1/credentials/{credential_id}/wallet-offers",
    { params: { path: { credential_id: credentialId } }, body: { tx_code: true } },
  );
  if (error) {
    say(problemText(error));
    return;
  }
  $<HTMLImageElement>("#wallet-qr").src = offer.qr_code;
  $<HTMLAnchorElement>("#wallet-link").href = offer.credential_offer_uri;
  $("#wallet-tx-code").textContent = offer.tx_code ?? "(no code needed)";
  $("#wallet-expires").textContent = new Date(offer.expires_at).toLocaleTimeString();
  $("#wallet-offer").hidden = false;
}

// A badge host (Open Badges 3.0 API) sends the learner here with ?request=<id> to ask for
// access; the answer sends the browser back to the host.
async function showConsent(requestId: string): Promise<void> {
  if (!token) {
    say("Sign in to answer the badge host's request, then reload this page.");
    return;
  }
  const path = { request_id: requestId };
  const { data: request, error } = await api.GET(
    "/issuance/v1/badge-hosts/authorization-requests/{request_id}",
    { params: { path } },
  );
  if (error) {
    say(problemText(error));
    return;
  }
  $("#consent-client").textContent = request.client_name;
  const scopes = $("#consent-scopes");
  scopes.textContent = "";
  for (const scope of request.scopes) scopes.append(el("li", { "data-scope": scope.scope }, scope.description));
  $("#consent").hidden = false;
  const answer = async (approve: boolean) => {
    const { data: decision, error: refused } = await api.POST(
      "/issuance/v1/badge-hosts/authorization-requests/{request_id}/decision",
      { params: { path }, body: { approve } },
    );
    if (refused) {
      say(problemText(refused));
      return;
    }
    location.assign(decision.redirect_to);
  };
  $<HTMLButtonElement>("#consent-approve").onclick = () => void answer(true);
  $<HTMLButtonElement>("#consent-deny").onclick = () => void answer(false);
}

function loadScript(src: string): Promise<void> {
  if (document.querySelector(`script[src="${CSS.escape(src)}"]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

// --- sign in ------------------------------------------------------------------------------------

function showSignIn(): void {
  $("#signed-in").textContent = token ? "signed in" : "not signed in";
  $<HTMLFormElement>("#sign-in").onsubmit = (event) => {
    event.preventDefault();
    const typed = $<HTMLInputElement>("#token").value.trim();
    token = typed || undefined;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  };
}

showSignIn();
const consentRequest = new URLSearchParams(location.search).get("request");
if (consentRequest) void showConsent(consentRequest);
$<HTMLFormElement>("#search").addEventListener("submit", (event) => void search(event));
// Set once per page load: a test that sees the same value at the end knows there was no reload.
document.body.dataset.loadedAt = String(performance.timeOrigin);
document.body.dataset.ready = "true";
export { enrollmentId };
