#!/usr/bin/env bash
# Writes a DEVELOPMENT .env for docker-compose.yml to stdout, with fresh random secrets:
#   infra/docker/compose-env.sh > .env
# Dev mode is on (HS256 dev tokens for learners and ops: mint them with the printed
# CREDMARKET_JWT_DEV_SECRET), payments use the Stripe stand-in. For production see
# docs/deploy.md: dev mode off, your identity provider in CREDMARKET_JWT_ISSUERS and
# CREDMARKET_JWT_JWKS_URLS, real Stripe keys, your own secret store.
set -euo pipefail
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
token() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cat <<ENV
# Development values for docker-compose.yml, written by infra/docker/compose-env.sh.
# Random per machine; never reuse them anywhere else.
CREDMARKET_DEV_MODE=true
CREDMARKET_JWT_ISSUERS=credmarket-dev
# Your identity provider as `issuer=https://.../jwks.json` (catalog's keys are always trusted).
CREDMARKET_JWT_JWKS_URLS=
CREDMARKET_JWT_DEV_SECRET=$(random 32)
POSTGRES_PASSWORD=$(token 16)
CREDMARKET_CATALOG_SIGNING_KEK=$(random 32)
CREDMARKET_ISSUANCE_KEK=$(random 32)
CREDMARKET_STRIPE_API_KEY=sk_test_$(token 12)
CREDMARKET_STRIPE_WEBHOOK_SECRET=whsec_$(token 24)
GRAFANA_ADMIN_PASSWORD=$(token 12)
ENV
