# One image for both roles: `zgsz serve` (the API, default) and `zgsz worker`.
#
# debian:bookworm rather than a python:* image: python3-uno, which lets unoserver drive
# LibreOffice, exists only for Debian's own python3 (3.11 here). The virtualenv therefore
# sees the system site-packages, as scripts/setup.sh does.
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv python3-uno libreoffice-writer-nogui fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The data folders sit beside the package: it is installed in editable mode (service/paths.py).
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
COPY templates_docx ./templates_docx
COPY report_skeletons ./report_skeletons
COPY domain ./domain
RUN python3 -m venv --system-site-packages /app/.venv \
    && /app/.venv/bin/pip install --no-cache-dir --disable-pip-version-check -e .

# LibreOffice and Celery should not run as root; the storage folder is the user's.
RUN useradd --create-home --uid 1000 zgsz \
    && mkdir -p /data/storage && chown zgsz:zgsz /data/storage
USER zgsz

ENV PATH=/app/.venv/bin:$PATH \
    ZGSZ_STORAGE_DIR=/data/storage

EXPOSE 8000
CMD ["zgsz", "serve", "--host", "0.0.0.0", "--port", "8000"]
