// What a frontend showing a credential does: fetch it, then the documents it names
// (the issuer's DID document and the status list), each read as JSON by page code.
(async () => {
  const params = new URLSearchParams(location.search);
  const gateway = params.get("gateway") || "http://127.0.0.1:8000";
  const credentialId = params.get("credential") || "";
  const result = { origin: location.origin, credential: null, did: null, statusList: null };
  const log = document.getElementById("log");
  const show = () => { log.textContent = JSON.stringify(result, null, 2); };
  // Documents name their own public addresses; the page reads them through its gateway.
  const viaGateway = (url) => gateway + new URL(url).pathname;

  async function read(name, url) {
    try {
      const response = await fetch(url);
      const body = await response.json();
      result[name] = { ok: response.ok, status: response.status, body };
    } catch (error) {
      result[name] = { ok: false, blocked: true, error: String(error) };
    }
    show();
    return result[name];
  }

  const credential = await read("credential", `${gateway}/credentials/${credentialId}`);
  if (credential.ok) {
    const issuer = credential.body.issuer.id;  // did:web:<host>:issuers:<id>
    const issuerId = issuer.split(":").pop();
    await read("did", `${gateway}/issuers/${issuerId}/did.json`);
    const status = [].concat(credential.body.credentialStatus || [])[0];
    if (status) await read("statusList", viaGateway(status.statusListCredential));
  }
  show();
  document.body.dataset.done = "true";
})();
