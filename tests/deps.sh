#!/bin/sh
# tests/deps.sh - make sure the Debian packages Tocsin builds and tests with
# are installed.  As root it installs what is missing with apt-get; otherwise
# it prints the exact command to run and fails.
#
# usage: tests/deps.sh build|check|demo
set -eu

build="gcc make pkg-config libcurl4-openssl-dev libyaml-dev libpcre2-dev
libsqlite3-dev libjansson-dev libmicrohttpd-dev"
check="$build libcriterion-dev prometheus prometheus-alertmanager mandoc
python3-aiosmtpd python3 clang libclang-rt-14-dev cppcheck clang-tidy curl openssl"
demo="$build prometheus prometheus-alertmanager curl python3"

case "${1:-check}" in
build) want=$build ;;
check) want=$check ;;
demo) want=$demo ;;
*) echo "usage: $0 build|check|demo" >&2; exit 64 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "tocsin: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
