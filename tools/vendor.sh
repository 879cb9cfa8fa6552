#!/usr/bin/env bash
# Builds the static libraries the Lambda packages link, once, into OUT:
#
#   OUT/include/{curl,cjson}/   headers of the libraries built here
#   OUT/lib/libcurl.a           Debian's curl source, HTTP and HTTPS only, OpenSSL
#   OUT/lib/libcjson.a          Debian's cjson source (cJSON.c)
#   OUT/lib/libssl.a libcrypto.a
#       --openssl source (the default): Debian's openssl source, built with
#         what a TLS 1.2/1.3 client of AWS needs (OPENSSL_CONFIGURE), headers
#         in OUT/include/openssl;
#       --openssl debian: Debian's static archives as installed (libssl-dev),
#         less their unwind tables (see strip_unwind_tables)
#   OUT/lib/libpcre2-8.a libz.a Debian's static archives as installed, less
#                               their unwind tables
#
# Versions come from packaging/vendor.lock and are checked: the .dsc of each
# source package must have the pinned SHA-256, each binary package the pinned
# version. Sources are fetched with apt-get source through a private sources
# list and lists directory (the system's apt configuration is not touched);
# apt checks them against the archive's signed Release file, dpkg-source
# checks the tarballs against the .dsc and applies Debian's patches.
#
# usage: tools/vendor.sh --out DIR [--openssl source|debian] [--opt FLAGS] [--cc CC] [--jobs N] [--lock FILE]
#        tools/vendor.sh --print-lock   (the lock lines for what Debian serves now)
# A stamp in OUT records the inputs; when they are unchanged this does nothing.
set -euo pipefail
START_DIR=$PWD
cd "$(dirname "$0")/.."

LOCK=packaging/vendor.lock
OUT=
OPT=-O2
OPENSSL=source
CC=${CC:-cc}
JOBS=2
PRINT_LOCK=0
SOURCES_LIST=(
  "deb-src http://deb.debian.org/debian bookworm main"
  "deb-src http://deb.debian.org/debian-security bookworm-security main"
)
# curl (with OpenSSL, the installed one or the one built here, see build_curl):
# what the AWS clients use (HTTP/1.1 over TLS, proxies, IPv6, the
# threaded resolver); everything else is left out, and so is any compiled-in
# CA path: src/aws/ev_http.c always names the bundle it found at run time.
CURL_CONFIGURE=(
  --disable-shared --enable-static --disable-dependency-tracking
  --without-ca-bundle --without-ca-path --without-ca-fallback
  --enable-threaded-resolver --enable-ipv6 --enable-proxy
  --without-zlib --without-brotli --without-zstd --without-libidn2 --without-libpsl
  --without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3
  --without-librtmp --without-libssh2 --without-libssh --without-wolfssh
  --without-libgsasl --without-hyper --without-gssapi
  --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet
  --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp
  --disable-gopher --disable-mqtt --disable-ftp --disable-file --disable-websockets
  --disable-manual --disable-libcurl-option --disable-verbose --disable-ntlm
  --disable-ntlm-wb --disable-tls-srp --disable-crypto-auth --disable-alt-svc
  --disable-hsts --disable-doh --disable-netrc --disable-cookies --disable-mime
  --disable-dateparse --disable-get-easy-options --disable-progress-meter
  # The program's behaviour must not depend on an openssl.cnf of the machine
  # it runs on (Lambda's belongs to Amazon Linux's own OpenSSL build).
  --disable-openssl-auto-load-config
)
# OpenSSL from source: a TLS 1.2/1.3 client (AWS endpoints accept nothing
# older) with the algorithms of AWS's certificates and cipher suites (RSA,
# ECDSA and ECDHE on P-256/P-384/X25519, AES-GCM, ChaCha20-Poly1305, SHA-2),
# HMAC-SHA256 for SigV4 and MD5 for SQS body checks. Left out: what a client
# of AWS never uses (SSLv3, TLS 1.0/1.1, DTLS, engines, loadable modules,
# legacy ciphers, CMS, OCSP, CT, SRP, PSK, ...). OPENSSLDIR is Debian's, as
# for the installed archives; with curl's auto-load off no file is read there.
OPENSSL_CONFIGURE=(
  no-shared no-module no-dso no-engine no-legacy no-comp no-zlib no-ktls no-async no-ui-console no-tests
  no-ssl3 no-ssl3-method no-tls1 no-tls1-method no-tls1_1 no-tls1_1-method no-dtls no-srp no-psk
  no-cms no-ts no-ocsp no-cmp no-ct no-srtp no-nextprotoneg no-rfc3779 no-sctp no-ssl-trace
  no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-md4 no-bf no-cast no-des no-seed no-sm2 no-sm3 no-sm4
  no-whirlpool no-camellia no-aria no-siphash no-gost no-scrypt no-ec2m no-dsa
  no-capieng no-afalgeng no-padlockeng no-rdrand enable-ec_nistp_64_gcc_128
  --openssldir=/usr/lib/ssl --libdir=lib
)
# Code generation for everything compiled here (the project's own code uses
# the same, see LAMBDA_CODEGEN in the Makefile): sections per function for
# --gc-sections, no unwind tables (C, never unwound), Debian's hardening.
CODEGEN=(-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
  -fstack-protector-strong -D_FORTIFY_SOURCE=2)

