# The Stripe stand-in for Compose: localstripe behind the project's wrapper
# (infra/src/credmarket_infra/stack/localstripe_server.py: debounced persistence).
# Dev/test only; real deployments use Stripe.
FROM python:3.11-slim
RUN pip install --no-cache-dir localstripe==1.15.10 \
 && groupadd --system --gid 10001 stripe \
 && useradd --system --uid 10001 --gid stripe --no-create-home --home-dir /nonexistent stripe \
 && mkdir /data && chown stripe:stripe /data
# The wrapper and the stand-in modules it imports (idempotency, async refunds, faults, the
# browser's card payment), as the package they are in; tests/deploy checks that every
# credmarket_infra import is copied.
COPY infra/src/credmarket_infra/__init__.py /app/credmarket_infra/__init__.py
COPY infra/src/credmarket_infra/stack/__init__.py \
     infra/src/credmarket_infra/stack/localstripe_server.py \
     infra/src/credmarket_infra/stack/localstripe_browser.py \
     infra/src/credmarket_infra/stack/localstripe_faults.py \
     infra/src/credmarket_infra/stack/localstripe_idempotency.py \
     infra/src/credmarket_infra/stack/localstripe_refunds.py \
     /app/credmarket_infra/stack/
ENV PYTHONPATH=/app
USER 10001:10001
EXPOSE 8420
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8420), 2)"]
# Binding 0.0.0.0 is fine inside the container; Compose publishes it to 127.0.0.1 only.
CMD ["python", "-m", "credmarket_infra.stack.localstripe_server", "--host", "0.0.0.0", "--port", "8420", "--state", "/data/localstripe.pickle"]
