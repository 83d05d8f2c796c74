#!/usr/bin/env bash
# Sets up zgsz-docs on a Debian/Ubuntu machine: LibreOffice, CJK fonts, a virtualenv with
# the package installed. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# python3-uno is what lets unoserver drive LibreOffice; it exists only for Debian's own
# python3, so the virtualenv below is built on /usr/bin/python3 with system site-packages.
apt_packages=(libreoffice-writer-nogui python3-uno python3-venv fonts-noto-cjk poppler-utils)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "安装系统软件包：${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    /usr/bin/python3 -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

# Put `zgsz` on the PATH for people following the README: a link to this checkout,
# replacing a link left by an older one; a real file of that name is left alone.
link=/usr/local/bin/zgsz
if [ -w /usr/local/bin ]; then
    if [ -L "$link" ] || [ ! -e "$link" ]; then
        ln -sfn "$PWD/.venv/bin/zgsz" "$link"
    else
        echo "注意：$link 已存在且不是链接，未改动；请使用 $PWD/.venv/bin/zgsz"
    fi
fi
echo "安装完成：$(.venv/bin/zgsz --version)"