die() { echo "vendor: $*" >&2; exit 1; }
say() { echo "vendor: $*"; }
warn() { echo "vendor: WARNING: $*" >&2; }

# VENDOR_LOCK_POLICY=strict (default: release builds) stops on any difference
# from the lock; =newest (the test stage) builds what Debian serves or has
# installed instead, with a warning, so a Debian security update does not
# break the tests before the lock is bumped.
LOCK_POLICY=${VENDOR_LOCK_POLICY:-strict}
case $LOCK_POLICY in strict | newest) ;; *) die "VENDOR_LOCK_POLICY must be strict or newest, not '$LOCK_POLICY'" ;; esac

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --out) OUT=${2:?--out needs a directory}; shift 2 ;;
      --opt) OPT=${2:?--opt needs flags}; shift 2 ;;
      --openssl) OPENSSL=${2:-}; [[ "$OPENSSL" =~ ^(source|debian)$ ]] || die "--openssl takes source or debian"; shift 2 ;;
      --cc) CC=${2:?--cc needs a compiler}; shift 2 ;;
      --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
      --lock) LOCK=${2:?--lock needs a file}; shift 2 ;;
      --print-lock) PRINT_LOCK=1; shift ;;
      *) die "unknown argument '$1' (usage: tools/vendor.sh --out DIR [--opt FLAGS] [--cc CC] [--jobs N] [--lock FILE] [--openssl source|debian] | --print-lock)" ;;
    esac
  done
  [ "$PRINT_LOCK" = 1 ] || [ -n "$OUT" ] || die "--out DIR is required"
  [ -z "$OUT" ] || OUT=$(cd "$START_DIR" && realpath -m -- "$OUT")
  read -ra OPT_FLAGS <<<"$OPT"
}

need_tools() {
  local missing=() t
  for t in apt-get apt-cache dpkg-source dpkg-query dpkg-parsechangelog autoreconf make ar nm objcopy perl sha256sum flock "$CC"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v dpkg-query >/dev/null 2>&1; then
    die "this is not a Debian system (no ${missing[*]}): the Lambda packages are built from Debian bookworm's" \
      "sources and static libraries, see docs/deploy.md"
  fi
  die "missing ${missing[*]}: run 'make deps' (it installs dpkg-dev, autoconf, automake, libtool, zip, ...)"
}

# lock_field KIND NAME FIELD: the FIELD-th word (3 = version, 4 = sha256) of the lock line.
lock_field() {
  local line
  line=$(awk -v k="$1" -v n="$2" '$1 == k && $2 == n' "$LOCK")
  [ -n "$line" ] || die "$LOCK has no '$1 $2' line"
  awk -v f="$3" '{ print $f }' <<<"$line"
}

