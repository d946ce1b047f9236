# One image for all three Pathways services; docker-compose.yml picks the service
# with `command: ["serve", "<service>"]`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app

# Dependencies first, so code changes do not rebuild this layer.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself (only the packaged sources; no tests, no local .venv).
COPY contracts ./contracts
COPY infra ./infra
COPY services ./services
RUN uv sync --frozen --no-dev --no-editable

RUN useradd --system --uid 10001 --no-create-home pathways \
    && install -d -o pathways -m 0700 /var/lib/pathways  # a named volume mounted here starts with this owner
USER pathways

ENV PATH="/opt/venv/bin:${PATH}"

ENTRYPOINT ["pathways"]
