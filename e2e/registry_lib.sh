# A registry for the e2e scripts that push: the CNCF distribution registry
# (Debian's docker-registry) on 127.0.0.1 with TLS (a CA made here, trusted
# through SSL_CERT_FILE) and htpasswd (bcrypt) authentication. Source it after
# lib.sh: it starts the registry (stopped on exit), sets REGISTRY, USER_NAME,
# PASSWORD, SSL_CERT_FILE, DOCKER_CONFIG (a login to REGISTRY) and SKOPEO
# (skopeo's flags to trust and log in to it), and defines free_port,
# start_registry, stop_registry and docker_config.
USER_NAME=ci
PASSWORD="pw-$RANDOM-$RANDOM-secret"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

log "a CA, a certificate for 127.0.0.1, an htpasswd file"
mkdir -p "$WORK/certs" "$WORK/bin" "$WORK/docker"
(
  cd "$WORK/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rules_scratch e2e CA" -keyout ca.key -out ca.crt 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout registry.key -out registry.csr 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
  openssl x509 -req -in registry.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out registry.crt 2>/dev/null
)
mkdir -p "$WORK/trust" && cp "$WORK/certs/ca.crt" "$WORK/trust/" # skopeo's --cert-dir: the CA alone
htpasswd -Bbn "$USER_NAME" "$PASSWORD" >"$WORK/htpasswd"
pass "made a CA, a certificate and bcrypt credentials"

PORT=$(free_port)
REGISTRY=127.0.0.1:$PORT
cat >"$WORK/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: $REGISTRY
  tls:
    certificate: $WORK/certs/registry.crt
    key: $WORK/certs/registry.key
auth:
  htpasswd:
    realm: rules_scratch e2e
    path: $WORK/htpasswd
EOF
start_registry() {
  docker-registry serve "$WORK/registry.yml" >>"$WORK/registry.log" 2>&1 &
  echo $! >"$WORK/registry.pid"
  for _ in $(seq 50); do
    curl -s --cacert "$WORK/certs/ca.crt" "https://$REGISTRY/v2/" >/dev/null && return
    sleep 0.2
  done
  cat "$WORK/registry.log" >&2
  fail "the registry did not start"
}
stop_registry() { kill "$(cat "$WORK/registry.pid")" 2>/dev/null && wait "$(cat "$WORK/registry.pid")" 2>/dev/null || true; }
trap 'stop_registry; cleanup' EXIT
start_registry
pass "the registry serves https://$REGISTRY with basic authentication"

# What a user has: their CA trusted through SSL_CERT_FILE (added to the
# system roots), credentials from a login in a docker config.
export SSL_CERT_FILE=$WORK/certs/ca.crt
export DOCKER_CONFIG=$WORK/docker
docker_config() { # HOST...: a docker config.json holding USER_NAME:$1's password for each HOST
  local secret=$1 host auths=()
  shift
  for host in "$@"; do
    auths+=("\"$host\": {\"auth\": \"$(printf '%s:%s' "$USER_NAME" "$secret" | base64 -w0)\"}")
  done
  printf '{"auths": {%s}}\n' "$(IFS=,; echo "${auths[*]}")" >"$DOCKER_CONFIG/config.json"
}
docker_config "$PASSWORD" "$REGISTRY"
SKOPEO=(--cert-dir "$WORK/trust" --creds "$USER_NAME:$PASSWORD")
