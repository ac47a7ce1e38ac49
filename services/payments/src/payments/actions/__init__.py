"""What payments does, called by both adapters: routes (api/) and event handlers
(handlers.py), and by the sweeps. Each use case works in the caller's unit of work or
opens its own from the runtime; none knows HTTP or Kafka."""
