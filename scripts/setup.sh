#!/usr/bin/env bash
# Installs whatever this machine is missing to build, run and test Parlor. Idempotent and
# quiet when everything is already there. `npm start` needs only the build tools; pass --browser
# to also install Chromium (bench), --test for Chromium and the fuzzer (npm test).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
CARGO_FUZZ_VERSION=0.13.2
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { echo "setup: $*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >/dev/null
fi

# The widget builds its own std (scripts/build.mjs) to leave panic formatting out of the page.
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "adding rust component rust-src"
  rustup component add rust-src >/dev/null 2>&1
fi

# The compile of wasm-bindgen-cli and the npm download run side by side on a first run.
installs=()
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  # Not --locked: the CLI's own lock file pins a webpki-roots the registry no longer serves.
  # Light optimisation: it compiles in less time, and its work (rewriting a few MB of wasm per
  # build) is a few seconds either way. No TLS stack: its test runner only speaks to the local
  # chromedriver, and rustls with its crypto is a fifth of the compile (docs/performance.md).
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --quiet --force --no-default-features "wasm-bindgen-cli@$WASM_BINDGEN_VERSION" &
  installs+=($!)
fi

# The project's crates download while the tool compiles (on a fresh machine the build would
# otherwise start with them); a no-op when they are all here.
cargo fetch --quiet &
installs+=($!)

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null &
  installs+=($!)
fi

# `set -e` stops here if either install failed.
for pid in "${installs[@]}"; do wait "$pid"; done

MODE="${1:-}"

# Fuzzing (scripts/fuzz.sh, the "fuzz (short)" test step) runs on stable with RUSTC_BOOTSTRAP=1.
# Only the tests need it: a first `npm start` does not wait for it.
if [ "$MODE" = "--test" ] && [ "$(cargo-fuzz --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute, once)"
  cargo install --quiet --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

if [ ! -f .dev.vars ]; then
  say "generating local secrets in .dev.vars (git-ignored)"
  {
    echo "ADMIN_TOKEN=op_$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
    echo "SESSION_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
  } > .dev.vars
fi
# The Worker refuses to serve with weak secrets (edge/src/secrets.rs, docs/security.md):
# SESSION_SECRET of at least 32 bytes, ADMIN_TOKEN of "op_" and at least 32 more characters.
if ! grep -Eq '^SESSION_SECRET=.{32,}$' .dev.vars || ! grep -Eq '^ADMIN_TOKEN=op_.{32,}$' .dev.vars; then
  say ".dev.vars: SESSION_SECRET needs 32+ bytes and ADMIN_TOKEN 'op_' + 32+ characters; delete the file to generate new ones" >&2
  exit 1
fi

# Local development only: webhook endpoints may be plain HTTP on this machine (docs/webhooks.md).
grep -q '^WEBHOOKS_LOCAL=' .dev.vars || echo "WEBHOOKS_LOCAL=1" >> .dev.vars

# Web Push: this server's VAPID key pair (RFC 8292), the private half as a base64url P-256
# scalar; production sets it with `wrangler secret put VAPID_PRIVATE_KEY` (README).
if ! grep -q '^VAPID_PRIVATE_KEY=' .dev.vars; then
  say "generating a VAPID key for Web Push in .dev.vars"
  echo "VAPID_PRIVATE_KEY=$(node -e 'console.log(require("crypto").generateKeyPairSync("ec",{namedCurve:"prime256v1"}).privateKey.export({format:"jwk"}).d)')" >> .dev.vars
fi
grep -q '^VAPID_SUBJECT=' .dev.vars || echo "VAPID_SUBJECT=mailto:admin@parlor.localhost" >> .dev.vars

if [ "$MODE" = "--browser" ] || [ "$MODE" = "--test" ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
      say "installing chromium and chromium-driver from Debian"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
      say "chromium missing: run 'sudo apt-get install chromium chromium-driver'" >&2
      exit 1
    fi
  fi
fi
