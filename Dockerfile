# One image for every process of a deployment: `serve`, `worker` and the Streamlit UI
# (docker-compose.yml picks the command). Not built in CI here.
FROM python:3.11-slim

# Fonts for PDF exports (the PDF writer embeds DejaVu).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY exporters exporters
COPY assistant assistant
COPY intents intents
COPY ui ui
RUN pip install --no-cache-dir . \
    && useradd --create-home assistant \
    && mkdir -p var \
    && chown assistant var
USER assistant

EXPOSE 8000 8501
CMD ["python", "-m", "assistant", "serve", "--host", "0.0.0.0"]
