// An enrollment's live status (GET /enrollment/v1/enrollments/{id}/events, Server-Sent
// Events) read with fetch(): EventSource cannot send the Authorization header (ADR 0026).
// Reconnects by itself after the server ends a stream or the network drops, resuming
// with Last-Event-ID, so no event is missed or repeated.

export type LiveEventKind =
  | "enrollment.requested"
  | "payment.initiated"
  | "payment.failed"
  | "enrollment.activated"
  | "enrollment.completed"
  | "enrollment.cancelled"
  | "enrollment.revoked"
  | "credential.issued"
  | "credential.revoked";

export interface LiveEvent {
  id: number;
  kind: LiveEventKind;
  data: {
    enrollment_id: string;
    status: string;
    client_secret?: string;
    reason?: string | null;
    decline_code?: string | null;
    credential_id?: string;
    credential_url?: string;
    share_url?: string;
  };
}

export interface WatchOptions {
  /** The events URL the enrollment's `next_action.events_url` gives, at this origin. */
  url: string;
  token: () => string | undefined;
  onEvent: (event: LiveEvent) => void;
  onError?: (error: unknown) => void;
  signal?: AbortSignal;
}

/** Watch until `signal` aborts. */
export async function watchEnrollment(options: WatchOptions): Promise<void> {
  let lastId: number | undefined;
  let retryMs = 1000;
  while (!options.signal?.aborted) {
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      const bearer = options.token();
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      if (lastId !== undefined) headers["Last-Event-ID"] = String(lastId);
      const response = await fetch(options.url, { headers, signal: options.signal ?? null });
      if (!response.ok || !response.body) {
        throw new Error(`live status: HTTP ${response.status}`);
      }
      for await (const message of messages(response.body)) {
        if (message.retry !== undefined) retryMs = message.retry;
        if (message.event === undefined || message.data === undefined) continue;
        const event: LiveEvent = {
          id: Number(message.id),
          kind: message.event as LiveEventKind,
          data: JSON.parse(message.data) as LiveEvent["data"],
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

interface Message {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

/** The text/event-stream format: fields up to a blank line; `:` lines are comments. */
async function* messages(body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let current: Message = {};
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
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
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") current.data = current.data === undefined ? value : `${current.data}\n${value}`;
      else if (field === "id") current.id = value;
      else if (field === "event") current.event = value;
      else if (field === "retry" && /^\d+$/.test(value)) current.retry = Number(value);
    }
  }
}
