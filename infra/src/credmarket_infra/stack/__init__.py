"""The local stack: a real Kafka broker, PostgreSQL and localstripe, without Docker."""
