"""What enrollment does, called by both adapters: routes (api/) and event handlers
(handlers.py), and by the sweeps. A use case works in the caller's unit of work and knows
neither HTTP nor Kafka."""
