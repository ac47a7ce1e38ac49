// node_modules/openapi-fetch/dist/index.mjs
var PATH_PARAM_RE = /\{[^{}]+\}/g;
var supportsRequestInitExt = () => {
  return typeof process === "object" && Number.parseInt(process?.versions?.node?.substring(0, 2)) >= 18 && process.versions.undici;
};
function randomID() {
  return Math.random().toString(36).slice(2, 11);
}
function createClient(clientOptions) {
  let {
    baseUrl = "",
    Request: CustomRequest = globalThis.Request,
    fetch: baseFetch = globalThis.fetch,
    querySerializer: globalQuerySerializer,
    bodySerializer: globalBodySerializer,
    pathSerializer: globalPathSerializer,
    headers: baseHeaders,
    requestInitExt = void 0,
    ...baseOptions
  } = { ...clientOptions };
  requestInitExt = supportsRequestInitExt() ? requestInitExt : void 0;
  baseUrl = removeTrailingSlash(baseUrl);
  const globalMiddlewares = [];
  async function coreFetch(schemaPath, fetchOptions) {
    const {
      baseUrl: localBaseUrl,
      fetch: fetch2 = baseFetch,
      Request = CustomRequest,
      headers,
      params = {},
      parseAs = "json",
      querySerializer: requestQuerySerializer,
      bodySerializer = globalBodySerializer ?? defaultBodySerializer,
      pathSerializer: requestPathSerializer,
      body,
      middleware: requestMiddlewares = [],
      ...init
    } = fetchOptions || {};
    let finalBaseUrl = baseUrl;
    if (localBaseUrl) {
      finalBaseUrl = removeTrailingSlash(localBaseUrl) ?? baseUrl;
    }
    let querySerializer = typeof globalQuerySerializer === "function" ? globalQuerySerializer : createQuerySerializer(globalQuerySerializer);
    if (requestQuerySerializer) {
      querySerializer = typeof requestQuerySerializer === "function" ? requestQuerySerializer : createQuerySerializer({
        ...typeof globalQuerySerializer === "object" ? globalQuerySerializer : {},
        ...requestQuerySerializer
      });
    }
    const pathSerializer = requestPathSerializer || globalPathSerializer || defaultPathSerializer;
    const serializedBody = body === void 0 ? void 0 : bodySerializer(
      body,
      // Note: we declare mergeHeaders() both here and below because it’s a bit of a chicken-or-egg situation:
      // bodySerializer() needs all headers so we aren’t dropping ones set by the user, however,
      // the result of this ALSO sets the lowest-priority content-type header. So we re-merge below,
      // setting the content-type at the very beginning to be overwritten.
      // Lastly, based on the way headers work, it’s not a simple “present-or-not” check becauase null intentionally un-sets headers.
      mergeHeaders(baseHeaders, headers, params.header)
    );
    const finalHeaders = mergeHeaders(
      // with no body, we should not to set Content-Type
      serializedBody === void 0 || // if serialized body is FormData; browser will correctly set Content-Type & boundary expression
      serializedBody instanceof FormData ? {} : {
        "Content-Type": "application/json"
      },
      baseHeaders,
      headers,
      params.header
    );
    const finalMiddlewares = [...globalMiddlewares, ...requestMiddlewares];
    const requestInit = {
      redirect: "follow",
      ...baseOptions,
      ...init,
      body: serializedBody,
      headers: finalHeaders
    };
    let id;
    let options;
    let request = new Request(
      createFinalURL(schemaPath, { baseUrl: finalBaseUrl, params, querySerializer, pathSerializer }),
      requestInit
    );
    let response;
    for (const key in init) {
      if (!(key in request)) {
        request[key] = init[key];
      }
    }
    if (finalMiddlewares.length) {
      id = randomID();
      options = Object.freeze({
        baseUrl: finalBaseUrl,
        fetch: fetch2,
        parseAs,
        querySerializer,
        bodySerializer,
        pathSerializer
      });
      for (const m of finalMiddlewares) {
        if (m && typeof m === "object" && typeof m.onRequest === "function") {
          const result = await m.onRequest({
            request,
            schemaPath,
            params,
            options,
            id
          });
          if (result) {
            if (result instanceof Request) {
              request = result;
            } else if (result instanceof Response) {
              response = result;
              break;
            } else {
              throw new Error("onRequest: must return new Request() or Response() when modifying the request");
            }
          }
        }
      }
    }
    if (!response) {
      try {
        response = await fetch2(request, requestInitExt);
      } catch (error2) {
        let errorAfterMiddleware = error2;
        if (finalMiddlewares.length) {
          for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
            const m = finalMiddlewares[i];
            if (m && typeof m === "object" && typeof m.onError === "function") {
              const result = await m.onError({
                request,
                error: errorAfterMiddleware,
                schemaPath,
                params,
                options,
                id
              });
              if (result) {
                if (result instanceof Response) {
                  errorAfterMiddleware = void 0;
                  response = result;
                  break;
                }
                if (result instanceof Error) {
                  errorAfterMiddleware = result;
                  continue;
                }
                throw new Error("onError: must return new Response() or instance of Error");
              }
            }
          }
        }
        if (errorAfterMiddleware) {
          throw errorAfterMiddleware;
        }
      }
      if (finalMiddlewares.length) {
        for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
          const m = finalMiddlewares[i];
          if (m && typeof m === "object" && typeof m.onResponse === "function") {
            const result = await m.onResponse({
              request,
              response,
              schemaPath,
              params,
              options,
              id
            });
            if (result) {
              if (!(result instanceof Response)) {
                throw new Error("onResponse: must return new Response() when modifying the response");
              }
              response = result;
            }
          }
        }
      }
    }
    const contentLength = response.headers.get("Content-Length");
    if (response.status === 204 || request.method === "HEAD" || contentLength === "0" && !response.headers.get("Transfer-Encoding")?.includes("chunked")) {
      return response.ok ? { data: void 0, response } : { error: void 0, response };
    }
    if (response.ok) {
      const getResponseData = async () => {
        if (parseAs === "stream") {
          return response.body;
        }
        if (parseAs === "json" && !contentLength) {
          const raw = await response.text();
          return raw ? JSON.parse(raw) : void 0;
        }
        return await response[parseAs]();
      };
      return { data: await getResponseData(), response };
    }
    let error = await response.text();
    try {
      error = JSON.parse(error);
    } catch {
    }
    return { error, response };
  }
  return {
    request(method, url, init) {
      return coreFetch(url, { ...init, method: method.toUpperCase() });
    },
    /** Call a GET endpoint */
    GET(url, init) {
      return coreFetch(url, { ...init, method: "GET" });
    },
    /** Call a PUT endpoint */
    PUT(url, init) {
      return coreFetch(url, { ...init, method: "PUT" });
    },
    /** Call a POST endpoint */
    POST(url, init) {
      return coreFetch(url, { ...init, method: "POST" });
    },
    /** Call a DELETE endpoint */
    DELETE(url, init) {
      return coreFetch(url, { ...init, method: "DELETE" });
    },
    /** Call a OPTIONS endpoint */
    OPTIONS(url, init) {
      return coreFetch(url, { ...init, method: "OPTIONS" });
    },
    /** Call a HEAD endpoint */
    HEAD(url, init) {
      return coreFetch(url, { ...init, method: "HEAD" });
    },
    /** Call a PATCH endpoint */
    PATCH(url, init) {
      return coreFetch(url, { ...init, method: "PATCH" });
    },
    /** Call a TRACE endpoint */
    TRACE(url, init) {
      return coreFetch(url, { ...init, method: "TRACE" });
    },
    /** Register middleware */
    use(...middleware) {
      for (const m of middleware) {
        if (!m) {
          continue;
        }
        if (typeof m !== "object" || !("onRequest" in m || "onResponse" in m || "onError" in m)) {
          throw new Error("Middleware must be an object with one of `onRequest()`, `onResponse() or `onError()`");
        }
        globalMiddlewares.push(m);
      }
    },
    /** Unregister middleware */
    eject(...middleware) {
      for (const m of middleware) {
        const i = globalMiddlewares.indexOf(m);
        if (i !== -1) {
          globalMiddlewares.splice(i, 1);
        }
      }
    }
  };
}
function serializePrimitiveParam(name, value, options) {
  if (value === void 0 || value === null) {
    return "";
  }
  if (typeof value === "object") {
    throw new Error(
      "Deeply-nested arrays/objects aren\u2019t supported. Provide your own `querySerializer()` to handle these."
    );
  }
  return `${name}=${options?.allowReserved === true ? value : encodeURIComponent(value)}`;
}
function serializeObjectParam(name, value, options) {
  if (!value || typeof value !== "object") {
    return "";
  }
  const values = [];
  const joiner = {
    simple: ",",
    label: ".",
    matrix: ";"
  }[options.style] || "&";
  if (options.style !== "deepObject" && options.explode === false) {
    for (const k in value) {
      values.push(k, options.allowReserved === true ? value[k] : encodeURIComponent(value[k]));
    }
    const final2 = values.join(",");
    switch (options.style) {
      case "form": {
        return `${name}=${final2}`;
      }
      case "label": {
        return `.${final2}`;
      }
      case "matrix": {
        return `;${name}=${final2}`;
      }
      default: {
        return final2;
      }
    }
  }
  for (const k in value) {
    const finalName = options.style === "deepObject" ? `${name}[${k}]` : k;
    values.push(serializePrimitiveParam(finalName, value[k], options));
  }
  const final = values.join(joiner);
  return options.style === "label" || options.style === "matrix" ? `${joiner}${final}` : final;
}
function serializeArrayParam(name, value, options) {
  if (!Array.isArray(value)) {
    return "";
  }
  if (options.explode === false) {
    const joiner2 = { form: ",", spaceDelimited: "%20", pipeDelimited: "|" }[options.style] || ",";
    const final = (options.allowReserved === true ? value : value.map((v) => encodeURIComponent(v))).join(joiner2);
    switch (options.style) {
      case "simple": {
        return final;
      }
      case "label": {
        return `.${final}`;
      }
      case "matrix": {
        return `;${name}=${final}`;
      }
      // case "spaceDelimited":
      // case "pipeDelimited":
      default: {
        return `${name}=${final}`;
      }
    }
  }
  const joiner = { simple: ",", label: ".", matrix: ";" }[options.style] || "&";
  const values = [];
  for (const v of value) {
    if (options.style === "simple" || options.style === "label") {
      values.push(options.allowReserved === true ? v : encodeURIComponent(v));
    } else {
      values.push(serializePrimitiveParam(name, v, options));
    }
  }
  return options.style === "label" || options.style === "matrix" ? `${joiner}${values.join(joiner)}` : values.join(joiner);
}
function createQuerySerializer(options) {
  return function querySerializer(queryParams) {
    const search2 = [];
    if (queryParams && typeof queryParams === "object") {
      for (const name in queryParams) {
        const value = queryParams[name];
        if (value === void 0 || value === null) {
          continue;
        }
        if (Array.isArray(value)) {
          if (value.length === 0) {
            continue;
          }
          search2.push(
            serializeArrayParam(name, value, {
              style: "form",
              explode: true,
              ...options?.array,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        if (typeof value === "object") {
          search2.push(
            serializeObjectParam(name, value, {
              style: "deepObject",
              explode: true,
              ...options?.object,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        search2.push(serializePrimitiveParam(name, value, options));
      }
    }
    return search2.join("&");
  };
}
function defaultPathSerializer(pathname, pathParams) {
  let nextURL = pathname;
  for (const match of pathname.match(PATH_PARAM_RE) ?? []) {
    let name = match.substring(1, match.length - 1);
    let explode = false;
    let style = "simple";
    if (name.endsWith("*")) {
      explode = true;
      name = name.substring(0, name.length - 1);
    }
    if (name.startsWith(".")) {
      style = "label";
      name = name.substring(1);
    } else if (name.startsWith(";")) {
      style = "matrix";
      name = name.substring(1);
    }
    if (!pathParams || pathParams[name] === void 0 || pathParams[name] === null) {
      continue;
    }
    const value = pathParams[name];
    if (Array.isArray(value)) {
      nextURL = nextURL.replace(match, serializeArrayParam(name, value, { style, explode }));
      continue;
    }
    if (typeof value === "object") {
      nextURL = nextURL.replace(match, serializeObjectParam(name, value, { style, explode }));
      continue;
    }
    if (style === "matrix") {
      nextURL = nextURL.replace(match, `;${serializePrimitiveParam(name, value)}`);
      continue;
    }
    nextURL = nextURL.replace(match, style === "label" ? `.${encodeURIComponent(value)}` : encodeURIComponent(value));
  }
  return nextURL;
}
function defaultBodySerializer(body, headers) {
  if (body instanceof FormData) {
    return body;
  }
  if (headers) {
    const contentType = headers.get instanceof Function ? headers.get("Content-Type") ?? headers.get("content-type") : headers["Content-Type"] ?? headers["content-type"];
    if (contentType === "application/x-www-form-urlencoded") {
      return new URLSearchParams(body).toString();
    }
  }
  return JSON.stringify(body);
}
function createFinalURL(pathname, options) {
  let finalURL = `${options.baseUrl}${pathname}`;
  if (options.params?.path) {
    finalURL = options.pathSerializer(finalURL, options.params.path);
  }
  let search2 = options.querySerializer(options.params.query ?? {});
  if (search2.startsWith("?")) {
    search2 = search2.substring(1);
  }
  if (search2) {
    finalURL += `?${search2}`;
  }
  return finalURL;
}
function mergeHeaders(...allHeaders) {
  const finalHeaders = new Headers();
  for (const h of allHeaders) {
    if (!h || typeof h !== "object") {
      continue;
    }
    const iterator = h instanceof Headers ? h.entries() : Object.entries(h);
    for (const [k, v] of iterator) {
      if (v === null) {
        finalHeaders.delete(k);
      } else if (Array.isArray(v)) {
        for (const v2 of v) {
          finalHeaders.append(k, v2);
        }
      } else if (v !== void 0) {
        finalHeaders.set(k, v);
      }
    }
  }
  return finalHeaders;
}
function removeTrailingSlash(url) {
  if (url.endsWith("/")) {
    return url.substring(0, url.length - 1);
  }
  return url;
}

// src/live.ts
async function watchEnrollment(options) {
  let lastId;
  let retryMs = 1e3;
  while (!options.signal?.aborted) {
    try {
      const headers = { Accept: "text/event-stream" };
      const bearer = options.token();
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      if (lastId !== void 0) headers["Last-Event-ID"] = String(lastId);
      const response = await fetch(options.url, { headers, signal: options.signal ?? null });
      if (!response.ok || !response.body) {
        throw new Error(`live status: HTTP ${response.status}`);
      }
      for await (const message of messages(response.body)) {
        if (message.retry !== void 0) retryMs = message.retry;
        if (message.event === void 0 || message.data === void 0) continue;
        const event = {
          id: Number(message.id),
          kind: message.event,
          data: JSON.parse(message.data)
        };
        lastId = event.id;
        options.onEvent(event);
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      options.onError?.(error);
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
async function* messages(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let current = {};
  for (; ; ) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
      if (line === "") {
        yield current;
        current = {};
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value2 = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") current.data = current.data === void 0 ? value2 : `${current.data}
${value2}`;
      else if (field === "id") current.id = value2;
      else if (field === "event") current.event = value2;
      else if (field === "retry" && /^\d+$/.test(value2)) current.retry = Number(value2);
    }
  }
}

// src/index.ts
function credmarketClient(baseUrl, token2 = () => void 0) {
  const client = createClient({ baseUrl });
  client.use({
    onRequest({ request }) {
      const bearer = token2();
      if (bearer) request.headers.set("Authorization", `Bearer ${bearer}`);
      return request;
    }
  });
  return client;
}
function formatMoney(money, locale) {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency: money.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** digits);
}

// storefront/main.ts
var $ = (selector) => {
  const found = document.querySelector(selector);
  if (!found) throw new Error(`no ${selector} in the page`);
  return found;
};
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
var TOKEN_KEY = "credmarket.token";
function readToken() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? void 0;
}
var token = readToken();
var api = credmarketClient(location.origin, () => token);
function problemText(problem) {
  const p = problem ?? {};
  return [p.title, p.detail].filter(Boolean).join(": ") || "Something went wrong";
}
function say(text) {
  $("#message").textContent = text;
}
async function search(event) {
  event?.preventDefault();
  const form = $("#search");
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? "").trim() || void 0;
  const priceMax = text("price_max");
  const { data: page, error } = await api.GET("/catalog/v1/offerings", {
    params: {
      query: {
        q: text("q"),
        level: text("level"),
        language: text("language"),
        free: data.get("free") === "on" ? true : void 0,
        price_max: priceMax === void 0 ? void 0 : Math.round(Number(priceMax) * 100),
        sort: text("sort"),
        limit: 20
      }
    }
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
function resultItem(hit) {
  const open = el("a", { href: `#offering=${hit.id}`, class: "offering-link", "data-id": hit.id }, hit.title);
  open.addEventListener("click", (event) => {
    event.preventDefault();
    void showOffering(hit.id);
  });
  const price = hit.price ? formatMoney(hit.price) : "free";
  const facts = [price, hit.level, hit.language, hit.duration_minutes ? `${hit.duration_minutes} min` : null];
  return el("li", {}, open, " ", el("span", { class: "muted" }, facts.filter(Boolean).join(" \xB7 ")));
}
async function showOffering(offeringId) {
  const { data: offering, error } = await api.GET("/catalog/v1/offerings/{offering_id}", {
    params: { path: { offering_id: offeringId } }
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
    `credential: ${offering.achievement.name ?? offering.title}`
  ].filter(Boolean).join(" \xB7 ");
  const buy = $("#buy");
  buy.disabled = false;
  buy.onclick = () => void purchase(offering);
}
var watching;
var enrollmentId;
async function purchase(offering) {
  if (!token) {
    say("Sign in first: paste a learner token.");
    return;
  }
  $("#buy").disabled = true;
  const { data: enrollment, error } = await api.POST("/enrollment/v1/enrollments", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { offering_id: offering.id, offering_version: offering.version }
  });
  if (error) {
    say(problemText(error));
    $("#buy").disabled = false;
    return;
  }
  follow(enrollment);
}
function follow(enrollment) {
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
      signal: watching.signal
    });
  }
}
function setStatus(status) {
  const shown = $("#status");
  shown.textContent = status.replace("_", " ");
  shown.dataset.status = status;
}
function onLiveEvent(event) {
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
        event.data.credential_id ?? ""
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
var payingWith;
async function showPayment(clientSecret) {
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
  const pay = $("#pay");
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
function showDecline(reason) {
  const shown = $("#payment-error");
  shown.hidden = false;
  shown.textContent = `${reason} Try another card.`;
}
function showCredential(shareUrl, credentialUrl, credentialId) {
  const box = $("#credential");
  box.hidden = false;
  box.dataset.id = credentialId;
  const share = $("#share-link");
  share.href = shareUrl;
  $("#credential-link").href = credentialUrl;
  $("#add-to-wallet").onclick = () => void offerToWallet(credentialId);
  say("Your credential is issued.");
}
async function offerToWallet(credentialId) {
  const { data: offer, error } = await api.POST(
    "/issuance/v1/credentials/{credential_id}/wallet-offers",
    { params: { path: { credential_id: credentialId } }, body: { tx_code: true } }
  );
  if (error) {
    say(problemText(error));
    return;
  }
  $("#wallet-qr").src = offer.qr_code;
  $("#wallet-link").href = offer.credential_offer_uri;
  $("#wallet-tx-code").textContent = offer.tx_code ?? "(no code needed)";
  $("#wallet-expires").textContent = new Date(offer.expires_at).toLocaleTimeString();
  $("#wallet-offer").hidden = false;
}
async function showConsent(requestId) {
  if (!token) {
    say("Sign in to answer the badge host's request, then reload this page.");
    return;
  }
  const path = { request_id: requestId };
  const { data: request, error } = await api.GET(
    "/issuance/v1/badge-hosts/authorization-requests/{request_id}",
    { params: { path } }
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
  const answer = async (approve) => {
    const { data: decision, error: refused } = await api.POST(
      "/issuance/v1/badge-hosts/authorization-requests/{request_id}/decision",
      { params: { path }, body: { approve } }
    );
    if (refused) {
      say(problemText(refused));
      return;
    }
    location.assign(decision.redirect_to);
  };
  $("#consent-approve").onclick = () => void answer(true);
  $("#consent-deny").onclick = () => void answer(false);
}
function loadScript(src) {
  if (document.querySelector(`script[src="${CSS.escape(src)}"]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}
function showSignIn() {
  $("#signed-in").textContent = token ? "signed in" : "not signed in";
  $("#sign-in").onsubmit = (event) => {
    event.preventDefault();
    const typed = $("#token").value.trim();
    token = typed || void 0;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  };
}
showSignIn();
var consentRequest = new URLSearchParams(location.search).get("request");
if (consentRequest) void showConsent(consentRequest);
$("#search").addEventListener("submit", (event) => void search(event));
document.body.dataset.loadedAt = String(performance.timeOrigin);
document.body.dataset.ready = "true";
export {
  enrollmentId
};