# APT_OPTS: apt-get/apt-cache options for the private source list and lists.
setup_apt() {
  local apt_dir=$1
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  printf '%s\n' "${SOURCES_LIST[@]}" >"$apt_dir/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    # apt drops to the _apt user to download; it cannot write into the build tree.
    -o APT::Sandbox::User=root -q)
}

apt_update() {
  say "reading Debian's source indexes (bookworm, bookworm-security)"
  apt-get "${APT_OPTS[@]}" update >/dev/null || die "apt-get update on the private source list failed (see above)"
}

# served_versions NAME: the versions the source indexes list, newest first.
served_versions() {
  apt-cache "${APT_OPTS[@]}" showsrc "$1" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -rV -u
}

served_version() { served_versions "$1" | head -n 1; }

print_lock() {
  local name
  PRINT_TMP=$(mktemp -d)
  trap 'rm -rf "$PRINT_TMP"' EXIT
  local tmp=$PRINT_TMP
  setup_apt "$tmp/apt"
  apt_update >&2
  # The newest version that can be downloaded (an index can list an upload
  # whose files the mirror does not have yet).
  local ver found
  for name in $(awk '$1 == "source" { print $2 }' "$LOCK"); do
    found=
    for ver in $(served_versions "$name"); do
      if (cd "$tmp" && apt-get "${APT_OPTS[@]}" source --download-only "$name=$ver" >/dev/null 2>&1); then
        echo "source $name $ver $(sha256sum "$tmp/${name}_${ver#*:}.dsc" | cut -d' ' -f1)"
        found=1
        break
      fi
      say "$name $ver is listed but its files cannot be downloaded" >&2
    done
    [ -n "$found" ] || die "no version of $name can be downloaded"
  done
  for name in $(awk '$1 == "binary" { print $2 }' "$LOCK"); do
    echo "binary $name $(dpkg-query -W -f='${Version}' "$name")"
  done
}

check_binary_packages() {
  local name want have
  for name in $(awk '$1 == "binary" { print $2 }' "$LOCK"); do
    # OpenSSL built from source takes nothing from libssl-dev.
    [ "$name" = libssl-dev ] && [ "$OPENSSL" = source ] && continue
    want=$(lock_field binary "$name" 3)
    have=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$name" 2>/dev/null || true)
    [ "${have%% *}" = installed ] || die "$name is not installed: run 'make deps'"
    if [ "${have#* }" != "$want" ]; then
      local msg="$name is $want in $LOCK but ${have#* } is installed: after checking the change, set 'binary $name ${have#* }' in $LOCK"
      [ "$LOCK_POLICY" = newest ] || die "$msg"
      warn "$msg (VENDOR_LOCK_POLICY=newest: using the installed one)"
    fi
  done
}

# fetch_source NAME DIR: DIR/NAME_VERSION.dsc and its files, checked against the lock.
fetch_source() {
  local name=$1 dir=$2 ver sha dsc
  ver=$(lock_field source "$name" 3)
  sha=$(lock_field source "$name" 4)
  dsc="$dir/${name}_${ver#*:}.dsc"
  if [ ! -f "$dsc" ] || [ "$(sha256sum "$dsc" | cut -d' ' -f1)" != "$sha" ]; then
    [ -n "${APT_UPDATED:-}" ] || { apt_update; APT_UPDATED=1; }
    say "fetching Debian source package $name $ver"
    if ! (cd "$dir" && apt-get "${APT_OPTS[@]}" source --download-only "$name=$ver" >/dev/null); then
      local served msg
      served=$(served_version "$name")
      msg="Debian does not serve $name $ver (it serves $served now): check that upload, then set its line in $LOCK ('tools/vendor.sh --print-lock' prints it)"
      [ "$LOCK_POLICY" = newest ] && [ -n "$served" ] || die "$msg"
      warn "$msg (VENDOR_LOCK_POLICY=newest: building $served, unpinned)"
      (cd "$dir" && apt-get "${APT_OPTS[@]}" source --download-only "$name=$served" >/dev/null) ||
        die "cannot download $name $served either"
      DSC="$dir/${name}_${served#*:}.dsc"
      VER=$served
      return 0
    fi
  fi
  [ "$(sha256sum "$dsc" | cut -d' ' -f1)" = "$sha" ] ||
    die "$dsc has SHA-256 $(sha256sum "$dsc" | cut -d' ' -f1), $LOCK pins $sha: refusing an unexpected upload"
  DSC=$dsc
  VER=$ver
}

# unpack DSC DEST: Debian's source tree, patches applied.
# (The .dsc's own OpenPGP signature is not checked here: that needs the
# debian-keyring package; apt already checked the .dsc against the Release
# file, which is what makes the download trustworthy.)
unpack() {
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  dpkg-source -x "$1" "$2" >"$2.unpack.log" 2>&1 || { cat "$2.unpack.log" >&2; die "dpkg-source -x $1 failed"; }
}

build_curl() {
  local src=$1 ver=$2 series
  # Debian's rules build the OpenSSL flavour from the tree without the last
  # two patches of the series, which switch it to GnuTLS and NSS.
  series=$(grep -v '^#' "$src/debian/patches/series" | sed '/^[[:space:]]*$/d' | tail -n 2 | tr '\n' ' ')
  [ "$series" = "90_gnutls.patch 99_nss.patch " ] ||
    die "curl $ver: the series no longer ends with the GnuTLS and NSS patches (it ends '$series'): review the build"
  (cd "$src" && patch -s -R -p1 <debian/patches/99_nss.patch && patch -s -R -p1 <debian/patches/90_gnutls.patch) ||
    die "curl $ver: cannot take the GnuTLS and NSS patches back out"
  say "building libcurl $ver (HTTP, HTTPS; OpenSSL) with $OPT"
  (cd "$src" && autoreconf -fi) >"$src/autoreconf.log" 2>&1 || die "curl: autoreconf failed, see $src/autoreconf.log"
  local with_openssl=--with-openssl
  [ "$OPENSSL" = debian ] || with_openssl=--with-openssl="$OUT"
  (cd "$src" && ./configure --prefix="$OUT" CC="$CC" \
    CFLAGS="$OPT ${CODEGEN[*]} -DCURL_PATCHSTAMP=\\\"$ver\\\"" "$with_openssl" "${CURL_CONFIGURE[@]}") \
    >"$src/configure.log" 2>&1 ||
    die "curl: configure failed, see $src/configure.log"
  grep -Eq '^[[:space:]]*Protocols:[[:space:]]+HTTP HTTPS[[:space:]]*$' "$src/configure.log" ||
    die "curl: configure enabled more than HTTP and HTTPS, see $src/configure.log"
  make -C "$src/lib" -j"$JOBS" >"$src/make.log" 2>&1 || die "curl: build failed, see $src/make.log"
  { make -C "$src/lib" install && make -C "$src/include" install; } >>"$src/make.log" 2>&1 ||
    die "curl: install failed, see $src/make.log"
  rm -f "$OUT/lib/libcurl.la"
  # configure falls back to the system's OpenSSL when it cannot use ours.
  if [ "$OPENSSL" = source ] && nm "$OUT/lib/libcurl.a" 2>/dev/null | grep ' U ENGINE_' >/dev/null; then
    die "curl: built against the system's OpenSSL headers instead of $OUT/include, see $src/configure.log"
  fi
}

build_openssl() {
  local src=$1 ver=$2 target
  case $("$CC" -dumpmachine) in
    x86_64-*) target=linux-x86_64 ;;
    aarch64-*) target=linux-aarch64 ;;
    *) die "openssl: no OpenSSL target for $("$CC" -dumpmachine)" ;;
  esac
  say "building OpenSSL $ver (TLS 1.2/1.3 client) with $OPT"
  mkdir -p "$src/build"
  (cd "$src/build" && CC="$CC" ../Configure "$target" --prefix="$OUT" "${OPENSSL_CONFIGURE[@]}" \
    "${OPT_FLAGS[@]}" "${CODEGEN[@]}") >"$src/configure.log" 2>&1 || die "openssl: Configure failed, see $src/configure.log"
  make -C "$src/build" -j"$JOBS" build_libs >"$src/make.log" 2>&1 || die "openssl: build failed, see $src/make.log"
  make -C "$src/build" install_dev >>"$src/make.log" 2>&1 || die "openssl: install failed, see $src/make.log"
  # The assembler parts carry unwind tables whatever the flags (see strip_unwind_tables).
  objcopy --remove-section=.eh_frame "$OUT/lib/libcrypto.a" && objcopy --remove-section=.eh_frame "$OUT/lib/libssl.a"
}

