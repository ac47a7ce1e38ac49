"""What the catalog does, called by both adapters: routes (api/) and event handlers
(handlers.py). A use case opens its unit of work from the runtime, refuses with the
domain's exceptions (catalog.domain.violations, OfferingNotFound, ...) and knows neither
HTTP nor Kafka; the routes translate refusals into problems (api/refusals.py)."""
