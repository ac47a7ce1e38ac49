// What a single-page frontend does: search (public) and buy (bearer token, preflighted
// because of Authorization, Content-Type: application/json and Idempotency-Key).
(async () => {
  const params = new URLSearchParams(location.search);
  const gateway = params.get("gateway") || "http://127.0.0.1:8000";
  const token = params.get("token") || "";
  const q = params.get("q") || "";
  const result = { origin: location.origin, search: null, purchase: null, done: false };
  const log = document.getElementById("log");
  const show = () => { log.textContent = JSON.stringify(result, null, 2); };

  async function call(name, url, init) {
    try {
      const response = await fetch(url, init);
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      result[name] = {
        ok: response.ok,
        status: response.status,
        requestId: response.headers.get("X-Request-Id"),
        body,
      };
    } catch (error) {
      // A response without the CORS headers this origin needs never reaches us.
      result[name] = { ok: false, blocked: true, error: String(error) };
    }
    show();
  }

  await call("search", `${gateway}/catalog/v1/offerings?q=${encodeURIComponent(q)}`, {
    credentials: "include",
  });
  const items = (result.search && result.search.body && result.search.body.items) || [];
  const offering = items[0];
  await call("purchase", `${gateway}/enrollment/v1/enrollments`, {
    method: "POST",
    credentials: "include",
    headers: {
      "Authorization": `Bearer ${token}`,
      "Content-Type": "application/json",
      "Idempotency-Key": (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)),
      "X-Correlation-Id": "cors-page-" + Date.now(),
    },
    body: JSON.stringify(offering
      ? { offering_id: offering.id, offering_version: offering.version }
      : { offering_id: "00000000-0000-0000-0000-000000000000", offering_version: 1 }),
  });
  result.done = true;
  show();
  document.body.dataset.done = "true";
})();