build_cjson() {
  local src=$1 ver=$2
  say "building cJSON $ver with $OPT"
  mkdir -p "$OUT/include/cjson" "$OUT/lib"
  "$CC" -std=c89 "${OPT_FLAGS[@]}" "${CODEGEN[@]}" -c "$src/cJSON.c" -o "$src/cJSON.o" || die "cjson: compile failed"
  rm -f "$OUT/lib/libcjson.a"
  ar rcs "$OUT/lib/libcjson.a" "$src/cJSON.o"
  cp "$src/cJSON.h" "$OUT/include/cjson/cJSON.h"
}

# Debian's archives carry .eh_frame unwind tables for every function (about
# 400 KB in a package). These programs are C: nothing throws, cancels a thread
# or walks the stack, so the tables are never read; the copies linked here go
# without them. The code is Debian's, byte for byte.
strip_unwind_tables() {
  local a path archives=(libpcre2-8.a libz.a)
  [ "$OPENSSL" = debian ] && archives+=(libssl.a libcrypto.a)
  for a in "${archives[@]}"; do
    path=$("$CC" -print-file-name="$a")
    [ -f "$path" ] || die "$a not found by $CC: run 'make deps' (libpcre2-dev, zlib1g-dev, libssl-dev)"
    objcopy --remove-section=.eh_frame "$path" "$OUT/lib/$a"
  done
}

