#!/usr/bin/env bash
# A real three-node RabbitMQ cluster on this one machine, beside the shared broker on 5672
# (which it never touches): each node has its own node name, AMQP port, distribution port
# and data directory, and they share the machine's Erlang cookie
# (/var/lib/rabbitmq/.erlang.cookie) because rabbitmq-server and rabbitmqctl are the Debian
# wrappers that run everything as the rabbitmq user.
#
#   npm run rabbit:cluster             start (or finish starting) the cluster, print the URLs
#   npm run rabbit:cluster -- stop     stop every node and delete the data directory
#   npm run rabbit:cluster -- status   cluster_status as seen from node 1
#
# Idempotent: nodes already running are left alone, a node that is up but not clustered is
# reset and joined, and a cluster that is already whole only gets its URLs printed again.
#
# Settings (environment):
#   RABBIT_CLUSTER_DIR        data, logs, config     (default: <repo>/.run/rabbit-cluster)
#   RABBIT_CLUSTER_NAME       node-name prefix       (default: feed-rmq -> feed-rmq1@localhost, ...)
#   RABBIT_CLUSTER_PORT       first AMQP port        (default: 5681 -> 5681, 5682, 5683)
#   RABBIT_CLUSTER_DIST_PORT  first Erlang dist port (default: 25681 -> 25681, 25682, 25683)
#   RABBIT_CLUSTER_SIZE       number of nodes        (default: 3; keep it odd, see docs/rabbitmq.md)
#   RABBIT_CLUSTER_TIMEOUT    seconds to wait for each step (default: 120)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${RABBIT_CLUSTER_DIR:-$ROOT/.run/rabbit-cluster}"
NAME="${RABBIT_CLUSTER_NAME:-feed-rmq}"
PORT="${RABBIT_CLUSTER_PORT:-5681}"
DIST_PORT="${RABBIT_CLUSTER_DIST_PORT:-25681}"
SIZE="${RABBIT_CLUSTER_SIZE:-3}"
TIMEOUT="${RABBIT_CLUSTER_TIMEOUT:-120}"

node() { echo "${NAME}$1@localhost"; }           # node N's Erlang node name
node_dir() { echo "$DIR/${NAME}$1"; }
log() { echo "rabbit-cluster: $*" >&2; }
ctl() { rabbitmqctl -q -n "$@"; }                  # rabbitmqctl -n <node> <command...>
running() { ctl "$(node "$1")" ping >/dev/null 2>&1; }

# The running nodes of the cluster as node 1 sees them, one per line.
running_nodes() { ctl "$(node 1)" cluster_status --formatter json 2>/dev/null | jq -r '.running_nodes[]' 2>/dev/null; }

# The environment rabbitmq-server reads (it runs as the rabbitmq user, so every path must be
# readable by it: the directory is chowned below). The config file binds AMQP to 127.0.0.1
# only, and lets guest log in over it (loopback_users is about the client address, and
# a cluster member can be reached through another node's port in tests).
node_env() {
  local i=$1 d
  d="$(node_dir "$i")"
  echo "RABBITMQ_NODENAME=$(node "$i")" \
    "RABBITMQ_NODE_PORT=$((PORT + i - 1))" \
    "RABBITMQ_DIST_PORT=$((DIST_PORT + i - 1))" \
    "RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf" \
    "RABBITMQ_MNESIA_BASE=$d/mnesia" \
    "RABBITMQ_LOG_BASE=$d/log" \
    "RABBITMQ_PID_FILE=$d/pid" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$d/plugins"
}

start_node() {
  local i=$1 d
  d="$(node_dir "$i")"
  if running "$i"; then
    # The Erlang VM is up; after a `stop_app` the broker inside it is not: start it again.
    rabbitmq-diagnostics -q -n "$(node "$i")" check_running >/dev/null 2>&1 || ctl "$(node "$i")" start_app
    log "$(node "$i") already running"
    return 1 # nothing to wait for
  fi
  mkdir -p "$d"
  printf 'listeners.tcp.local = 127.0.0.1:%s\nloopback_users = none\n' "$((PORT + i - 1))" >"$d/rabbitmq.conf"
  [ -f "$d/plugins" ] || echo '[].' >"$d/plugins"
  chown -R rabbitmq:rabbitmq "$DIR"
  log "starting $(node "$i") on AMQP port $((PORT + i - 1)), dist port $((DIST_PORT + i - 1))"
  # shellcheck disable=SC2046
  env $(node_env "$i") rabbitmq-server -detached
}

# `rabbitmqctl wait <pidfile>` returns once the node's broker application has started.
await_node() {
  local i=$1
  rabbitmqctl -q -n "$(node "$i")" wait --timeout "$TIMEOUT" "$(node_dir "$i")/pid" >/dev/null ||
    { log "$(node "$i") did not start; see $(node_dir "$i")/log"; exit 1; }
}

join_node() {
  local i=$1 n
  n="$(node "$i")"
  if running_nodes | grep -qx "$n"; then return 0; fi
  log "joining $n to $(node 1)"
  # The CLI echoes the node's boot warnings here; keep them for when a step fails.
  local out="$(node_dir "$i")/join.log"
  { ctl "$n" stop_app &&
    ctl "$n" reset && # a node that was up on its own (or in another cluster) forgets that first
    ctl "$n" join_cluster "$(node 1)" &&
    ctl "$n" start_app; } >"$out" 2>&1 || { cat "$out" >&2; log "joining $n failed"; exit 1; }
}

urls() {
  local i list=""
  for ((i = 1; i <= SIZE; i++)); do
    echo "$(node "$i")  amqp://guest:guest@127.0.0.1:$((PORT + i - 1))" >&2
    list+="${list:+,}amqp://guest:guest@127.0.0.1:$((PORT + i - 1))"
  done
  log "AMQP_URL for core, workers and gateways:"
  echo "$list"
}

start() {
  local i deadline
  # Start every node at once: on a restart, a node waits for the peers it knew, and each
  # takes ~10 s to boot on two cores.
  local started=()
  for ((i = 1; i <= SIZE; i++)); do start_node "$i" && started+=("$i"); done
  for i in "${started[@]}"; do await_node "$i"; done
  for ((i = 2; i <= SIZE; i++)); do join_node "$i"; done
  deadline=$((SECONDS + TIMEOUT))
  until [ "$(running_nodes | wc -l)" -eq "$SIZE" ]; do
    [ $SECONDS -lt $deadline ] || { log "cluster_status does not show $SIZE running nodes"; ctl "$(node 1)" cluster_status >&2; exit 1; }
    sleep 1
  done
  log "$SIZE nodes running"
  urls
}

stop() {
  local i pid
  for ((i = 1; i <= SIZE; i++)); do
    pid="$(cat "$(node_dir "$i")/pid" 2>/dev/null || true)"
    if running "$i"; then
      log "stopping $(node "$i")"
      ctl "$(node "$i")" stop >/dev/null 2>&1 || true
    fi
    # A node whose broker app was stopped (stop_app) still has its Erlang VM: make sure.
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$DIR"
  log "stopped; removed $DIR"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) ctl "$(node 1)" cluster_status ;;
  urls) urls ;;
  *) echo "usage: $0 [start|stop|status|urls]" >&2; exit 2 ;;
esac