stamp_text() {
  cat "$LOCK"
  echo "opt: $OPT"
  echo "openssl: $OPENSSL"
  echo "cc: $("$CC" --version | head -n 1)"
  echo "script: $(sha256sum "$0" | cut -d' ' -f1)"
}

main() {
  parse_args "$@"
  need_tools
  if [ "$PRINT_LOCK" = 1 ]; then print_lock; return; fi
  local stamp="$OUT/.stamp" cache
  check_binary_packages
  # One build at a time per OUT (sam build --parallel runs both functions' targets at once).
  mkdir -p "$(dirname "$OUT")"
  exec 9>"$OUT.lock"
  flock 9
  # Taken once, before building: what the stamp will say this build was made from.
  local inputs lib complete=1
  inputs=$(stamp_text)
  for lib in libcurl.a libcjson.a libssl.a libcrypto.a libpcre2-8.a libz.a; do
    [ -f "$OUT/lib/$lib" ] || complete=0
  done
  if [ "$complete" = 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
    return 0
  fi
  cache=$(dirname "$OUT")/cache
  mkdir -p "$cache/downloads" "$OUT/lib" "$OUT/include"
  rm -f "$stamp"
  setup_apt "$cache/apt"
  local name ver names=(curl cjson)
  [ "$OPENSSL" = source ] && names=(openssl curl cjson)
  for name in "${names[@]}"; do
    fetch_source "$name" "$cache/downloads"
    ver=$VER
    unpack "$DSC" "$OUT/src/$name"
    # Dates built into the code (OpenSSL's "built on") are the upload's, as in
    # Debian's own builds: the same inputs give the same bytes.
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$OUT/src/$name/debian/changelog" -STimestamp)
    export SOURCE_DATE_EPOCH
    "build_$name" "$OUT/src/$name" "$ver"
  done
  strip_unwind_tables
  rm -rf "$OUT/lib/pkgconfig"
  printf '%s\n' "$inputs" >"$stamp"
  say "static libraries ready in $OUT"
}

main "$@"
